// Routing invokefunction between workers: results back to the right caller, error pass-through,
// function_not_found, void and id-less calls, namespace resolution.

import { InvocationError } from '../../harness/fake-worker/index.ts';
import { call, expectNoFrame, frames, newId, registerOk, serve, settle, UUID_LOWER, uniqueFunctionId } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

export const routingCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.routing.between-two-workers',
    title: 'A call reaches the owning worker with the caller id, data and metadata, and its result comes back to the caller',
    level: 'MUST',
    sources: [doc('§4.3'), doc('§11.1 #12'), src('engine/tests/namespace_routing_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('double');
      const seen = serve(b, fn, (d) => ({ doubled: ((d as { n?: number }).n ?? 0) * 2 }));
      await registerOk(ctx, b);
      await registerOk(ctx, a);
      const id = newId();
      const r = await call(ctx, a, fn, { n: 21 }, { invocationId: id, metadata: { trace: 'm1' } });
      const delivered = seen[0];
      check(delivered !== undefined, 'the executor never received the invocation', 'an invokefunction', frames(b, { type: 'invokefunction' }));
      check(delivered.invocation_id === id, 'the executor saw another invocation_id than the caller sent', id, delivered.invocation_id);
      check(JSON.stringify(delivered.metadata) === '{"trace":"m1"}', 'metadata was not passed to the executor', { trace: 'm1' }, delivered.metadata);
      check((delivered.data as { n?: unknown }).n === 21, 'the data the executor received differs', { n: 21 }, delivered.data);
      check(r.ok && JSON.stringify(r.result) === '{"doubled":42}', 'the caller did not get the executor result', { result: { doubled: 42 } }, r.frame);
      check(
        r.frame.function_id === fn && r.frame.invocation_id === id,
        'the result does not carry the call’s invocation_id and function_id',
        { invocation_id: id, function_id: fn },
        r.frame,
      );
      return 'delivered with the caller’s id, data and metadata; result relayed back';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.caller-worker-id',
    title: 'Object data reaches the executor with _caller_worker_id set to the caller’s worker id (overwriting any such key)',
    level: 'MUST',
    sources: [doc('§3.8'), doc('§11.1 #12'), src('engine/src/engine/mod.rs spawn_invoke_function')],
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('who');
      const seen = serve(b, fn);
      await registerOk(ctx, b);
      await call(ctx, a, fn, { k: 1, _caller_worker_id: 'forged' });
      await call(ctx, a, fn, [1, 2]);
      const [obj, arr] = seen;
      check(
        (obj?.data as Record<string, unknown> | undefined)?._caller_worker_id === a.workerId,
        '_caller_worker_id is not the caller’s worker id',
        { k: 1, _caller_worker_id: a.workerId },
        obj?.data,
      );
      check(JSON.stringify(arr?.data) === '[1,2]', 'non-object data was changed on the way', [1, 2], arr?.data);
      return '_caller_worker_id injected into object data only';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.results-to-right-caller',
    title: 'Concurrent calls from two callers each get their own result, whatever order the executor answers in',
    level: 'MUST',
    sources: [doc('§3.9'), doc('§11.1 #12'), src('engine/src/invocation/mod.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const c1 = await ctx.worker('caller-1');
      const c2 = await ctx.worker('caller-2');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('slow');
      // Answer in reverse arrival order: the first call is held until the second has been answered.
      let releaseFirst: (() => void) | undefined;
      const firstHeld = new Promise<void>((r) => (releaseFirst = r));
      let count = 0;
      serve(b, fn, async (d) => {
        count += 1;
        if (count === 1) await firstHeld;
        else setTimeout(() => releaseFirst?.(), 20);
        return { echo: (d as { from?: unknown }).from };
      });
      await registerOk(ctx, b);
      const p1 = call(ctx, c1, fn, { from: 'caller-1' });
      await settle(ctx, c1);
      const p2 = call(ctx, c2, fn, { from: 'caller-2' });
      const [r1, r2] = await Promise.all([p1, p2]);
      check(JSON.stringify(r1.ok && r1.result) === '{"echo":"caller-1"}', 'caller-1 got someone else’s result', { echo: 'caller-1' }, r1.frame);
      check(JSON.stringify(r2.ok && r2.result) === '{"echo":"caller-2"}', 'caller-2 got someone else’s result', { echo: 'caller-2' }, r2.frame);
      await settle(ctx, c1, c2);
      const extra = [...frames(c1, { type: 'invocationresult' }), ...frames(c2, { type: 'invocationresult' })].filter((f) => f.function_id === fn);
      check(extra.length === 2, 'a caller got a result that was not its own', 2, extra);
      return 'each caller got exactly its own result';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.error-passthrough',
    title: 'A handler error reaches the caller unchanged (code, message, stacktrace)',
    level: 'MUST',
    sources: [doc('§3.9'), doc('§11.1 #13'), src('engine/src/engine/mod.rs test_router_msg_invoke_function_failure_sends_invocation_error')],
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('fails');
      serve(b, fn, () => {
        throw new InvocationError('conformance_failure', 'it broke on purpose', 'at conformance (case.ts:1:1)');
      });
      await registerOk(ctx, b);
      const r = await call(ctx, a, fn, {});
      const expected = { code: 'conformance_failure', message: 'it broke on purpose', stacktrace: 'at conformance (case.ts:1:1)' };
      check(!r.ok && JSON.stringify(r.error) === JSON.stringify(expected), 'the error body changed on its way to the caller', { error: expected }, r.frame);
      check(r.frame.result === undefined, 'an error result also carries a result', 'no result', r.frame);
      return 'code, message and stacktrace passed through unchanged';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.function-not-found',
    title: 'Calling an unknown function answers function_not_found to the caller’s id',
    level: 'MUST',
    sources: [doc('§3.8'), doc('§6.1'), doc('§11.1 #14'), src('engine/src/engine/mod.rs resolve_function')],
    timeoutMs: 5000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const fn = uniqueFunctionId('missing');
      const r = await call(ctx, a, fn, {});
      check(!r.ok && r.error.code === 'function_not_found', 'the answer is not function_not_found', { error: { code: 'function_not_found' } }, r.frame);
      check(r.frame.function_id === fn, 'the answer names another function', fn, r.frame.function_id);
      check(
        !r.ok && r.error.message.startsWith(`Function ${fn} not found in namespace default`),
        'the message does not follow "Function <id> not found in namespace <ns>."',
        `Function ${fn} not found in namespace default.`,
        !r.ok && r.error.message,
      );
      return 'function_not_found with the documented message';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.not-found-names-namespaces',
    title: 'function_not_found names the namespaces where the id does exist',
    level: 'SHOULD',
    sources: [doc('§3.8'), doc('§11.1 #14'), src('engine/tests/namespace_routing_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('orders-worker');
      const ns = `orders${newId().slice(0, 6)}`;
      const fn = uniqueFunctionId('only-in-orders');
      serve(b, fn);
      await registerOk(ctx, b, { namespace: ns });
      const r = await call(ctx, a, fn, {});
      check(
        !r.ok && r.error.code === 'function_not_found',
        'a call without namespace did not answer function_not_found',
        { error: { code: 'function_not_found' } },
        r.frame,
      );
      check(
        !r.ok && r.error.message.includes(ns),
        'the message does not name the namespace where the id exists',
        `… It is registered in namespace(s): ${ns}.`,
        !r.ok && r.error.message,
      );
      return `message names ${ns}`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.void-call',
    title: 'A void call reaches the executor with an id, and the caller gets no result',
    level: 'MUST',
    sources: [doc('§3.8 step 6'), doc('§11.1 #15'), doc('§10 #2'), src('engine/src/engine/mod.rs spawn_invoke_function')],
    disagreement:
      'The docs say a void invocation is forwarded without an invocation_id; the engine code always gives the executing worker an id it must answer (engine-protocol.md §10 #2). This case follows the code.',
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('void');
      serve(b, fn);
      await registerOk(ctx, b);
      const since = a.mark();
      const id = newId();
      await a.send({ type: 'invokefunction', invocation_id: id, function_id: fn, data: { v: 1 }, action: { type: 'void' } });
      const got = (await b.waitFor({ type: 'invokefunction', function_id: fn })).frame as Record<string, unknown>;
      check(
        typeof got.invocation_id === 'string' && UUID_LOWER.test(got.invocation_id),
        'the executor got a void call without a usable invocation_id',
        '<uuid>',
        got.invocation_id,
      );
      await settle(ctx, b, a);
      expectNoFrame(a, { type: 'invocationresult' }, since, 'the caller of a void call got an invocationresult');
      return 'delivered with an id; no result to the caller';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.idless-call',
    title: 'A call without invocation_id reaches the executor with a fresh id, and the caller gets no result',
    level: 'MUST',
    sources: [doc('§3.8'), doc('§4.3'), doc('§11.1 #15')],
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('noid');
      serve(b, fn);
      await registerOk(ctx, b);
      const since = a.mark();
      await a.send({ type: 'invokefunction', function_id: fn, data: { v: 2 } });
      await a.send({ type: 'invokefunction', invocation_id: null, function_id: fn, data: { v: 3 } });
      await b.waitFor(() => b.all({ type: 'invokefunction', function_id: fn }).length >= 2);
      const got = frames(b, { type: 'invokefunction', function_id: fn });
      const ids = got.map((f) => f.invocation_id);
      check(
        ids.every((i) => typeof i === 'string' && UUID_LOWER.test(i)) && ids[0] !== ids[1],
        'id-less calls did not reach the executor with fresh distinct ids',
        ['<uuid 1>', '<uuid 2>'],
        ids,
      );
      await settle(ctx, b, a);
      expectNoFrame(a, { type: 'invocationresult' }, since, 'the caller of an id-less call got an invocationresult');
      return 'both delivered with fresh ids; no result to the caller';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.namespace-resolution',
    title: 'A call without namespace resolves in default only, with one only in that namespace, whatever the caller’s namespace',
    level: 'MUST',
    sources: [doc('§4.7'), doc('§11.1 #16'), src('engine/tests/namespace_routing_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const ns = `ns${newId().slice(0, 6)}`;
      const fn = uniqueFunctionId('where');
      const inDefault = await ctx.worker('default-worker');
      const inNs = await ctx.worker('ns-worker');
      serve(inDefault, fn, () => 'default');
      serve(inNs, fn, () => ns);
      await registerOk(ctx, inDefault);
      await registerOk(ctx, inNs, { namespace: ns });
      const caller = await ctx.worker('caller-in-ns');
      await registerOk(ctx, caller, { namespace: ns });
      const plain = await call(ctx, caller, fn, {});
      const named = await call(ctx, caller, fn, {}, { namespace: ns });
      const elsewhere = await call(ctx, caller, fn, {}, { namespace: `${ns}-none` });
      check(plain.ok && plain.result === 'default', 'a call without namespace was not resolved in default', { result: 'default' }, plain.frame);
      check(named.ok && named.result === ns, `a call with namespace "${ns}" was not resolved there`, { result: ns }, named.frame);
      check(
        !elsewhere.ok && elsewhere.error.code === 'function_not_found',
        'a call into a namespace without the id did not answer function_not_found',
        { error: { code: 'function_not_found' } },
        elsewhere.frame,
      );
      return 'default without namespace, the named namespace with one, not found elsewhere';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.blank-namespace',
    title: 'A whitespace-only namespace on an id-bearing call answers INVALID_NAMESPACE',
    level: 'MUST',
    sources: [doc('§3.8 step 1'), doc('§11.1 #17'), src('engine/src/engine/mod.rs a_blank_namespace_on_invoke_is_answered_not_routed')],
    timeoutMs: 5000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('blank');
      const seen = serve(b, fn);
      await registerOk(ctx, b);
      const r = await call(ctx, a, fn, {}, { namespace: '   ' });
      check(
        !r.ok && r.error.code === 'INVALID_NAMESPACE',
        'a blank namespace was not answered INVALID_NAMESPACE',
        { error: { code: 'INVALID_NAMESPACE' } },
        r.frame,
      );
      await settle(ctx, b);
      check(seen.length === 0, 'the call with a blank namespace was routed anyway', 0, seen);
      return 'INVALID_NAMESPACE, not routed';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.routing.enqueue-answer',
    title: 'An id-bearing enqueue call answers a messageReceiptId or enqueue_error, never the function’s own result',
    level: 'MUST',
    sources: [doc('§3.8 step 5'), doc('§11.1 #36'), src('engine/src/engine/mod.rs enqueue_action_fails_closed_without_queue_provider')],
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('caller');
      const b = await ctx.worker('executor');
      const fn = uniqueFunctionId('queued');
      serve(b, fn, () => 'direct-result');
      await registerOk(ctx, b);
      const id = newId();
      await a.send({ type: 'invokefunction', invocation_id: id, function_id: fn, data: { q: 1 }, action: { type: 'enqueue', queue: 'conformance' } });
      const r = (await a.waitFor({ type: 'invocationresult', invocation_id: id })).frame as Record<string, unknown>;
      const receipt = (r.result as { messageReceiptId?: unknown } | undefined)?.messageReceiptId;
      const err = r.error as { code?: unknown } | undefined;
      const ok = (typeof receipt === 'string' && UUID_LOWER.test(receipt) && err === undefined) || err?.code === 'enqueue_error';
      check(
        ok,
        'the enqueue call was not answered with a receipt or enqueue_error',
        [{ result: { messageReceiptId: '<uuid>' } }, { error: { code: 'enqueue_error' } }],
        r,
      );
      return err ? 'enqueue_error (no queue provider)' : `receipt ${String(receipt)}`;
    },
  }),
];
