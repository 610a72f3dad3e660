// Timeouts of worker-initiated calls: the engine never times a call out, so the SDK must (§11.2 #15).
// Every timing verdict goes through the tolerance model: early is a FAIL, late beyond the slack is a FAIL
// only when the harness kept time itself, else INDETERMINATE.

import { randomUUID } from 'node:crypto';
import { outcome, type CaseOutcome, type TimingSample } from '../../harness/cases/model.ts';
import type { SettledEvent, ErrorInfo } from '../../harness/targets/sdk/contract.ts';
import { asObject, assertStillServing, isWorkerRegisterCall, receivedAt, registerEcho } from './support/frames.ts';
import type { SdkCaseContext } from './context.ts';
import type { StartOptions } from './context.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

/** Allowance for the settled event to travel SDK -> driver stdout -> harness (ms, before time scaling): generous,
 * because a starved driver process is not seen by the harness's LoadProbe; the mutants are 2x and 3x off. */
const REPORT_ALLOWANCE_MS = 250;

/** The SDK's timeout error: code TIMEOUT (§11.2 #15), or, for SDKs without codes, a Timeout error class. */
export function isTimeoutError(error: ErrorInfo): boolean {
  if (error.code !== undefined) return error.code === 'TIMEOUT';
  return /timeout/i.test(error.class);
}

interface TimedCall {
  settled: SettledEvent;
  frameId: string | undefined;
  sample: TimingSample;
}

/**
 * Makes one call the engine never answers and times it: from the moment the engine saw the frame to the
 * moment the driver reported the outcome. The SDK's clock may have started up to (frame - command) earlier.
 */
async function unansweredCall(
  ctx: SdkCaseContext,
  workerOptions: StartOptions,
  callTimeoutMs: number | undefined,
  expectedMs: number,
): Promise<TimedCall & { conn: Awaited<ReturnType<SdkCaseContext['connect']>> }> {
  const w = await ctx.connect(workerOptions);
  await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
  ctx.engine.neverAnswer('conf::silent');
  const probe = ctx.loadProbe();
  const since = w.conn.mark();
  const sentAt = performance.now();
  const call = w.driver.startTrigger(
    'conf::silent',
    { wait: 'forever' },
    { ...(callTimeoutMs === undefined ? {} : { timeoutMs: callTimeoutMs }), waitMs: expectedMs * 4 + ctx.timing.replyMs },
  );
  const frame = await w.conn.waitFor({ type: 'invokefunction', function_id: 'conf::silent' }, { since, timeoutMs: ctx.timing.replyMs });
  const settled = await call.settled;
  const measured = receivedAt(settled) - frame.at;
  const head = frame.at - sentAt;
  const sample = ctx.judge(
    {
      label: `time from the call frame to the timeout error (timeout ${expectedMs} ms)`,
      measuredMs: measured,
      allowedMinMs: Math.max(0, expectedMs - head),
      allowedMaxMs: expectedMs + REPORT_ALLOWANCE_MS * ctx.tolerance.timeScale,
    },
    probe,
  );
  probe.stop();
  const id = asObject(frame.frame)?.invocation_id;
  return { settled, frameId: typeof id === 'string' ? id : undefined, sample, conn: w };
}

function timingOutcome(t: TimedCall, what: string): CaseOutcome {
  if (t.settled.ok) throw new CaseFailure(`${what}: the unanswered call succeeded`, 'a timeout error', t.settled);
  if (t.sample.verdict === 'FAIL')
    throw new CaseFailure(
      `${what}: the call timed out ${t.sample.reason ?? 'outside its window'}`,
      `between ${t.sample.allowedMinMs} and ${t.sample.allowedMaxMs} ms (+${t.sample.slackMs} ms slack)`,
      `${t.sample.measuredMs} ms`,
      { timings: [t.sample] },
    );
  if (t.sample.verdict === 'INDETERMINATE')
    return outcome.indeterminate(`${what}: ${t.sample.reason ?? 'the machine was too busy to judge'}`, { timings: [t.sample] });
  return outcome.pass(`${what}: timed out after ${t.sample.measuredMs} ms`, { timings: [t.sample] });
}

