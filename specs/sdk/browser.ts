// Browser-only cases: what a worker in a browser page does where the page, not the SDK, has the last word
// (the handshake, the close frame, a reload, a background tab). They need capability browser-page, so every other SDK reports
// them UNSUPPORTED. Their mutants are patches of the built iii-browser-sdk bundle
// (fixtures/mutants/sdk/browser/), checked by test/browser-sdk/.

import { outcome, type Finding, type TimingSample } from '../../harness/cases/model.ts';
import { DriverCommandError } from '../../harness/targets/sdk/session.ts';
import type { SdkCaseContext } from './context.ts';
import { asObject, isWorkerRegisterCall } from './support/frames.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, CaseSetupError, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

/** Close codes a page may send (WebSocket API: close() with no code, 1000, or 3000-4999); 1005 = no code. */
function browserMaySend(code: number): boolean {
  return code === 1000 || code === 1005 || (code >= 3000 && code <= 4999);
}

/** Chromium aligns a hidden page's timers to whole seconds when background-timer throttling is on. */
const THROTTLE_ALIGNMENT_MS = 1000;
const RECONNECT_DELAY_MS = 100;

/**
 * One driver in a background tab: the engine drops the socket, and the gap until the next upgrade is judged
 * against the reconnect delay, plus Chromium's 1 s alignment when throttling is on.
 */
async function backgroundReconnect(ctx: SdkCaseContext, throttled: boolean): Promise<TimingSample> {
  const probe = ctx.loadProbe();
  const reconnection = { initialDelayMs: RECONNECT_DELAY_MS, maxDelayMs: RECONNECT_DELAY_MS, backoffMultiplier: 1, jitterFactor: 0, maxRetries: -1 };
  const { driver, conn } = await ctx.connect({ browserThrottling: throttled, reconnection });
  await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
  try {
    await driver.request({ cmd: 'hidePage' });
  } catch (e) {
    if (e instanceof DriverCommandError) throw new CaseSetupError(`the driver could not put the page in the background: ${e.event.message}`);
    throw e;
  }
  const before = ctx.engine.upgrades.length;
  conn.terminate();
  const closed = await conn.waitForClose({ timeoutMs: ctx.timing.replyMs });
  await ctx.engine.waitForConnection({ timeoutMs: RECONNECT_DELAY_MS + THROTTLE_ALIGNMENT_MS + ctx.timing.replyMs });
  const upgrade = ctx.engine.upgrades[before];
  if (!upgrade) throw new CaseFailure('a connection arrived without an upgrade on record', 'an upgrade after the drop', ctx.engine.upgrades.length);
  const sample = ctx.judge(
    {
      label: `reconnect from a background tab, throttling ${throttled ? 'on' : 'off'}`,
      measuredMs: (upgrade.tcpAt ?? upgrade.at) - closed.at,
      allowedMinMs: 0,
      allowedMaxMs: RECONNECT_DELAY_MS + (throttled ? THROTTLE_ALIGNMENT_MS : 0),
    },
    probe,
  );
  await driver.shutdown();
  return sample;
}

