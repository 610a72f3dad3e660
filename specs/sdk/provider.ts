// The worker as a trigger provider: the engine hands it bindings of its trigger types (registertrigger
// engine -> worker) and takes them back (unregistertrigger); each binding gets exactly one answer.

import { randomUUID } from 'node:crypto';
import { outcome } from '../../harness/cases/model.ts';
import { asObject, sameJson, type FrameObject } from './support/frames.ts';
import type { ConnectedWorker, SdkCaseContext } from './context.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

async function provider(ctx: SdkCaseContext, rejectWith?: string): Promise<ConnectedWorker> {
  const w = await ctx.connect();
  await w.driver.registerFunction('conf::target', { kind: 'echo' });
  await w.driver.registerTriggerType('conf-tt', 'conformance trigger type', rejectWith);
  await w.conn.waitFor({ type: 'registertriggertype', id: 'conf-tt' }, { timeoutMs: ctx.timing.replyMs });
  return w;
}

async function bindingAnswer(ctx: SdkCaseContext, w: ConnectedWorker, triggerType: string): Promise<{ id: string; frame: FrameObject }> {
  const id = randomUUID();
  const since = w.conn.mark();
  await w.conn.send({
    type: 'registertrigger',
    id,
    trigger_type: triggerType,
    function_id: 'conf::target',
    config: { every: '1s', n: 3 },
    metadata: { owner: 'conf' },
  });
  try {
    const e = await w.conn.waitFor({ type: 'triggerregistrationresult', id }, { since, timeoutMs: ctx.timing.replyMs });
    return { id, frame: asObject(e.frame) ?? {} };
  } catch {
    throw new CaseFailure(
      `a registertrigger for ${triggerType} got no triggerregistrationresult`,
      { type: 'triggerregistrationresult', id, trigger_type: triggerType },
      'nothing',
    );
  }
}

export const providerCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.provider.acknowledges-binding',
    title: "a binding of one of the worker's trigger types reaches its handler and is acknowledged without error",
    level: 'MUST',
    sources: [src.rule(17), src.behaviour('§5 Inbound registertrigger'), src.protocol('§3.5, §4.4')],
    requires: ['trigger-types'],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const w = await provider(ctx);
      const from = w.driver.events.length;
      const { id, frame } = await bindingAnswer(ctx, w, 'conf-tt');
      check(
        frame.trigger_type === 'conf-tt' && frame.function_id === 'conf::target',
        'the acknowledgement does not name the binding',
        { id, trigger_type: 'conf-tt', function_id: 'conf::target' },
        frame,
      );
      check(frame.error === undefined || frame.error === null, 'a binding the handler accepted was answered with an error', 'no error', frame.error);
      const seen = await w.driver.waitFor((e) => e.event === 'triggerRequest' && e.op === 'register', ctx.timing.replyMs, 'triggerRequest', from);
      if (seen.event !== 'triggerRequest') throw new CaseFailure("the trigger type's handler was not called", 'a triggerRequest event', seen);
      check(
        seen.trigger.id === id && sameJson(seen.trigger.config, { every: '1s', n: 3 }),
        'the handler got another binding',
        { id, config: { every: '1s', n: 3 } },
        seen.trigger,
      );
      return outcome.pass('binding handled and acknowledged');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.provider.reports-handler-failure',
    title: "a binding the handler refuses is answered with error trigger_registration_failed and the handler's message",
    level: 'MUST',
    sources: [src.rule(17), src.behaviour('§5 "Handler throws"')],
    requires: ['trigger-types'],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const message = `conf-refused-${ctx.seed}`;
      const w = await provider(ctx, message);
      const { frame } = await bindingAnswer(ctx, w, 'conf-tt');
      const error = asObject(frame.error);
      check(error !== undefined, 'a refused binding was acknowledged as a success', { error: { code: 'trigger_registration_failed', message } }, frame);
      check(error.code === 'trigger_registration_failed', 'the refusal has another code', 'trigger_registration_failed', error.code);
      check(typeof error.message === 'string' && error.message.includes(message), "the refusal does not carry the handler's message", message, error.message);
      return outcome.pass('refusal reported');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.provider.unknown-trigger-type',
    title: 'a binding of a trigger type the worker does not provide is answered with trigger_type_not_found',
    level: 'MUST',
    sources: [src.rule(17), src.behaviour('§5 Unknown trigger type; §10.1 #14')],
    requires: ['trigger-types'],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement: 'Python replies nothing to a binding of an unknown trigger type (sdk-behaviour.md §10.1 #14).',
    async run(ctx) {
      const w = await provider(ctx);
      const { frame } = await bindingAnswer(ctx, w, 'conf-not-mine');
      const code = asObject(frame.error)?.code;
      check(code === 'trigger_type_not_found', 'the unknown trigger type was not answered with trigger_type_not_found', 'trigger_type_not_found', frame);
      return outcome.pass('trigger_type_not_found');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.provider.handles-unbinding',
    title: "an unregistertrigger from the engine reaches the trigger type's handler",
    level: 'MUST',
    sources: [src.rule(17), src.behaviour('§5 Inbound unregistertrigger')],
    requires: ['trigger-types'],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const w = await provider(ctx);
      const { id } = await bindingAnswer(ctx, w, 'conf-tt');
      const from = w.driver.events.length;
      await w.conn.send({ type: 'unregistertrigger', id, trigger_type: 'conf-tt' });
      const seen = await w.driver
        .waitFor((e) => e.event === 'triggerRequest' && e.op === 'unregister', ctx.timing.replyMs, 'triggerRequest unregister', from)
        .catch(() => undefined);
      if (!seen || seen.event !== 'triggerRequest')
        throw new CaseFailure("unregistertrigger did not reach the trigger type's handler", { op: 'unregister', id }, 'nothing');
      check(seen.trigger.id === id, 'the handler was asked to remove another binding', id, seen.trigger.id);
      return outcome.pass('unbinding handled');
    },
  }),
];
