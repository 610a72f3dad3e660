// The measurement core of the backoff cases and the reconnection properties: from the fake engine's
// connection log, the delay the SDK waited before each reconnection attempt, which attempt index n the
// documented counter rule says it was at, and a verdict against the envelope
// [floor(min(i·m^n, max)·(1−j)), min(i·m^n, max)·(1+j)].
//
// WHAT IS MEASURED, AND WHY. Every delay is taken on the engine's side, on one clock (performance.now()
// of the harness process), as
//
//     measured = start of attempt k+1  −  the moment the engine ended attempt k
//
// * "start of attempt k+1" is when the engine's TCP listener accepted the SDK's next connection
//   (`UpgradeAttempt.tcpAt`, falling back to the HTTP upgrade time `at`). It is the earliest sign of the
//   attempt the engine can see; the upgrade request itself arrives a little later.
// * "the moment the engine ended attempt k" is when the engine *acted*: the time the scenario called
//   close()/terminate()/stopListening() for a drop it caused (recorded by the caller as an EndMark), or
//   the upgrade time for an attempt the engine refused with an HTTP status or accepted only to close at
//   once (both decided synchronously in the upgrade handler). Only when no action is known (the SDK
//   closed the socket itself) is the engine's own close observation used.
//
// So `measured` = the SDK's delay + the time for the close to reach the SDK + the SDK's own scheduling
// latency + one TCP connect on loopback. Every added term is >= 0: the SDK cannot start waiting before
// the engine acted, so `measured` is never smaller than the true delay, and the LOWER bound can be held
// strictly (minus the tolerance model's epsilon for clock granularity). The same terms make `measured`
// larger than the SDK's delay by a few ms: the captures of iii-sdk@0.22.1
// (../shared/protocol/captures/reconnect-timing.md, column "upgrade - scheduled") show 2.5-5.5 ms per
// attempt; that, and load, is what the UPPER bound's slack (tolerance.ts) is for.
//
// Measuring on the SDK's side (its "Reconnecting in Xms" log line) would read what the SDK *meant* to
// do, not what it did, and only the Node SDK prints it; it is kept as an informational cross-check.
//
// Attempts made while the listener is down are refused by the OS and never reach the engine. A gap that
// spans a listener downtime is therefore not a single delay: it is reported (index unknown) and judged
// only by the recovery bound (the first attempt after the listener is back comes within one maximal
// delay), and the attempt index stays unknown until the next connection that worked.

import type { UpgradeAttempt, EngineConnection, ListenerDowntime } from '../../../harness/fake-engine/index.ts';
import type { TimingSample } from '../../../harness/cases/model.ts';
import { backoffEnvelope, type Envelope, type ReconnectionConfig } from '../../../harness/timing/backoff.ts';
import { judgeInterval, upperSlackMs, type ToleranceModel } from '../../../harness/timing/tolerance.ts';

/** How the engine ended a connection it had accepted (recorded by whoever caused it). */
export type EndCause = 'close' | 'terminate' | 'listener-down';

/** A drop the scenario caused: taken just BEFORE the engine acted, so it is never late. */
export interface EndMark {
  /** The connection number (EngineConnection.conn) it ended. */
  conn: number;
  at: number;
  cause: EndCause;
  /** Close code for cause "close". */
  code?: number;
}

/** Why the attempt before a gap ended. */
export type GapCause = 'rejected' | 'accepted-then-closed' | EndCause | 'closed-by-sdk' | 'not-found' | 'bad-request';

export interface MeasuredGap {
  /** Upgrade attempt number (1-based, among attempts on "/") that the gap precedes. */
  attempt: number;
  /** What ended the attempt before it. */
  after: GapCause;
  /** Harness clock (performance.now()). */
  endedAt: number;
  startedAt: number;
  measuredMs: number;
  /**
   * The reconnection attempt index n the SDK should be at under the documented rule (the counter
   * counts failed attempts and starts over after a connection that worked). Several values when the
   * rule is ambiguous (the attempt before was opened but never worked: Node and Python reset on WS
   * open, the issue's rule resets only after a connection that worked); empty when unknown (the gap
   * spans a listener downtime).
   */
  indices: number[];
  /** Set when the gap spans a listener downtime: the listener came back at this time. */
  listenerUpAt?: number;
}

export interface GapOptions {
  /** Drops the scenario caused, keyed by connection. */
  ends: readonly EndMark[];
  /** Path of the worker socket (default "/"). */
  path?: string;
}

/** What measureGaps reads from the fake engine (a FakeEngine is one; tests pass plain data). */
export interface ConnectionLog {
  readonly upgrades: readonly UpgradeAttempt[];
  readonly connections: readonly Pick<EngineConnection, 'conn' | 'workerRegisteredSent' | 'closeInfo'>[];
  readonly listenerDowntime: readonly ListenerDowntime[];
}

/**
 * A connection "worked" when the engine accepted it for good and sent `workerregistered` on it
 * (the identity the worker reattaches with). Attempts that were refused, accepted-then-closed, or
 * closed before `workerregistered` went out did not work.
 */
export function connectionWorked(conn: Pick<EngineConnection, 'workerRegisteredSent'> | undefined, upgrade: UpgradeAttempt): boolean {
  return upgrade.outcome === 'accepted' && conn !== undefined && conn.workerRegisteredSent;
}

