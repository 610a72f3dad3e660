// Registrations and the connection namespace (§4.2): buffered until engine::workers::register names the
// namespace, drained into default after the grace when it never comes; and no acknowledgements.

import { call, eventually, expectNoFrame, listFunctions, newId, registerOk, serve, settle, sleep, uniqueFunctionId } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

export const namespaceCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.namespaces.buffered-before-register',
    title: 'Functions registered before engine::workers::register land in the namespace it declares, before it answers',
    level: 'MUST',
    sources: [doc('§4.2 step 5'), doc('§11.1 #23'), src('engine/tests/worker_namespace_ws_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const w = await ctx.worker('w');
      const ns = `orders${newId().slice(0, 6)}`;
      const fn = uniqueFunctionId('early');
      serve(w, fn, () => 'from-ns'); // sent before the namespace is known
      await registerOk(ctx, w, { namespace: ns });
      const rows = (await listFunctions(ctx, observer)).filter((r) => r.function_id === fn);
      check(
        rows.length === 1 && rows[0]?.namespace === ns,
        'the early function is not listed (only) in the declared namespace once register answered',
        [{ function_id: fn, namespace: ns }],
        rows,
      );
      const r = await call(ctx, observer, fn, {}, { namespace: ns });
      check(r.ok && r.result === 'from-ns', 'a call into the declared namespace did not reach the function', { result: 'from-ns' }, r.frame);
      return `listed in ${ns} as soon as register answered`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.namespaces.grace-falls-back-to-default',
    title: 'Registrations of a worker that never calls engine::workers::register land in default after the grace',
    level: 'MUST',
    sources: [doc('§4.2 buffering'), doc('§7'), doc('§11.1 #24'), src('engine/src/engine/mod.rs registrations_fall_back_to_default_when_the_grace_expires')],
    timeoutMs: 12_000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const w = await ctx.worker('never-registers');
      const fn = uniqueFunctionId('graceful');
      serve(w, fn, () => 'default');
      const started = Date.now();
      // Ask only once the grace is over by more than the scheduling slack: a poll at the deadline gets
      // either answer, and a replay of this transcript would then diverge on a race, not on the engine.
      const { slackMs, slackRatio, timeScale } = ctx.tolerance;
      const pastDeadlineMs = 2 * (slackMs + slackRatio * ctx.namespaceGraceMs) * timeScale;
      await sleep(ctx.namespaceGraceMs + pastDeadlineMs);
      await eventually(
        ctx.timing.cleanupBoundMs,
        async () => {
          const rows = (await listFunctions(ctx, observer)).filter((r) => r.function_id === fn);
          return { ok: rows.length === 1 && rows[0]?.namespace === 'default', observed: rows };
        },
        `the function of a worker that never registered is not in default once the ${ctx.namespaceGraceMs} ms grace is over`,
        [{ function_id: fn, namespace: 'default' }],
      );
      const r = await call(ctx, observer, fn, {});
      check(r.ok && r.result === 'default', 'a call did not reach the function after the grace', { result: 'default' }, r.frame);
      return `in default ${Date.now() - started} ms after registering (grace ${ctx.namespaceGraceMs} ms)`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.registration.no-ack',
    title: 'Successful registrations and unregistrations get no reply',
    level: 'MUST',
    sources: [doc('§1.6'), doc('§11.1 #11'), src('engine/src/engine/mod.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const w = await ctx.worker('w');
      await registerOk(ctx, w);
      const since = w.mark();
      const fn = uniqueFunctionId('quiet');
      const type = `conf-type-${newId().slice(0, 8)}`;
      await w.registerFunction(fn, () => null);
      await w.registerTriggerType({ id: type, description: 'quiet type' }, {});
      await w.registerService({ id: `conf-svc-${newId().slice(0, 8)}` });
      await w.unregisterFunction(fn);
      await w.reattach(newId(), newId());
      await settle(ctx, w);
      // The worker's own provider deliveries aside, only the barrier's pong may come back.
      expectNoFrame(w, (f: unknown) => (f as { type?: string } | undefined)?.type !== 'pong', since, 'a registration was acknowledged');
      return 'registerfunction, registertriggertype, registerservice, unregisterfunction, reattach: no replies';
    },
  }),
];
