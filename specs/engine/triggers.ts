// Trigger types and triggers between workers (§3.3-§3.6, §4.4): bindings forwarded to the provider,
// parked until a provider exists, provider errors forwarded to the registering worker (only from the
// provider), blank namespaces refused.

import { barrier, expectNoFrame, frames, newId, registerOk, serve, settle, uniqueFunctionId, type Frame } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

const typeId = (): string => `conf-type-${newId().slice(0, 8)}`;

export const triggerCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.triggers.forwarded-to-provider',
    title: 'registertrigger is delivered to the provider with its fields; the registering worker gets no reply',
    level: 'MUST',
    sources: [doc('§3.4'), doc('§4.4'), doc('§11.1 #28'), src('engine/src/worker_connections/traits.rs')],
    disagreement:
      'The docs say the engine answers registertrigger with a triggerregistrationresult; the code replies only on error (engine-protocol.md §10 #3). This case follows the code.',
    timeoutMs: 6000,
    async run(ctx) {
      const provider = await ctx.worker('provider');
      const owner = await ctx.worker('owner');
      const type = typeId();
      await provider.registerTriggerType({ id: type, description: 'conformance type' }, {});
      await registerOk(ctx, provider);
      await registerOk(ctx, owner);
      const since = owner.mark();
      const fn = uniqueFunctionId('on-fire');
      const ns = `ns${newId().slice(0, 6)}`;
      const plainId = await owner.registerTrigger({ trigger_type: type, function_id: fn, config: { every: '1s' }, metadata: { origin: 'case' } });
      const nsId = await owner.registerTrigger({ trigger_type: type, function_id: fn, config: null, namespace: ns });
      const plain = (await provider.waitFor({ type: 'registertrigger', id: plainId })).frame as Frame;
      const inNs = (await provider.waitFor({ type: 'registertrigger', id: nsId })).frame as Frame;
      const expected = { id: plainId, trigger_type: type, function_id: fn, config: { every: '1s' }, metadata: { origin: 'case' } };
      check(
        plain.trigger_type === type &&
          plain.function_id === fn &&
          JSON.stringify(plain.config) === '{"every":"1s"}' &&
          JSON.stringify(plain.metadata) === '{"origin":"case"}' &&
          !('namespace' in plain),
        'the delivered binding differs from the registration (or names the default namespace)',
        expected,
        plain,
      );
      check(
        inNs.namespace === ns && inNs.config === null,
        'a binding with a target namespace was delivered without it',
        { id: nsId, namespace: ns, config: null },
        inNs,
      );
      await settle(ctx, owner, provider);
      expectNoFrame(owner, { type: 'triggerregistrationresult' }, since, 'the registering worker got a reply to a successful registertrigger');
      return 'both bindings delivered with their fields; no reply to the owner';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.triggers.parked-until-provider',
    title: 'A trigger for a type nobody provides yet is parked without error and delivered when the provider registers',
    level: 'MUST',
    sources: [
      doc('§3.4'),
      doc('§11.1 #29'),
      src('engine/src/engine/mod.rs test_register_trigger_unknown_type_defers_without_error_ack'),
      src('engine/src/engine/mod.rs test_deferred_trigger_activates_when_provider_registers_type'),
    ],
    timeoutMs: 6000,
    async run(ctx) {
      const owner = await ctx.worker('owner');
      await registerOk(ctx, owner);
      const type = typeId();
      const since = owner.mark();
      const id = await owner.registerTrigger({ trigger_type: type, function_id: uniqueFunctionId('later'), config: { k: 1 } });
      await settle(ctx, owner);
      expectNoFrame(owner, { type: 'triggerregistrationresult' }, since, 'a trigger for a not-yet-provided type was answered with an error');
      const provider = await ctx.worker('late-provider');
      await provider.registerTriggerType({ id: type, description: 'arrives later' }, {});
      await registerOk(ctx, provider);
      await provider.waitFor({ type: 'registertrigger', id });
      return 'parked silently, delivered once the provider registered';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.triggers.error-forwarded',
    title: 'A provider’s triggerregistrationresult error reaches the registering worker; a success does not',
    level: 'MUST',
    sources: [doc('§3.5'), doc('§11.1 #30'), src('engine/src/engine/mod.rs test_trigger_registration_result_forwards_error')],
    timeoutMs: 6000,
    async run(ctx) {
      const provider = await ctx.worker('provider');
      const owner = await ctx.worker('owner');
      const type = typeId();
      await provider.registerTriggerType(
        { id: type, description: 'refuses bad configs' },
        {
          register: (t) => {
            if ((t.config as { bad?: boolean } | null)?.bad) throw new Error('config refused');
          },
        },
      );
      await registerOk(ctx, provider);
      await registerOk(ctx, owner);
      const fn = uniqueFunctionId('target');
      const since = owner.mark();
      const goodId = await owner.registerTrigger({ trigger_type: type, function_id: fn, config: { bad: false } });
      const badId = await owner.registerTrigger({ trigger_type: type, function_id: fn, config: { bad: true } });
      const err = (await owner.waitFor({ type: 'triggerregistrationresult', id: badId })).frame as Frame;
      const e = err.error as { code?: unknown; message?: unknown } | undefined;
      check(
        err.trigger_type === type && err.function_id === fn && e?.code === 'trigger_registration_failed' && e.message === 'config refused',
        'the forwarded error differs from what the provider sent',
        { id: badId, trigger_type: type, function_id: fn, error: { code: 'trigger_registration_failed', message: 'config refused' } },
        err,
      );
      await settle(ctx, provider, owner);
      expectNoFrame(owner, { type: 'triggerregistrationresult', id: goodId }, since, 'a successful provider result was forwarded');
      return 'error forwarded with trigger_type and function_id; success not forwarded';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.triggers.result-from-non-provider-ignored',
    title: 'A triggerregistrationresult error from a worker that is not the provider is ignored',
    level: 'MUST',
    sources: [doc('§3.5'), doc('§11.1 #30'), src('engine/src/engine/mod.rs test_trigger_registration_result_from_non_registrator_ignored')],
    timeoutMs: 6000,
    async run(ctx) {
      const provider = await ctx.worker('provider');
      const owner = await ctx.worker('owner');
      const spoofer = await ctx.worker('spoofer');
      const type = typeId();
      await provider.registerTriggerType({ id: type, description: 'conformance type' }, {});
      await registerOk(ctx, provider);
      await registerOk(ctx, owner);
      const fn = uniqueFunctionId('target');
      const id = await owner.registerTrigger({ trigger_type: type, function_id: fn, config: null });
      await provider.waitFor({ type: 'registertrigger', id });
      const since = owner.mark();
      await spoofer.send({
        type: 'triggerregistrationresult',
        id,
        trigger_type: type,
        function_id: fn,
        error: { code: 'spoofed', message: 'not the provider' },
      });
      await settle(ctx, spoofer, owner);
      expectNoFrame(owner, { type: 'triggerregistrationresult' }, since, 'a result from a worker that is not the provider was forwarded');
      return 'the spoofed result was ignored';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.triggers.blank-namespace',
    title: 'registertrigger with a blank namespace or trigger_namespace answers INVALID_NAMESPACE naming the field',
    level: 'MUST',
    sources: [doc('§3.4'), doc('§11.1 #32'), src('engine/src/engine/mod.rs a_blank_namespace_on_a_trigger_names_which_field_was_empty')],
    timeoutMs: 6000,
    async run(ctx) {
      const owner = await ctx.worker('owner');
      await registerOk(ctx, owner);
      const fn = uniqueFunctionId('target');
      const a = await owner.registerTrigger({ trigger_type: typeId(), function_id: fn, config: null, namespace: ' ' });
      const b = await owner.registerTrigger({ trigger_type: typeId(), function_id: fn, config: null, trigger_namespace: '' });
      for (const [id, field] of [
        [a, 'namespace'],
        [b, 'trigger_namespace'],
      ] as const) {
        const r = (await owner.waitFor({ type: 'triggerregistrationresult', id })).frame as Frame;
        const e = r.error as { code?: unknown; message?: unknown } | undefined;
        check(
          e?.code === 'INVALID_NAMESPACE' && typeof e.message === 'string' && e.message.includes(field),
          `a blank ${field} was not answered INVALID_NAMESPACE naming the field`,
          { error: { code: 'INVALID_NAMESPACE', message: `…${field}…` } },
          r,
        );
      }
      check(
        frames(owner, { type: 'triggerregistrationresult' }).length === 2,
        'extra trigger results arrived',
        2,
        frames(owner, { type: 'triggerregistrationresult' }),
      );
      return 'both blank fields answered INVALID_NAMESPACE naming the field';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.triggers.workers-available',
    title: 'A function bound to engine::workers-available is invoked with worker_connected and worker_disconnected events',
    level: 'MUST',
    sources: [doc('§4.4'), doc('§11.1 #35'), src('engine/src/engine/mod.rs handle_worker, cleanup_worker')],
    timeoutMs: 8000,
    async run(ctx) {
      const watcher = await ctx.worker('watcher');
      const fn = uniqueFunctionId('on-workers');
      serve(watcher, fn, () => null);
      await registerOk(ctx, watcher);
      await watcher.registerTrigger({ trigger_type: 'engine::workers-available', function_id: fn, config: {} });
      await barrier(ctx, watcher);
      const since = watcher.mark();
      const comer = await ctx.worker('comer');
      const event =
        (e: string) =>
        (f: unknown): boolean => {
          const frame = f as { type?: string; function_id?: string; data?: { event?: string; worker_id?: string } } | undefined;
          return frame?.type === 'invokefunction' && frame.function_id === fn && frame.data?.event === e && frame.data.worker_id === comer.workerId;
        };
      await watcher.waitFor(event('worker_connected'), { since });
      await comer.disconnect();
      await watcher.waitFor(event('worker_disconnected'), { since, timeoutMs: ctx.timing.cleanupBoundMs });
      return 'worker_connected and worker_disconnected delivered with the worker id';
    },
  }),
];
