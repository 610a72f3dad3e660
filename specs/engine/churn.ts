// Churn: 200 workers connect, register (functions, trigger types, triggers, a held call each tenth)
// and leave in a seeded random order, politely or abruptly. Afterwards nothing of theirs is left in any
// listing, and every call they held answered invocation_stopped.

import type { FakeWorker, InvocationOutcome } from '../../harness/fake-worker/index.ts';
import { call, callOk, eventually, listFunctions, listTriggerTypes, listWorkers, newId, registerOk, serve } from './support/protocol.ts';
import { seededRandom } from '../../harness/util/prng.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

const WORKERS = 200;

type Op = { kind: 'join' | 'leave'; i: number };

/** Every worker joins once and leaves once, later; joins and leaves interleave at random. */
function schedule(n: number, rand: () => number): Op[] {
  const ops: Op[] = [];
  const joined: number[] = [];
  let next = 0;
  while (next < n || joined.length > 0) {
    if (next < n && (joined.length === 0 || rand() < 0.55)) {
      ops.push({ kind: 'join', i: next });
      joined.push(next++);
    } else {
      const k = Math.floor(rand() * joined.length);
      ops.push({ kind: 'leave', i: joined.splice(k, 1)[0]! });
    }
  }
  return ops;
}

export const churnCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.churn.no-registrations-left',
    title: '200 workers connecting, registering and leaving in random order leave no registration behind',
    level: 'MUST',
    sources: [doc('§4.6'), doc('§11.1 #18'), doc('§11.1 #19'), src('engine/src/engine/mod.rs cleanup_worker')],
    timeoutMs: 25_000,
    async run(ctx) {
      const rand = seededRandom(ctx.seed);
      const tag = `churn${newId().slice(0, 6)}`;
      const observer = await ctx.worker('observer');
      const workers = new Map<number, FakeWorker>();
      const held: Promise<InvocationOutcome>[] = [];
      const leaving: Promise<unknown>[] = [];
      let abrupt = 0;
      for (const op of schedule(WORKERS, rand)) {
        if (op.kind === 'join') {
          const i = op.i;
          const w = await ctx.worker(`churn-${i}`);
          workers.set(i, w);
          const fn = `${tag}::f${i}`;
          serve(w, fn, undefined, { hold: i % 10 === 0 });
          if (i % 5 === 0) await w.registerTriggerType({ id: `${tag}-type${i}`, description: 'churn type' }, {});
          if (i % 3 === 0) await w.registerTrigger({ id: `${tag}-trigger${i}`, trigger_type: `${tag}-type${i - (i % 5)}`, function_id: fn, config: { i } });
          await registerOk(ctx, w, { name: `${tag}-w${i}`, ...(i % 4 === 0 ? { namespace: `${tag}-ns` } : {}) });
          if (i % 10 === 0) {
            const id = newId();
            const pending = call(ctx, observer, fn, { i }, { invocationId: id, namespace: i % 4 === 0 ? `${tag}-ns` : 'default', timeoutMs: 20_000 });
            pending.catch(() => {}); // awaited below; a case that fails first must not leave it unhandled
            held.push(pending);
            await w.waitFor({ type: 'invokefunction', invocation_id: id });
          }
        } else {
          const w = workers.get(op.i)!;
          if (rand() < 0.5) {
            abrupt += 1;
            w.terminate();
          } else leaving.push(w.disconnect(1000, '', { timeoutMs: 5000 }).catch(() => w.terminate()));
        }
      }
      await Promise.all(leaving);
      const mine = (s: unknown): boolean => typeof s === 'string' && s.startsWith(tag);
      const ms = await eventually(
        ctx.timing.cleanupBoundMs,
        async () => {
          const left = {
            functions: (await listFunctions(ctx, observer)).filter((r) => mine(r.function_id)).map((r) => r.function_id),
            workers: (await listWorkers(ctx, observer)).filter((r) => mine(r.name)).map((r) => r.name),
            triggerTypes: (await listTriggerTypes(ctx, observer)).filter((t) => mine(t.id)).map((t) => t.id),
            triggers: (
              ((await callOk(ctx, observer, 'engine::registered-triggers::list', {})) as { registered_triggers?: { id: string }[] }).registered_triggers ?? []
            )
              .filter((t) => mine(t.id))
              .map((t) => t.id),
          };
          const count = left.functions.length + left.workers.length + left.triggerTypes.length + left.triggers.length;
          return { ok: count === 0, observed: { ...left, functions: left.functions.slice(0, 10), workers: left.workers.slice(0, 10) } };
        },
        'registrations of departed workers are left behind',
        'no function, worker, trigger type or trigger of the churned workers',
      );
      const outcomes = await Promise.all(held);
      const notStopped = outcomes.filter((o) => o.ok || o.error.code !== 'invocation_stopped');
      check(
        notStopped.length === 0,
        'calls held by departed workers did not all answer invocation_stopped',
        `${held.length} × invocation_stopped`,
        notStopped.map((o) => o.frame).slice(0, 3),
      );
      return `${WORKERS} workers (${abrupt} dropped abruptly) left nothing behind ${ms} ms after the last left; ${held.length} held calls stopped`;
    },
  }),
];