export const browserCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.browser.handshake-no-custom-headers',
    title: 'in a browser the headers option is ignored: nothing of it reaches the upgrade request, and the worker still connects',
    level: 'MUST',
    // Also the SDK's own docs (docs/next/reference/sdk-browser.mdx, InitOptions.headers): "Browser WebSocket
    // connections authenticate via query parameters or cookies; the headers option is ignored".
    sources: [src.behaviour('§1 options table, Handshake headers: Browser "ignored"'), src.seed('"External workers can run … in browser tabs"')],
    requires: ['browser-page'],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const value = `conf-${ctx.seed}`;
      const { conn } = await ctx.connect({ headers: { 'x-iii-conformance': value } });
      const upgrade = ctx.engine.upgrades[0];
      check(upgrade !== undefined, 'no upgrade request was recorded', 'one upgrade request', 'none');
      const leaked = [
        ...Object.entries(upgrade.headers)
          .filter(([, v]) => String(v).includes(value))
          .map(([k]) => `header ${k}`),
        ...(upgrade.url.includes(value) ? [`URL ${upgrade.url}`] : []),
      ];
      check(leaked.length === 0, 'the ignored headers option leaked into the upgrade request', 'no trace of the headers option', leaked);
      check(
        upgrade.headers['x-iii-conformance'] === undefined,
        'a browser sent a custom handshake header',
        'no x-iii-conformance header',
        upgrade.headers['x-iii-conformance'],
      );
      const first = await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      return outcome.pass(`plain upgrade on ${upgrade.url}; worker announced itself as ${JSON.stringify(asObject(asObject(first.frame)?.data)?.name)}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.browser.shutdown-close-frame',
    title: 'shutdown ends the socket with a close frame a browser is allowed to send (no code, 1000 or 3000-4999)',
    level: 'SHOULD',
    sources: [src.behaviour('§3.3 Close codes (Browser: "whatever the browser does"); §10.1 #18 close codes at shutdown')],
    requires: ['browser-page'],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const { driver, conn } = await ctx.connect();
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const { exit } = await driver.shutdown();
      const closed = await conn.waitForClose({ timeoutMs: ctx.timing.replyMs });
      // 1001 is what Chromium sends when the page itself goes away: the SDK's shutdown did not close it.
      check(browserMaySend(closed.code), 'the socket did not end with the SDK’s own close frame', 'close code 1005 (none), 1000 or 3000-4999', {
        code: closed.code,
        reason: closed.reason,
        driverExit: exit,
      });
      return outcome.pass(`closed with ${closed.code}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.browser.reload-is-a-new-worker',
    title: 'a reloaded page connects as a new worker: its first frame is engine::workers::register, not a reattach to the old page’s worker',
    level: 'SHOULD',
    sources: [src.protocol('§3.11 reattach ("the token proves we ARE that worker")'), src.behaviour('§2.1 connect sequence')],
    requires: ['browser-page'],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const { driver, conn } = await ctx.connect();
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      await driver.request({ cmd: 'reloadPage' });
      const closed = await conn.waitForClose({ timeoutMs: ctx.timing.replyMs });
      const next = await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
      const first = await next.next(() => true, { timeoutMs: ctx.timing.replyMs });
      const f = asObject(first.frame) ?? {};
      // Not a crash: Chromium closes a page's sockets with 1001 "going away" on navigation.
      const findings: Finding[] = [
        { severity: 'info', message: `the old page's socket closed with ${closed.code}${closed.code === 1001 ? ' (going away, sent by the browser)' : ''}` },
      ];
      if (f.type === 'reattach') {
        throw new CaseFailure('the reloaded page presented the old page’s worker identity', 'engine::workers::register as the first frame', first.frame, {
          findings,
        });
      }
      check(
        isWorkerRegisterCall(first.frame),
        'the reloaded page did not start by announcing itself',
        'engine::workers::register as the first frame',
        first.frame,
      );
      return outcome.pass(`old socket closed ${closed.code}; new worker announced itself`, { findings });
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.browser.background-tab-reconnects',
    judgesTiming: true,
    title:
      "a worker in a background tab reconnects after a drop: within its delay with Chromium's timer throttling off, within the delay plus Chromium's 1 s alignment with it on",
    level: 'SHOULD',
    sources: [
      src.seed('"External workers can run … in browser tabs"'),
      src.behaviour('§3.1 backoff formula (Browser same as Node); §8 (Browser: no heartbeat of its own)'),
    ],
    requires: ['browser-page', 'reconnection-config'],
    lane: 'fast',
    timeoutMs: 40_000,
    async run(ctx) {
      const samples = [await backgroundReconnect(ctx, false), await backgroundReconnect(ctx, true)];
      const findings: Finding[] = samples.map((t) => ({ severity: 'info', message: `${t.label}: ${t.measuredMs} ms (delay ${RECONNECT_DELAY_MS} ms)` }));
      const bad = samples.filter((t) => t.verdict === 'FAIL');
      if (bad.length > 0)
        throw new CaseFailure(
          'a background tab reconnected later than its delay allows',
          samples.map((t) => `${t.label}: <= ${t.allowedMaxMs} ms + ${t.slackMs} ms slack`),
          bad.map((t) => `${t.label}: ${t.measuredMs} ms`),
          { timings: samples, findings },
        );
      if (samples.some((t) => t.verdict === 'INDETERMINATE'))
        return outcome.indeterminate('the harness could not keep time while judging the reconnect gap', { timings: samples, findings });
      return outcome.pass(samples.map((t) => `${t.label}: ${t.measuredMs} ms`).join('; '), { timings: samples, findings });
    },
  }),
];
