// Worker-initiated trigger(): the call frame, and how the engine's answer reaches the caller.

import { randomUUID } from 'node:crypto';
import { outcome } from '../../harness/cases/model.ts';
import type { Json } from '../../harness/targets/sdk/contract.ts';
import { asObject, sameJson, isWorkerRegisterCall, assertStillServing, registerEcho, UUID_V4, type FrameObject } from './support/frames.ts';
import type { SdkCaseContext, ConnectedWorker } from './context.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

const same = sameJson;

/** A connected worker whose connect burst is over (so the next invokefunction is the case's own). */
async function settledWorker(ctx: SdkCaseContext): Promise<ConnectedWorker> {
  const w = await ctx.connect();
  await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
  return w;
}

const callsOf = (ctx: SdkCaseContext, functionId: string): FrameObject[] =>
  ctx.engine.connections.flatMap((c) => c.all({ type: 'invokefunction', function_id: functionId }).map((e) => asObject(e.frame) ?? {}));

export const triggerCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.frame-shape',
    title: 'trigger() sends invokefunction with a fresh lower-case v4 UUID, the function_id and the payload as data',
    level: 'MUST',
    sources: [src.rule(4, 5), src.behaviour('§6 Frame, id generation'), src.capture('c-trigger.jsonl')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver } = await settledWorker(ctx);
      ctx.engine.answer('conf::remote', { result: { ok: true } });
      const payloads: Json[] = [
        { n: 1, s: 'a' },
        { n: 2, list: [1, 2] },
      ];
      for (const p of payloads) {
        const s = await driver.trigger('conf::remote', p, { timeoutMs: 5000, waitMs: ctx.timing.replyMs + 5000 });
        check(s.ok, 'a trigger() call the engine answered did not succeed', { ok: true }, s);
      }
      const frames = callsOf(ctx, 'conf::remote');
      check(frames.length === 2, `expected 2 invokefunction frames, got ${frames.length}`, 2, frames);
      const ids = frames.map((f) => f.invocation_id);
      for (const id of ids)
        check(
          typeof id === 'string' && UUID_V4.test(id),
          'the invocation_id is not a lower-case v4 UUID',
          'xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx (lower case)',
          id,
        );
      check(ids[0] !== ids[1], 'two calls used the same invocation_id', 'distinct ids', ids);
      frames.forEach((f, i) => check(same(f.data, payloads[i]), 'the payload did not arrive as data', payloads[i], f.data));
      return outcome.pass('two well-formed calls with distinct ids');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.result-reaches-caller',
    title: "the engine's result is what trigger() returns",
    level: 'MUST',
    sources: [src.behaviour('§6'), src.protocol('§4.3')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver } = await settledWorker(ctx);
      const value = { answer: 42, nested: { list: ['a', null, 1.25] } };
      ctx.engine.answer('conf::remote', { result: value });
      const s = await driver.trigger('conf::remote', { q: 1 }, { timeoutMs: 5000, waitMs: ctx.timing.replyMs + 5000 });
      check(s.ok && same(s.value, value), "trigger() did not return the engine's result", { ok: true, value }, s);
      return outcome.pass('result returned');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.error-reaches-caller',
    title: "an engine error reaches the caller of trigger() with the engine's code and message",
    level: 'MUST',
    sources: [src.behaviour('§6 Remote error'), src.protocol('§6.1')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'Error shapes differ per SDK (InvocationError with code, Error::Remote{code}, *InvocationError; the browser SDK rejects with a raw object); the driver reports the code it exposes.',
    async run(ctx) {
      const { driver } = await settledWorker(ctx);
      const error = { code: 'conf_failure', message: `conf-remote-${ctx.seed}` };
      ctx.engine.answer('conf::remote', { error });
      const s = await driver.trigger('conf::remote', {}, { timeoutMs: 5000, waitMs: ctx.timing.replyMs + 5000 });
      check(!s.ok, 'an engine error was returned as a success', { ok: false, error }, s);
      if (s.ok) return outcome.fail('unreachable', error, s);
      check(s.error.code === error.code, "the caller did not get the engine's error code", error.code, s.error);
      check(s.error.message.includes(error.message), "the caller did not get the engine's error message", error.message, s.error.message);
      return outcome.pass(`rejected with ${error.code}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.empty-result-is-success',
    title: 'an invocationresult with neither result nor error completes the call as a success without a value',
    level: 'MUST',
    sources: [src.rule(13)],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver } = await settledWorker(ctx);
      ctx.engine.answer('conf::remote', { result: null });
      const s = await driver.trigger('conf::remote', {}, { timeoutMs: 5000, waitMs: ctx.timing.replyMs + 5000 });
      check(s.ok, 'a result frame without result or error failed the call', { ok: true }, s);
      check(s.value === undefined || s.value === null, 'a result frame without a value produced a value', 'no value (or null)', s.value);
      return outcome.pass('success without a value');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.void-no-id-no-wait',
    title: 'a void call is sent without invocation_id and completes without waiting for an answer',
    level: 'MUST',
    sources: [src.rule(16), src.behaviour('§6 TriggerAction.Void')],
    requires: ['void-action'],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement: 'Rust sends "invocation_id":null on void calls (sdk-behaviour.md §2.2); null is accepted as absent.',
    async run(ctx) {
      const w = await settledWorker(ctx);
      const { driver } = w;
      ctx.engine.neverAnswer('conf::remote');
      const s = await driver.trigger('conf::remote', { v: 1 }, { action: { type: 'void' }, timeoutMs: 10_000, waitMs: ctx.timing.replyMs });
      check(s.ok, 'a void call failed', { ok: true }, s);
      const arrived = await w.conn.waitFor({ type: 'invokefunction', function_id: 'conf::remote' }, { timeoutMs: ctx.timing.replyMs }).catch(() => undefined);
      const frame = asObject(arrived?.frame);
      check(frame !== undefined, 'the void call never reached the engine', 'one invokefunction', 'none');
      check(frame.invocation_id === undefined || frame.invocation_id === null, 'a void call carries an invocation_id', 'no invocation_id', frame.invocation_id);
      check(asObject(frame.action)?.type === 'void', 'the void call does not say action void', { action: { type: 'void' } }, frame.action);
      return outcome.pass('void call sent without id; returned at once');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.enqueue',
    title: "an enqueue call carries an id and the action, and returns the engine's receipt",
    level: 'MUST',
    sources: [src.rule(16), src.behaviour('§6 TriggerAction.Enqueue')],
    requires: ['enqueue-action'],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver } = await settledWorker(ctx);
      const receipt = { messageReceiptId: randomUUID() };
      ctx.engine.answer('conf::queued', { result: receipt });
      const s = await driver.trigger(
        'conf::queued',
        { job: 1 },
        { action: { type: 'enqueue', queue: 'conf-q' }, timeoutMs: 5000, waitMs: ctx.timing.replyMs + 5000 },
      );
      const [frame] = callsOf(ctx, 'conf::queued');
      check(frame !== undefined, 'the enqueue call never reached the engine', 'one invokefunction', 'none');
      check(typeof frame.invocation_id === 'string', 'an enqueue call carries no invocation_id', 'an invocation_id', frame.invocation_id);
      check(
        same(frame.action, { type: 'enqueue', queue: 'conf-q' }),
        'the enqueue action is not on the frame',
        { type: 'enqueue', queue: 'conf-q' },
        frame.action,
      );
      check(s.ok && same(s.value, receipt), "the caller did not get the engine's receipt", receipt, s);
      return outcome.pass('enqueue receipt returned');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.null-payload-keeps-data',
    title: 'a call with a null payload still carries `data` (null), which the engine requires',
    level: 'MUST',
    sources: [src.rule(4), src.behaviour('§10.1 #9 Null versus absent fields')],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'Python drops every None field (exclude_none), so a None payload goes out without `data` and the engine cannot decode the call (sdk-behaviour.md §10.1 #9); Go turns nil into {} (present, accepted).',
    async run(ctx) {
      const w = await settledWorker(ctx);
      ctx.engine.answer('conf::nulldata', { result: 'ok' });
      await w.driver.trigger('conf::nulldata', null, { timeoutMs: 1000, waitMs: ctx.timing.replyMs + 1000 });
      const e = await w.conn.waitFor({ type: 'invokefunction', function_id: 'conf::nulldata' }, { timeoutMs: ctx.timing.replyMs });
      const frame = asObject(e.frame) ?? {};
      check(Object.hasOwn(frame, 'data'), 'a call with a null payload was sent without data (the engine drops such a frame)', { data: null }, frame);
      return outcome.pass(`data sent as ${JSON.stringify(frame.data)}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.null-config-keeps-config',
    title: 'a trigger registered with a null config still carries `config`, which the engine requires',
    level: 'MUST',
    sources: [src.rule(4), src.behaviour('§10.1 #9 Null versus absent fields')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'Python drops None fields, so a trigger with no config goes out without `config` and is silently never registered (sdk-behaviour.md §10.1 #9); Go turns nil into {} (present, accepted).',
    async run(ctx) {
      const w = await settledWorker(ctx);
      await w.driver.registerFunction('conf::bound', { kind: 'echo' });
      await w.driver.registerTrigger('conf-external', 'conf::bound', null);
      const e = await w.conn.waitFor({ type: 'registertrigger', function_id: 'conf::bound' }, { timeoutMs: ctx.timing.replyMs });
      const frame = asObject(e.frame) ?? {};
      check(Object.hasOwn(frame, 'config'), 'a trigger with a null config was sent without config (the engine drops such a frame)', { config: null }, frame);
      return outcome.pass(`config sent as ${JSON.stringify(frame.config)}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.trigger.unknown-result-ignored',
    title: 'an invocationresult for an id the SDK never used is ignored; the worker keeps serving and calling',
    level: 'MUST',
    sources: [src.rule(14), src.behaviour('§9 invocationresult for an unknown id')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver, conn } = await settledWorker(ctx);
      await registerEcho(ctx, driver, conn, 'conf::echo');
      await conn.send({ type: 'invocationresult', invocation_id: randomUUID(), function_id: 'conf::nobody', result: { stray: true } });
      await conn.send({
        type: 'invocationresult',
        invocation_id: randomUUID(),
        function_id: 'conf::nobody',
        error: { code: 'FORBIDDEN', message: 'not for you' },
      });
      await assertStillServing(ctx, conn, 'conf::echo', 'results for unknown invocation ids');
      ctx.engine.answer('conf::remote', { result: 'fine' });
      const s = await driver.trigger('conf::remote', {}, { timeoutMs: 5000, waitMs: ctx.timing.replyMs + 5000 });
      if (!s.ok || s.value !== 'fine') throw new CaseFailure('after stray results, a trigger() call did not work', { ok: true, value: 'fine' }, s);
      return outcome.pass('stray results ignored');
    },
  }),
];