export const timeoutCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.timeout.client-default',
    judgesTiming: true,
    title: 'with invocationTimeoutMs set, an unanswered call fails no earlier than the timeout and within tolerance after it',
    level: 'MUST',
    sources: [src.rule(15), src.seed('Init Options: invocationTimeoutMs'), src.behaviour('§6 Default timeout')],
    requires: ['invocation-timeout'],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const t = await unansweredCall(ctx, { invocationTimeoutMs: 400 }, undefined, 400);
      return timingOutcome(t, 'client-wide timeout 400 ms');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.timeout.reports-timeout-error',
    judgesTiming: true,
    title: "a timed-out call fails with the SDK's timeout error (code TIMEOUT, or a Timeout error class)",
    level: 'MUST',
    sources: [src.rule(15), src.behaviour('§6 Timeout result; §10.1 #7')],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 20_000,
    disagreement:
      'Node and Python use code TIMEOUT; Rust (Error::Timeout) and Go (ErrTimeout) use sentinel errors without a code; the browser SDK throws a plain Error. A code other than TIMEOUT fails; no code needs a Timeout class.',
    async run(ctx) {
      const t = await unansweredCall(ctx, {}, 300, 300);
      if (t.settled.ok) throw new CaseFailure('the unanswered call succeeded', 'a timeout error', t.settled);
      check(isTimeoutError(t.settled.error), 'the call failed with an error that is not the timeout error', { code: 'TIMEOUT' }, t.settled.error);
      return outcome.pass(`timeout error ${t.settled.error.code ?? t.settled.error.class}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.timeout.per-call-overrides',
    judgesTiming: true,
    title: 'a per-call timeout overrides the client-wide one',
    level: 'MUST',
    sources: [src.behaviour('§6 Default timeout: request.timeoutMs ?? invocationTimeoutMs'), src.rule(15)],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const options: StartOptions = ctx.implementation.capabilities.includes('invocation-timeout') ? { invocationTimeoutMs: 5000 } : {};
      const t = await unansweredCall(ctx, options, 300, 300);
      return timingOutcome(t, 'per-call timeout 300 ms (client-wide 5000 ms)');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.timeout.late-answer-ignored',
    judgesTiming: true,
    title: 'an answer that arrives after the timeout is ignored without harm',
    level: 'MUST',
    sources: [src.rule(14), src.behaviour('§6 Late result after timeout')],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const t = await unansweredCall(ctx, {}, 300, 300);
      const { driver, conn } = t.conn;
      if (t.settled.ok) throw new CaseFailure('the unanswered call succeeded', 'a timeout error', t.settled);
      check(t.frameId !== undefined, 'the call frame had no invocation_id to answer late', 'an invocation_id', t.frameId);
      await registerEcho(ctx, driver, conn, 'conf::echo');
      await conn.send({ type: 'invocationresult', invocation_id: t.frameId, function_id: 'conf::silent', result: { late: true } });
      await assertStillServing(ctx, conn, 'conf::echo', 'a late answer');
      ctx.engine.answer('conf::after', { result: 'ok' });
      const s = await driver.trigger('conf::after', { id: randomUUID() }, { timeoutMs: 3000, waitMs: ctx.timing.replyMs + 3000 });
      if (!s.ok || s.value !== 'ok') throw new CaseFailure('after a late answer, a new call did not work', { ok: true, value: 'ok' }, s);
      const dup = driver.events.filter((e) => e.event === 'settled' && e.id === t.settled.id).length;
      check(dup === 1, 'the timed-out call was settled again by the late answer', 'settled once', dup);
      return outcome.pass('late answer ignored');
    },
  }),
];