/** The gaps between consecutive connection attempts on the worker path, with their attempt indices. */
export function measureGaps(engine: ConnectionLog, options: GapOptions): MeasuredGap[] {
  const path = options.path ?? '/';
  const attempts = engine.upgrades.filter((u) => u.path === path);
  const byConn = new Map<number, ConnectionLog['connections'][number]>();
  for (const c of engine.connections) byConn.set(c.conn, c);
  const endByConn = new Map<number, EndMark>();
  for (const e of options.ends) endByConn.set(e.conn, e);

  const gaps: MeasuredGap[] = [];
  // Candidate indices of the NEXT gap. The first gap is the first reconnection attempt: n = 0.
  let indices: number[] | null = [0];
  for (let k = 0; k + 1 < attempts.length; k++) {
    const prev = attempts[k]!;
    const next = attempts[k + 1]!;
    const conn = prev.conn === undefined ? undefined : byConn.get(prev.conn);
    const ended = endOf(prev, conn, endByConn);
    const startedAt = next.tcpAt ?? next.at;
    const downtime = engine.listenerDowntime.find((d) => d.downAt <= startedAt && (d.upAt ?? Infinity) >= ended.at);
    const spansDowntime = downtime !== undefined || ended.cause === 'listener-down';
    if (spansDowntime) indices = null;
    const upAt = downtime?.upAt;
    gaps.push({
      attempt: k + 2,
      after: ended.cause,
      endedAt: ended.at,
      startedAt,
      measuredMs: startedAt - ended.at,
      indices: indices === null ? [] : [...indices],
      ...(spansDowntime && upAt !== undefined ? { listenerUpAt: upAt } : {}),
    });
    // The counter after attempt k+1 ended, for the gap that follows it.
    const nextConn = next.conn === undefined ? undefined : byConn.get(next.conn);
    if (connectionWorked(nextConn, next)) indices = [0];
    else if (indices === null) indices = null;
    else if (next.outcome === 'rejected' || next.outcome === 'not-found' || next.outcome === 'bad-request') indices = indices.map((n) => n + 1);
    else indices = unique([...indices.map((n) => n + 1), 0]); // opened but never worked: ambiguous
  }
  return gaps;
}

function endOf(prev: UpgradeAttempt, conn: ConnectionLog['connections'][number] | undefined, endByConn: Map<number, EndMark>): { at: number; cause: GapCause } {
  if (prev.outcome === 'rejected' || prev.outcome === 'not-found' || prev.outcome === 'bad-request') return { at: prev.at, cause: prev.outcome };
  if (prev.outcome === 'accepted-then-closed') return { at: prev.at, cause: 'accepted-then-closed' };
  const mark = conn ? endByConn.get(conn.conn) : undefined;
  if (mark) return { at: mark.at, cause: mark.cause };
  return { at: conn?.closeInfo?.at ?? prev.at, cause: 'closed-by-sdk' };
}

function unique(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

const RANK: Record<TimingSample['verdict'], number> = { PASS: 0, INDETERMINATE: 1, FAIL: 2 };

/**
 * Judges one gap against the envelope of every candidate index; the best verdict stands (a gap that
 * fits one reading of an ambiguous counter rule is not a failure). Gaps across a listener downtime
 * are judged by the recovery bound only: attempt after `listenerUpAt` within the largest delay any
 * index allows, c_max·(1+j), plus slack.
 */
export function judgeGap(gap: MeasuredGap, cfg: ReconnectionConfig, tolerance: ToleranceModel, observedLagMs: number): TimingSample {
  const base = `gap before attempt #${gap.attempt} (after ${gap.after})`;
  if (gap.indices.length === 0) {
    const cap = Math.max(cfg.initialDelayMs, cfg.maxDelayMs);
    const sinceUp = gap.listenerUpAt === undefined ? gap.measuredMs : gap.startedAt - gap.listenerUpAt;
    return judgeInterval(
      {
        label: `${base}: recovery after the listener came back (attempt index unknown)`,
        measuredMs: Math.max(0, sinceUp),
        allowedMinMs: 0,
        allowedMaxMs: cap * (1 + cfg.jitterFactor),
        observedLagMs,
      },
      tolerance,
    );
  }
  let best: TimingSample | undefined;
  for (const n of gap.indices) {
    const env = backoffEnvelope(cfg, n);
    const sample = judgeInterval(
      {
        label: `${base}, n=${n}${gap.indices.length > 1 ? ` (of ${gap.indices.join('|')})` : ''}, base ${round(env.baseMs)} ms`,
        attempt: n,
        measuredMs: gap.measuredMs,
        allowedMinMs: env.minMs,
        allowedMaxMs: round(env.maxMs),
        observedLagMs,
      },
      tolerance,
    );
    if (!best || RANK[sample.verdict] < RANK[best.verdict] || (sample.verdict === best.verdict && distance(sample) < distance(best))) best = sample;
  }
  return best!;
}

function distance(s: TimingSample): number {
  if (s.measuredMs < s.allowedMinMs) return s.allowedMinMs - s.measuredMs;
  if (s.measuredMs > s.allowedMaxMs) return s.measuredMs - s.allowedMaxMs;
  return 0;
}

/** The longest the SDK may take to make its next attempt at index n, slack included (for deadlines). */
export function latestNextAttemptMs(cfg: ReconnectionConfig, n: number, tolerance: ToleranceModel): number {
  const env: Envelope = backoffEnvelope(cfg, n);
  return env.maxMs + upperSlackMs(tolerance, env.maxMs);
}

/** The SDK's own account of a delay (Node: `[iii] Reconnecting in 240ms (attempt 3)...`). */
export interface AnnouncedDelay {
  delayMs: number;
  attempt: number;
  at: number;
}

const ANNOUNCE = /Reconnecting in (\d+(?:\.\d+)?)\s*ms \(attempt (\d+)\)/;

export function announcedDelays(logs: readonly { message: string; at: number }[]): AnnouncedDelay[] {
  const out: AnnouncedDelay[] = [];
  for (const l of logs) {
    const m = ANNOUNCE.exec(l.message);
    if (m) out.push({ delayMs: Number(m[1]), attempt: Number(m[2]), at: l.at });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
