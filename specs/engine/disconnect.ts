// Disconnect cleanup (§4.6): what a worker registered disappears within a bound, calls to it answer
// function_not_found, and calls it was executing answer invocation_stopped.

import {
  call,
  eventually,
  listFunctions,
  listTriggerTypes,
  listWorkers,
  newId,
  registerOk,
  serve,
  settle,
  uniqueFunctionId,
  uniqueName,
} from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

export const disconnectCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.disconnect.functions-removed',
    title: 'After a worker leaves, its functions leave engine::functions::list and calls to them answer function_not_found',
    level: 'MUST',
    sources: [doc('§4.6 step 2'), doc('§11.1 #19'), src('engine/src/engine/mod.rs cleanup_worker'), src('engine/tests/namespace_conflict_e2e.rs')],
    timeoutMs: 8000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const b = await ctx.worker('leaving');
      const fn = uniqueFunctionId('gone');
      serve(b, fn);
      await registerOk(ctx, b);
      check(
        (await listFunctions(ctx, observer)).some((r) => r.function_id === fn),
        'the function was never listed',
        fn,
        'absent',
      );
      await b.disconnect();
      const ms = await eventually(
        ctx.timing.cleanupBoundMs,
        async () => {
          const rows = (await listFunctions(ctx, observer)).filter((r) => r.function_id === fn);
          return { ok: rows.length === 0, observed: rows };
        },
        'the departed worker’s function is still listed',
        'no row',
      );
      const r = await call(ctx, observer, fn, {});
      check(
        !r.ok && r.error.code === 'function_not_found',
        'a call to the departed worker’s function did not answer function_not_found',
        { error: { code: 'function_not_found' } },
        r.frame,
      );
      return `unlisted ${ms} ms after the close; calls answer function_not_found`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.disconnect.worker-unlisted',
    title: 'A worker whose connection drops (no close frame) leaves engine::workers::list',
    level: 'MUST',
    sources: [doc('§4.6 step 5'), doc('§5'), src('engine/src/engine/mod.rs cleanup_worker')],
    timeoutMs: 8000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const b = await ctx.worker('dropping');
      const name = uniqueName('drop');
      await registerOk(ctx, b, { name });
      check(
        (await listWorkers(ctx, observer)).some((r) => r.id === b.workerId),
        'the worker was never listed',
        b.workerId,
        'absent',
      );
      b.terminate();
      const ms = await eventually(
        ctx.timing.cleanupBoundMs,
        async () => {
          const rows = (await listWorkers(ctx, observer)).filter((r) => r.id === b.workerId || r.name === name);
          return { ok: rows.length === 0, observed: rows };
        },
        'the dropped worker is still listed',
        'no row',
      );
      return `unlisted ${ms} ms after the TCP connection dropped`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.disconnect.invocation-stopped',
    title: 'A call the departed worker was executing answers invocation_stopped to its caller',
    level: 'MUST',
    sources: [doc('§4.6 step 3'), doc('§6.1'), doc('§11.1 #18'), src('engine/src/invocation/mod.rs halt_invocation')],
    timeoutMs: 8000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('never-answers');
      serve(b, fn, undefined, { hold: true });
      await registerOk(ctx, b);
      const id = newId();
      const pending = call(ctx, a, fn, {}, { invocationId: id, timeoutMs: ctx.timing.replyMs + ctx.timing.cleanupBoundMs });
      pending.catch(() => {}); // awaited below; never left unhandled if the case fails first
      await b.waitFor({ type: 'invokefunction', invocation_id: id });
      b.terminate();
      const r = await pending;
      const expected = { code: 'invocation_stopped', message: 'Invocation stopped' };
      check(
        !r.ok && r.error.code === expected.code && r.error.message === expected.message,
        'the caller did not get invocation_stopped',
        { error: expected },
        r.frame,
      );
      return 'the caller got invocation_stopped';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.disconnect.triggers-removed',
    title: 'A departed worker’s triggers are removed: the provider gets unregistertrigger',
    level: 'MUST',
    sources: [doc('§3.6'), doc('§4.6 step 4'), doc('§11.1 #19'), src('engine/src/engine/mod.rs cleanup_worker')],
    timeoutMs: 8000,
    async run(ctx) {
      const provider = await ctx.worker('provider');
      const owner = await ctx.worker('owner');
      const type = `conf-type-${newId().slice(0, 8)}`;
      await provider.registerTriggerType({ id: type, description: 'conformance trigger type' }, {});
      await registerOk(ctx, provider);
      await registerOk(ctx, owner);
      const triggerId = await owner.registerTrigger({ trigger_type: type, function_id: uniqueFunctionId('target'), config: { every: 1 } });
      await provider.waitFor({ type: 'registertrigger', id: triggerId });
      const since = provider.mark();
      await owner.disconnect();
      const un = (await provider.waitFor({ type: 'unregistertrigger', id: triggerId }, { since, timeoutMs: ctx.timing.cleanupBoundMs })).frame as Record<
        string,
        unknown
      >;
      check(un.trigger_type === type, 'unregistertrigger does not carry the trigger_type', type, un);
      return 'the provider got unregistertrigger for the departed owner’s trigger';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.disconnect.trigger-types-removed',
    title: 'A departed provider’s trigger types leave engine::triggers::list',
    level: 'MUST',
    sources: [doc('§4.6 step 4'), doc('§5 engine::triggers::list'), doc('§11.1 #19')],
    timeoutMs: 8000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const provider = await ctx.worker('provider');
      const type = `conf-type-${newId().slice(0, 8)}`;
      await provider.registerTriggerType({ id: type, description: 'conformance trigger type' }, {});
      await registerOk(ctx, provider);
      check(
        (await listTriggerTypes(ctx, observer)).some((t) => t.id === type),
        'the trigger type was never listed',
        type,
        'absent',
      );
      await provider.disconnect();
      const ms = await eventually(
        ctx.timing.cleanupBoundMs,
        async () => {
          const rows = (await listTriggerTypes(ctx, observer)).filter((t) => t.id === type);
          return { ok: rows.length === 0, observed: rows };
        },
        'the departed provider’s trigger type is still listed',
        'no row',
      );
      return `unlisted ${ms} ms after the provider left`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.disconnect.successor-keeps-function',
    title: 'While a worker’s connection tears down, a successor may take its name and functions, and keeps them after the old cleanup',
    level: 'MUST',
    sources: [
      doc('§4.5'),
      doc('§4.6 step 2'),
      doc('§11.1 #20'),
      doc('§11.1 #34'),
      src('engine/src/engine/mod.rs release_function_if_owner'),
      src('engine/tests/namespace_conflict_e2e.rs worker_reconnecting_while_its_old_connection_tears_down_is_accepted'),
    ],
    timeoutMs: 10_000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const name = uniqueName('succ');
      const fn = uniqueFunctionId('handed-over');
      // The old connection sends its Close frame and then stops reading, so its TCP connection stays
      // half-open and the engine sees it tearing down, not gone. A recorded fake worker, so replay does the same.
      const old = await ctx.worker('old');
      try {
        await old.send({ type: 'registerfunction', id: fn });
        await old.send({
          type: 'invokefunction',
          invocation_id: newId(),
          function_id: 'engine::workers::register',
          data: { name, pid: process.pid, runtime: 'conformance' },
        });
        await eventually(
          ctx.timing.replyMs,
          async () => ({ ok: (await listFunctions(ctx, observer)).some((r) => r.function_id === fn), observed: 'not listed' }),
          'the old connection’s function never appeared',
          fn,
        );
        old.close(1000);
        check(old.pauseReading(), 'the harness could not stop reading the old connection', 'a paused socket', 'none');
        const successor = await ctx.worker('successor');
        const since = successor.mark();
        serve(successor, fn, () => 'successor');
        await registerOk(ctx, successor, { name });
        await settle(ctx, successor);
        const refused = successor.all({ type: 'registrationrejected' }, since).map((e) => e.frame);
        check(refused.length === 0, 'the successor was refused in favour of a connection that is tearing down', 'no registrationrejected', refused);
        old.resumeReading(); // the old connection now closes and is cleaned up
        await old.waitForClose({ timeoutMs: ctx.timing.replyMs });
        await settle(ctx, observer);
        const r = await call(ctx, observer, fn, {});
        check(r.ok && r.result === 'successor', 'the old connection’s cleanup removed the successor’s function', { result: 'successor' }, r.frame);
        const rows = (await listWorkers(ctx, observer)).filter((w) => w.name === name);
        check(
          rows.length === 1 && rows[0]?.id === successor.workerId,
          'the successor does not hold the worker name after the old cleanup',
          { name, id: successor.workerId },
          rows,
        );
        return 'successor accepted during teardown and kept its function and name after the old cleanup';
      } finally {
        old.terminate();
      }
    },
  }),
];
