// Duplicate function ids and worker names in one namespace (§3.12, §11.1 #21, #22, #27).

import { absent, barrier, call, newId, registerOk, serve, uniqueFunctionId, uniqueName, type Frame } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

export const conflictCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.conflicts.duplicate-function',
    title: 'A second worker registering a taken function id gets FUNCTION_NAMESPACE_CONFLICT, stays connected, and the incumbent keeps it',
    level: 'MUST',
    sources: [doc('§3.1'), doc('§3.12'), doc('§11.1 #21'), src('engine/tests/namespace_conflict_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const first = await ctx.worker('incumbent');
      const second = await ctx.worker('challenger');
      const f = uniqueFunctionId('taken');
      serve(first, f, () => 'incumbent');
      await registerOk(ctx, first);
      await registerOk(ctx, second);
      serve(second, f, () => 'challenger');
      const rejected = (await second.waitFor({ type: 'registrationrejected' })).frame as Frame;
      const expected = {
        type: 'registrationrejected',
        code: 'FUNCTION_NAMESPACE_CONFLICT',
        namespace: 'default',
        function_id: f,
        owner_worker_id: first.workerId,
      };
      check(
        Object.entries(expected).every(([k, v]) => rejected[k] === v) && !('worker_name' in rejected),
        'the rejection does not carry code, namespace, function_id and the owner’s id (and no worker_name)',
        expected,
        rejected,
      );
      await barrier(ctx, second); // still connected and served
      const r = await call(ctx, second, f, {});
      check(r.ok && r.result === 'incumbent', 'the incumbent lost its function to the challenger', { result: 'incumbent' }, r.frame);
      return 'FUNCTION_NAMESPACE_CONFLICT naming the owner; challenger stays connected; incumbent keeps the function';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.conflicts.duplicate-worker-name',
    title: 'A second live worker claiming a taken name gets WORKER_NAMESPACE_CONFLICT and is closed; the owner is untouched',
    level: 'MUST',
    sources: [doc('§3.12'), doc('§4.2 step 3'), doc('§11.1 #22'), src('engine/tests/namespace_conflict_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const owner = await ctx.worker('owner');
      const name = uniqueName('dup');
      await registerOk(ctx, owner, { name });
      const late = await ctx.worker('late');
      await late.send({
        type: 'invokefunction',
        invocation_id: newId(),
        function_id: 'engine::workers::register',
        data: { name, pid: process.pid, runtime: 'conformance' },
      });
      const rejected = (await late.waitFor({ type: 'registrationrejected' }, { timeoutMs: ctx.timing.replyMs })).frame as Frame;
      const expected = {
        type: 'registrationrejected',
        code: 'WORKER_NAMESPACE_CONFLICT',
        namespace: 'default',
        worker_name: name,
        owner_worker_id: owner.workerId,
      };
      check(
        Object.entries(expected).every(([k, v]) => rejected[k] === v) && !('function_id' in rejected),
        'the rejection does not carry code, namespace, worker_name and the owner’s id (and no function_id)',
        expected,
        rejected,
      );
      const closed = await late.waitForClose({ timeoutMs: ctx.timing.replyMs }).catch(() => null);
      check(closed !== null, 'the engine did not close the refused connection', 'closed', 'open');
      await barrier(ctx, owner);
      return 'WORKER_NAMESPACE_CONFLICT naming the owner, then closed; owner still served';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.conflicts.name-reusable',
    title: 'A worker name is free in another namespace, and again once its owner has left',
    level: 'MUST',
    sources: [doc('§11.1 #22'), doc('§4.6 step 5'), src('engine/tests/namespace_conflict_e2e.rs')],
    timeoutMs: 8000,
    async run(ctx) {
      const name = uniqueName('lease');
      const owner = await ctx.worker('owner');
      await registerOk(ctx, owner, { name });
      const other = await ctx.worker('other-namespace');
      await registerOk(ctx, other, { name, namespace: `ns${newId().slice(0, 6)}` });
      await owner.disconnect();
      // The name returns once the owner's cleanup ran; give it the cleanup bound.
      const deadline = Date.now() + ctx.timing.cleanupBoundMs;
      for (;;) {
        const next = await ctx.worker('successor');
        const since = next.mark();
        const r = await next
          .invoke('engine::workers::register', { name, pid: process.pid, runtime: 'conformance' }, { timeoutMs: ctx.timing.replyMs })
          .catch(() => null);
        if (r?.ok && (r.result as { success?: unknown } | null)?.success === true && next.all({ type: 'registrationrejected' }, since).length === 0) break;
        check(
          Date.now() < deadline,
          'the name is still taken after its owner left',
          { success: true },
          r?.frame ?? next.all(() => true, since).map((e) => e.frame),
        );
      }
      return 'same name accepted in another namespace and after the owner left';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.conflicts.engine-prefix-reserved',
    title: 'Registering an engine::* id outside default is refused with FUNCTION_NAMESPACE_CONFLICT and an empty owner',
    level: 'MUST',
    sources: [doc('§3.1'), doc('§11.1 #27'), src('engine/src/engine/mod.rs register_function_reserves_engine_prefix_outside_default')],
    timeoutMs: 6000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const ns = `ns${newId().slice(0, 6)}`;
      await registerOk(ctx, w, { namespace: ns });
      const id = `engine::conf-${newId().slice(0, 8)}`;
      await w.send({ type: 'registerfunction', id });
      const rejected = (await w.waitFor({ type: 'registrationrejected', function_id: id })).frame as Frame;
      const expected = { code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: ns, function_id: id, owner_worker_id: '', worker_name: absent };
      check(
        rejected.code === expected.code && rejected.namespace === ns && rejected.owner_worker_id === '',
        'the reserved-prefix refusal differs',
        expected,
        rejected,
      );
      return 'engine::* refused outside default with owner_worker_id ""';
    },
  }),
];
