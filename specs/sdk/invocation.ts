// Invocation: the engine asks the worker to run a function; the worker answers exactly once.

import { randomUUID } from 'node:crypto';
import { outcome } from '../../harness/cases/model.ts';
import type { Behaviour } from '../../harness/targets/sdk/contract.ts';
import { asObject, sameJson, invokeRaw, resultFor, waitInvoked, type FrameObject } from './support/frames.ts';
import type { SdkCaseContext, ConnectedWorker } from './context.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

async function workerWith(ctx: SdkCaseContext, functionId: string, behaviour: Behaviour): Promise<ConnectedWorker> {
  const w = await ctx.connect();
  await w.driver.registerFunction(functionId, behaviour);
  await w.conn.waitFor({ type: 'registerfunction', id: functionId }, { timeoutMs: ctx.timing.replyMs });
  return w;
}

const same = sameJson;

/** A rich payload: nesting, arrays, null, unicode, numbers that are not integers. */
const PAYLOAD = { a: [1, 'x', null, { b: true }], n: 1.5, s: 'Grüße ✓', empty: {}, zero: 0, f: false };

export const invocationCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.result-echoes-ids',
    title: 'the invocationresult carries the invocation_id and function_id it was asked for',
    level: 'MUST',
    sources: [src.rule(10), src.behaviour('§5 Success reply'), src.capture('b-invocation.jsonl')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { conn } = await workerWith(ctx, 'conf::echo', { kind: 'echo' });
      const { invocationId, frame } = await invokeRaw(conn, 'conf::echo', { hello: 'ids' }, { timeoutMs: ctx.timing.replyMs });
      check(frame.invocation_id === invocationId, 'the result does not echo the invocation_id', invocationId, frame.invocation_id);
      check(frame.function_id === 'conf::echo', 'the result does not carry the function_id', 'conf::echo', frame.function_id);
      return outcome.pass('invocation_id and function_id echoed');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.result-value-preserved',
    title: "a handler's return value arrives unchanged as `result` (nesting, null, unicode, non-integers)",
    level: 'MUST',
    sources: [src.rule(10), src.seed('Lifecycle: "The SDK sends results or errors back over the same connection"')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { conn } = await workerWith(ctx, 'conf::echo', { kind: 'echo' });
      const { frame } = await invokeRaw(conn, 'conf::echo', PAYLOAD, { timeoutMs: ctx.timing.replyMs });
      check(frame.error === undefined || frame.error === null, 'a successful handler was reported as an error', 'no error', frame.error);
      check(same(frame.result, PAYLOAD), 'the result is not the value the handler returned', PAYLOAD, frame.result);
      return outcome.pass('result preserved');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.void-result',
    title: 'a handler that returns nothing is answered with a success without a value (result absent or null)',
    level: 'MUST',
    sources: [src.rule(10, 13), src.behaviour('§5 "If the handler returns undefined, result is omitted"; §10.1 #9')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'Node and Python omit `result` for a handler that returns nothing, Rust and Go send "result":null (sdk-behaviour.md §10.1 #9); both are accepted.',
    async run(ctx) {
      const { conn } = await workerWith(ctx, 'conf::void', { kind: 'void' });
      const { frame } = await invokeRaw(conn, 'conf::void', { any: 1 }, { timeoutMs: ctx.timing.replyMs });
      check(frame.error === undefined || frame.error === null, 'a handler that returned nothing was reported as an error', 'no error', frame.error);
      check(frame.result === undefined || frame.result === null, 'a handler that returned nothing got a value', 'result absent or null', frame.result);
      return outcome.pass(`answered with result ${frame.result === undefined ? 'absent' : 'null'}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.null-result',
    title: 'a handler that returns null is answered with result null (or absent), not an error or a string',
    level: 'MUST',
    sources: [src.rule(10, 13)],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { conn } = await workerWith(ctx, 'conf::null', { kind: 'value', value: null });
      const { frame } = await invokeRaw(conn, 'conf::null', {}, { timeoutMs: ctx.timing.replyMs });
      check(frame.error === undefined || frame.error === null, 'a handler that returned null was reported as an error', 'no error', frame.error);
      check(frame.result === undefined || frame.result === null, 'a handler that returned null got another value', 'result null or absent', frame.result);
      return outcome.pass('null result answered');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.handler-error-reported',
    title: "a handler that fails is answered with `error` carrying the handler's message, and no result",
    level: 'MUST',
    sources: [src.rule(10), src.behaviour('§5 Handler error body')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const message = `conf-boom-${ctx.seed}`;
      const { conn } = await workerWith(ctx, 'conf::throws', { kind: 'throw', message });
      const { frame } = await invokeRaw(conn, 'conf::throws', {}, { timeoutMs: ctx.timing.replyMs });
      const error = asObject(frame.error);
      check(error !== undefined, 'a failing handler was not answered with an error', { error: { code: 'invocation_failed', message } }, frame);
      check(typeof error.message === 'string' && error.message.includes(message), "the error does not carry the handler's message", message, error.message);
      check(frame.result === undefined || frame.result === null, 'an error result also carries a result value', 'no result', frame.result);
      return outcome.pass('error with the handler message');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.handler-error-code',
    title: 'a handler failure uses the code invocation_failed',
    level: 'SHOULD',
    sources: [src.rule(11), src.protocol('§6.2')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { conn } = await workerWith(ctx, 'conf::throws', { kind: 'throw', message: 'boom' });
      const { frame } = await invokeRaw(conn, 'conf::throws', {}, { timeoutMs: ctx.timing.replyMs });
      const code = asObject(frame.error)?.code;
      check(code === 'invocation_failed', 'a handler failure has another code', 'invocation_failed', code);
      return outcome.pass('code invocation_failed');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.unknown-function',
    title: 'an invocation of a function the worker does not hold is answered with function_not_found',
    level: 'MUST',
    sources: [src.rule(10, 11), src.behaviour('§5 Unknown function_id')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'The message differs ("Function not found" in Node/Rust, "Function \'<id>\' not found" in Python, `no handler registered for "<id>"` in Go); only the code is checked.',
    async run(ctx) {
      const { conn } = await workerWith(ctx, 'conf::known', { kind: 'echo' });
      let frame: FrameObject;
      try {
        frame = (await invokeRaw(conn, 'conf::unknown', {}, { timeoutMs: ctx.timing.replyMs })).frame;
      } catch {
        throw new CaseFailure('an invocation of an unknown function got no answer', { error: { code: 'function_not_found' } }, 'no invocationresult');
      }
      const code = asObject(frame.error)?.code;
      check(code === 'function_not_found', 'the unknown function was not answered with function_not_found', 'function_not_found', frame);
      check(frame.function_id === 'conf::unknown', 'the error result does not name the function', 'conf::unknown', frame.function_id);
      return outcome.pass('function_not_found');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.no-id-no-reply',
    title: 'an invokefunction without invocation_id runs the handler and gets no reply',
    level: 'MUST',
    sources: [src.behaviour('§5 invocation_id missing → fire-and-forget'), src.rule(16)],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver, conn } = await workerWith(ctx, 'conf::ff', { kind: 'echo' });
      const since = conn.mark();
      const from = driver.events.length;
      await conn.send({ type: 'invokefunction', function_id: 'conf::ff', data: { fire: 'forget' }, action: { type: 'void' } });
      await waitInvoked(driver, 'conf::ff', ctx.timing.replyMs, from);
      try {
        await conn.expectSilence({ type: 'invocationresult' }, ctx.timing.quietMs, since);
      } catch {
        throw new CaseFailure(
          'a call without invocation_id was answered',
          'no invocationresult',
          conn.all({ type: 'invocationresult' }, since).map((e) => e.frame),
        );
      }
      return outcome.pass('handler ran, nothing sent back');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.concurrent',
    judgesTiming: true,
    title: '50 concurrent invocations are all answered correctly, and handlers run concurrently',
    level: 'MUST',
    sources: [src.behaviour('§5 Concurrency'), src.rule(10)],
    requires: [],
    lane: 'fast',
    timeoutMs: 30_000,
    async run(ctx) {
      const sleepMs = 200;
      const { conn } = await workerWith(ctx, 'conf::slow-echo', { kind: 'sleep', ms: sleepMs, then: { kind: 'echo' } });
      const probe = ctx.loadProbe();
      const started = performance.now();
      const budgetMs = sleepMs + 1500 * ctx.tolerance.timeScale;
      const calls = Array.from({ length: 50 }, (_, i) => ({ id: randomUUID(), data: { i, tag: `c${i}` } }));
      const since = conn.mark();
      for (const c of calls) void conn.send({ type: 'invokefunction', invocation_id: c.id, function_id: 'conf::slow-echo', data: c.data });
      const answers = await Promise.allSettled(calls.map((c) => conn.waitFor(resultFor(c.id), { since, timeoutMs: budgetMs + ctx.timing.replyMs })));
      const elapsed = performance.now() - started;
      const wrong: unknown[] = [];
      answers.forEach((a, i) => {
        const c = calls[i]!;
        if (a.status === 'rejected') wrong.push({ invocation_id: c.id, problem: 'no answer' });
        else if (!same(asObject(a.value.frame)?.result, c.data)) wrong.push({ invocation_id: c.id, expected: c.data, got: a.value.frame });
      });
      const duplicates = conn.all({ type: 'invocationresult' }, since).length - answers.filter((a) => a.status === 'fulfilled').length;
      check(
        wrong.length === 0,
        `${wrong.length} of 50 concurrent invocations were not answered correctly`,
        'every call answered with its own input',
        wrong.slice(0, 5),
      );
      check(duplicates === 0, `${duplicates} invocations were answered more than once`, 'one answer each', duplicates);
      const sample = ctx.judge(
        { label: 'all 50 answered (handlers sleep 200 ms each)', measuredMs: elapsed, allowedMinMs: sleepMs, allowedMaxMs: budgetMs },
        probe,
      );
      if (sample.verdict === 'FAIL')
        throw new CaseFailure(
          'the 50 invocations took as long as handlers run one after another',
          `all answered within ${budgetMs} ms`,
          `${Math.round(elapsed)} ms`,
          { timings: [sample] },
        );
      if (sample.verdict === 'INDETERMINATE')
        return outcome.indeterminate(`answers were late but the machine was busy: ${sample.reason ?? ''}`, { timings: [sample] });
      return outcome.pass(`50 answers in ${Math.round(elapsed)} ms`, { timings: [sample] });
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.trace-context-echoed',
    title: 'the result carries the trace context of the call: same trace id in traceparent, same baggage',
    level: 'SHOULD',
    sources: [src.behaviour('§5 Success reply: traceparent?, baggage?'), src.protocol('§3.9')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'Python sends no baggage back and Rust/Python inject the traceparent of their own span (sdk-behaviour.md §5); a child span of the same trace is accepted.',
    async run(ctx) {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
      const baggage = 'conf=1,tenant=acme';
      const { conn } = await workerWith(ctx, 'conf::echo', { kind: 'echo' });
      const { frame } = await invokeRaw(conn, 'conf::echo', {}, { timeoutMs: ctx.timing.replyMs, extra: { traceparent, baggage } });
      const tp = frame.traceparent;
      check(
        typeof tp === 'string' && tp.split('-')[1] === traceId,
        'the result does not continue the trace of the call',
        `traceparent with trace id ${traceId}`,
        tp,
      );
      const members = (b: unknown): string[] =>
        typeof b === 'string'
          ? b
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean)
              .sort()
          : [];
      // W3C baggage is a set of members: their order carries no meaning.
      check(
        typeof frame.baggage === 'string' && sameJson(members(frame.baggage), members(baggage)),
        'the result does not carry the baggage of the call',
        baggage,
        frame.baggage,
      );
      return outcome.pass('trace context echoed');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.invocation.metadata-separate',
    title: 'invocation metadata reaches the handler separately from data; an extra _caller_worker_id in data is tolerated',
    level: 'MUST',
    sources: [src.rule(12), src.behaviour('§5 Per-invocation metadata')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver, conn } = await workerWith(ctx, 'conf::echo', { kind: 'echo' });
      const metadata = { conf: 'meta', n: 7 };
      const data = { x: 1, _caller_worker_id: randomUUID() };
      const from = driver.events.length;
      const { frame } = await invokeRaw(conn, 'conf::echo', data, { timeoutMs: ctx.timing.replyMs, extra: { metadata } });
      const invoked = await waitInvoked(driver, 'conf::echo', ctx.timing.replyMs, from);
      check(frame.error === undefined || frame.error === null, 'the call with metadata failed', 'a result', frame);
      check(same(invoked.metadata, metadata), 'the handler did not receive the metadata', metadata, invoked.metadata ?? '(none)');
      check(asObject(invoked.input)?.x === 1, 'the handler did not receive the data', data, invoked.input);
      return outcome.pass('metadata passed separately');
    },
  }),
];
