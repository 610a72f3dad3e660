// Heartbeat: the engine never pings on its own (engine-protocol §1.4), so liveness is the SDK's job.

import { outcome } from '../../harness/cases/model.ts';
import type { EngineConnection } from '../../harness/fake-engine/index.ts';
import { isWorkerRegisterCall, sleep } from './support/frames.ts';
import type { SdkCaseContext } from './context.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

/** WebSocket control frames the engine saw on `conn` (ws-ping / ws-pong events in the transcript). */
function controlEvents(ctx: SdkCaseContext, conn: EngineConnection, event: 'ws-ping' | 'ws-pong'): { t: number; message?: string }[] {
  const out: { t: number; message?: string }[] = [];
  for (const r of ctx.engine.transcript.read()) if (r.kind === 'event' && r.event === event && r.conn === conn.conn) out.push(r);
  return out;
}

async function until(ctx: SdkCaseContext, timeoutMs: number, probe: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (probe()) return true;
    await sleep(25);
  }
  return probe();
}

/** WebSocket pings (reference 20 s) as the SDKs document them. */
const PING_INTERVAL_MS = 20_000;
const IDLE_TIMEOUT_MS = 60_000;

export const heartbeatCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.heartbeat.answers-ws-ping',
    title: 'answers a WebSocket ping with a pong carrying the same payload',
    level: 'MUST',
    sources: [src.protocol('§1.4 Liveness'), src.behaviour('§8 Answers WS Ping')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { conn } = await ctx.connect();
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const payload = `conf-${ctx.seed}`;
      conn.wsPing(payload);
      const b64 = Buffer.from(payload).toString('base64');
      const ok = await until(ctx, ctx.timing.replyMs, () => controlEvents(ctx, conn, 'ws-pong').some((e) => e.message === b64));
      check(ok, 'no pong came back for a WebSocket ping', `a pong with payload "${payload}"`, controlEvents(ctx, conn, 'ws-pong'));
      return outcome.pass('pong received');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.heartbeat.answers-json-ping',
    title: 'answers a JSON {"type":"ping"} with {"type":"pong"}',
    level: 'SHOULD',
    sources: [src.rule(22), src.protocol('§3.13'), src.behaviour('§8; §10.1 #12')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'engine-protocol §11.2 #22 says SHOULD answer; only Rust and Go do, Node (all versions) and Python ignore the JSON ping as an unknown type (sdk-behaviour.md §8).',
    async run(ctx) {
      const { conn } = await ctx.connect();
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      try {
        await conn.ping({ timeoutMs: ctx.timing.replyMs / 2 }); // a pong is immediate; half the reply budget keeps failing SDKs quick
      } catch {
        throw new CaseFailure(
          'a JSON ping was not answered with a JSON pong',
          { type: 'pong' },
          conn.isOpen ? 'nothing' : `connection closed (${conn.closeInfo?.code})`,
        );
      }
      return outcome.pass('pong');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.heartbeat.sends-ws-pings',
    judgesTiming: true,
    title: 'sends WebSocket pings of its own while connected (reference every 20 s)',
    level: 'SHOULD',
    sources: [src.rule(20), src.behaviour('§8 Client keepalive')],
    requires: ['ws-ping'],
    lane: 'slow',
    timeoutMs: 40_000,
    async run(ctx) {
      const { conn } = await ctx.connect();
      const probe = ctx.loadProbe();
      const opened = conn.openedAt;
      const bound = PING_INTERVAL_MS + 2000 * ctx.tolerance.timeScale;
      const ok = await until(ctx, bound + 3000, () => controlEvents(ctx, conn, 'ws-ping').length > 0);
      const first = controlEvents(ctx, conn, 'ws-ping')[0];
      if (!ok || !first) {
        const sample = ctx.judge(
          { label: 'first WebSocket ping', measuredMs: performance.now() - opened, allowedMinMs: 0, allowedMaxMs: PING_INTERVAL_MS },
          probe,
        );
        if (sample.verdict === 'INDETERMINATE')
          return outcome.indeterminate(`no ping yet, but ${sample.reason ?? 'the machine was busy'}`, { timings: [sample] });
        throw new CaseFailure('the SDK sent no WebSocket ping', `a ping within ${PING_INTERVAL_MS} ms`, 'none', { timings: [sample] });
      }
      const at = ctx.engine.transcript.toTranscriptTime(opened);
      return outcome.pass(`first ping ${Math.round(first.t - at)} ms after the connection opened`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.heartbeat.idle-timeout-reconnects',
    judgesTiming: true,
    title: 'reconnects when nothing comes from the engine for the documented idle timeout (reference 60 s)',
    level: 'SHOULD',
    sources: [src.rule(20), src.behaviour('§8 Dead-link detection; §10.1 #12'), src.capture('f4-idle-timeout-no-pong.jsonl')],
    requires: ['idle-timeout'],
    lane: 'slow',
    timeoutMs: 100_000,
    async run(ctx) {
      const { conn } = await ctx.connect();
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      // A half-open link: stop reading the socket, so the SDK's pings are never answered.
      check(conn.pauseReading(), 'the harness could not stop reading the socket', 'a paused socket', 'none');
      const probe = ctx.loadProbe();
      const silentAt = performance.now();
      let next: EngineConnection;
      try {
        next = await ctx.engine.waitForConnection({ timeoutMs: IDLE_TIMEOUT_MS + 20_000 * ctx.tolerance.timeScale });
      } catch {
        throw new CaseFailure('the SDK did not reconnect after the engine went silent', `a new connection within ~${IDLE_TIMEOUT_MS} ms`, 'none');
      }
      const sample = ctx.judge(
        { label: 'silence until the reconnect', measuredMs: next.openedAt - silentAt, allowedMinMs: 0, allowedMaxMs: IDLE_TIMEOUT_MS + 5000 },
        probe,
      );
      if (sample.verdict === 'FAIL')
        throw new CaseFailure('the reconnect after silence came too late', `within ${IDLE_TIMEOUT_MS} ms`, `${Math.round(sample.measuredMs)} ms`, {
          timings: [sample],
        });
      return outcome.pass(`reconnected ${Math.round(sample.measuredMs)} ms after the engine went silent`, { timings: [sample] });
    },
  }),
];
