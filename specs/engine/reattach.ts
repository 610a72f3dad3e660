// Re-registration after a reconnect (§3.11, §4.5): `reattach` with the right token retires the previous
// connection, so the replayed registrations end with exactly one copy of each and never conflict with
// the worker's own ghost; a wrong token retires nothing.

import { call, expectNoFrame, frames, listFunctions, listWorkers, newId, registerOk, serve, settle, uniqueFunctionId, uniqueName } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';
import type { ReceivedFrame } from '../../harness/fake-worker/index.ts';

export const reattachCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.reattach.replays-cleanly',
    title: 'A reconnecting worker that reattaches and replays ends with exactly one copy of each registration, and no conflict',
    level: 'MUST',
    sources: [
      doc('§3.11'),
      doc('§4.5'),
      doc('§11.1 #33'),
      doc('§11.1 #34'),
      src('engine/src/engine/mod.rs test_reattach_evicts_old_worker_and_cleanup_is_idempotent'),
    ],
    timeoutMs: 8000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const name = uniqueName('re');
      const f = uniqueFunctionId('f');
      const g = uniqueFunctionId('g');
      const type = `conf-type-${newId().slice(0, 8)}`;
      const triggerId = newId();
      // The first connection stays open: to the engine it is a half-open socket the worker gave up on.
      const old = await ctx.worker('first-connection');
      const replay = async (w: typeof old, label: string): Promise<void> => {
        serve(w, f, () => label);
        serve(w, g, () => label);
        await w.registerTriggerType({ id: type, description: 'replayed type' }, {});
        await w.registerTrigger({ id: triggerId, trigger_type: type, function_id: f, config: null });
        await registerOk(ctx, w, { name });
      };
      await replay(old, 'old');
      const fresh = await ctx.worker('reconnected', { reattach: old.identity });
      const since = fresh.mark();
      await replay(fresh, 'new');
      await settle(ctx, fresh);
      expectNoFrame(fresh, { type: 'registrationrejected' }, since, 'the replayed registrations conflicted with the worker’s own previous connection');
      const closed = await old.waitForClose({ timeoutMs: ctx.timing.cleanupBoundMs }).catch(() => null);
      check(closed !== null, 'the previous connection was not retired (still open)', 'closed by the engine', 'open');
      const fns = (await listFunctions(ctx, observer)).filter((r) => r.function_id === f || r.function_id === g);
      check(fns.length === 2, 'the functions are not listed exactly once each', [f, g], fns);
      const workers = (await listWorkers(ctx, observer)).filter((r) => r.name === name);
      check(
        workers.length === 1 && workers[0]?.id === fresh.workerId,
        'the worker is not listed once, under its new id',
        { name, id: fresh.workerId },
        workers,
      );
      const r = await call(ctx, observer, f, {});
      check(r.ok && r.result === 'new', 'a call did not reach the new connection', { result: 'new' }, r.frame);
      const delivered = frames(fresh, { type: 'registertrigger', id: triggerId });
      check(delivered.length >= 1, 'the replayed trigger was not delivered to the replayed provider', triggerId, frames(fresh, { type: 'registertrigger' }));
      return 'old connection retired; one copy of each function, one worker row, calls reach the new connection';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.reattach.wrong-token-retires-nothing',
    title: 'reattach with a wrong or missing token, or the worker’s own id, retires nothing and gets no reply',
    level: 'MUST',
    sources: [
      doc('§3.11'),
      doc('§11.1 #33'),
      src('engine/src/engine/mod.rs test_reattach_requires_matching_token'),
      src('engine/src/engine/mod.rs test_reattach_self_garbage_and_unknown_are_noops'),
    ],
    timeoutMs: 8000,
    async run(ctx) {
      const victim = await ctx.worker('victim');
      const f = uniqueFunctionId('still-here');
      serve(victim, f, () => 'victim');
      await registerOk(ctx, victim);
      const intruder = await ctx.worker('intruder');
      const since = intruder.mark();
      await intruder.reattach(victim.workerId ?? '', newId());
      await intruder.reattach(victim.workerId ?? '');
      await intruder.reattach(intruder.workerId ?? '', intruder.reattachToken);
      await intruder.reattach('not-a-worker-id', victim.reattachToken);
      await settle(ctx, intruder, victim);
      check(victim.isOpen, 'a reattach with a bad token closed the victim’s connection', 'open', victim.closeInfo);
      check(intruder.isOpen, 'reattach to its own id closed the connection', 'open', intruder.closeInfo);
      // A reply is a message: a binary frame (never one of this protocol's) that lands here is some other fault.
      const reply = (fr: unknown, e: ReceivedFrame) => e.record.encoding === 'text' && (fr as { type?: string } | undefined)?.type !== 'pong';
      expectNoFrame(intruder, reply, since, 'a bad reattach got a reply');
      const r = await call(ctx, intruder, f, {});
      check(r.ok && r.result === 'victim', 'the victim’s function no longer answers after bad reattaches', { result: 'victim' }, r.frame);
      return 'four bad reattaches: nothing retired, no reply';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.reattach.stops-inflight',
    title: 'Calls the retired connection was executing answer invocation_stopped',
    level: 'MUST',
    sources: [doc('§3.11'), doc('§11.1 #33'), src('engine/src/engine/mod.rs test_reattach_evicts_old_worker_and_cleanup_is_idempotent')],
    timeoutMs: 8000,
    async run(ctx) {
      const caller = await ctx.worker('caller');
      const old = await ctx.worker('first-connection');
      const f = uniqueFunctionId('held');
      serve(old, f, undefined, { hold: true });
      await registerOk(ctx, old);
      const id = newId();
      const pending = call(ctx, caller, f, {}, { invocationId: id, timeoutMs: ctx.timing.replyMs + ctx.timing.cleanupBoundMs });
      pending.catch(() => {}); // awaited below; never left unhandled if the case fails first
      await old.waitFor({ type: 'invokefunction', invocation_id: id });
      await ctx.worker('reconnected', { reattach: old.identity });
      const r = await pending;
      check(
        !r.ok && r.error.code === 'invocation_stopped',
        'the call the retired connection held did not answer invocation_stopped',
        { error: { code: 'invocation_stopped' } },
        r.frame,
      );
      return 'the held call answered invocation_stopped on reattach';
    },
  }),
];
