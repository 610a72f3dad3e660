// Browser-only cases: what a worker in a browser page does where the page, not the SDK, has the last word
// (the handshake, the close frame, a reload). They need capability browser-page, so every other SDK reports
// them UNSUPPORTED. Their mutants are patches of the built iii-browser-sdk bundle
// (fixtures/mutants/sdk/browser/), checked by test/browser-sdk/.

import { outcome, type Finding } from '../../harness/cases/model.ts';
import { sdkCase, src, check, CaseFailure, type SdkCase } from './support/define.ts';
import { asObject, isWorkerRegisterCall } from './support/frames.ts';

/** Close codes a page may send (WebSocket API: close() with no code, 1000, or 3000-4999); 1005 = no code. */
function browserMaySend(code: number): boolean {
  return code === 1000 || code === 1005 || (code >= 3000 && code <= 4999);
}

export const browserCases: SdkCase[] = [
  sdkCase({
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
      const leaked = [...Object.entries(upgrade.headers).filter(([, v]) => String(v).includes(value)).map(([k]) => `header ${k}`), ...(upgrade.url.includes(value) ? [`URL ${upgrade.url}`] : [])];
      check(leaked.length === 0, 'the ignored headers option leaked into the upgrade request', 'no trace of the headers option', leaked);
      check(upgrade.headers['x-iii-conformance'] === undefined, 'a browser sent a custom handshake header', 'no x-iii-conformance header', upgrade.headers['x-iii-conformance']);
      const first = await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      return outcome.pass(`plain upgrade on ${upgrade.url}; worker announced itself as ${JSON.stringify(asObject(asObject(first.frame)?.data)?.name)}`);
    },
  }),
  sdkCase({
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
      check(browserMaySend(closed.code), 'the socket did not end with the SDK’s own close frame', 'close code 1005 (none), 1000 or 3000-4999', { code: closed.code, reason: closed.reason, driverExit: exit });
      return outcome.pass(`closed with ${closed.code}`);
    },
  }),
  sdkCase({
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
      const findings: Finding[] = [{ severity: 'info', message: `the old page's socket closed with ${closed.code}${closed.code === 1001 ? ' (going away, sent by the browser)' : ''}` }];
      if (f.type === 'reattach') {
        throw new CaseFailure('the reloaded page presented the old page’s worker identity', 'engine::workers::register as the first frame', first.frame, { findings });
      }
      check(isWorkerRegisterCall(first.frame), 'the reloaded page did not start by announcing itself', 'engine::workers::register as the first frame', first.frame);
      return outcome.pass(`old socket closed ${closed.code}; new worker announced itself`, { findings });
    },
  }),
];
