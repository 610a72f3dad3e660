// A reconnection scenario: one driver started with a reconnection config, then a fault schedule played
// by the fake engine (drops, refused upgrades, accept-then-close, listener downtime, a held-back
// `workerregistered`), interleaved with registrations the driver makes. The schedule is plain JSON so a
// property counterexample can be printed, saved and replayed exactly.
//
// The runner only plays the schedule and records what happened (EndMarks for the drops it caused, which
// connection each outage healed on, whether the SDK gave up); judging is left to the callers
// (backoff cases, properties), which read the engine's connection log through measure.ts.

import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { EngineConnection, FakeEngine } from '../../../harness/fake-engine/index.ts';
import { closedBecauseSuffix } from '../../../harness/peer/endpoint.ts';
import type { DriverSession } from '../../../harness/targets/sdk/session.ts';
import type { ReconnectionConfig } from '../../../harness/timing/backoff.ts';
import { type LoadProbe, upperSlackMs, type ToleranceModel } from '../../../harness/timing/tolerance.ts';
import type { EndMark } from './measure.ts';

/** How the engine ends a connection that works. */
export type Drop = { kind: 'close'; code: number } | { kind: 'terminate' } | { kind: 'listener-down'; downMs: number };

/** What the engine does to one reconnection attempt before it accepts one for good. */
export type Refusal = { kind: 'reject'; status: number } | { kind: 'accept-then-close'; code: number };

export interface Outage {
  drop: Drop;
  /** Applied in order to the attempts after the drop; the attempt after the last one is accepted. */
  refusals: Refusal[];
  /** `workerregistered` is held back this long on the connection that heals the outage (0: at once). */
  holdRegisteredMs: number;
  /** Functions the driver registers right after the drop (while it is, or is about to be, disconnected). */
  registerWhileDown: string[];
}

/** The outages one backoff scenario plays (not harness/faults FaultSchedule, which alters frames on the wire). */
export interface OutageSchedule {
  /** Functions registered once the first connection is up. */
  functions: string[];
  outages: Outage[];
  /**
   * Ends the scenario with one more drop after which every attempt is refused with `status`, and
   * watches the attempts: `attempts` of them (for maxRetries -1), or until the SDK stops (finite).
   */
  refuseForever?: { drop: 'close' | 'terminate'; status: number; attempts?: number };
}

export interface ScenarioEnv {
  engine: FakeEngine;
  /** Starts the driver against `engine` with this reconnection config ('sdk-defaults': none given). */
  startDriver(reconnection: ReconnectionConfig | 'sdk-defaults'): Promise<DriverSession>;
  tolerance: ToleranceModel;
  /** Allowance for an SDK to send an expected frame (ms, already scaled). */
  replyMs: number;
  /** A quiet window that stands for "never" (ms, already scaled), added to computed waits. */
  quietMs: number;
  signal?: AbortSignal;
  note?(text: string, data?: unknown): void;
  /** A started LoadProbe for one measured window (a case's: ctx.loadProbe, which only a timing case may take). */
  loadProbe(): LoadProbe;
}

export interface OutageResult {
  index: number;
  /** The connection that healed it (undefined: no reconnection before the deadline). */
  healedBy?: number;
  /** Function ids missing from the healing connection within replyMs. */
  missing: string[];
  /** Upgrade attempts on "/" the engine saw during the outage (refused ones included). */
  attempts: number;
}

export interface TailResult {
  /** Attempts on "/" after the final drop. */
  attempts: number;
  /** Harness time of the final drop (EndMark). */
  droppedAt: number;
  /** How long the harness watched after the last attempt it saw (ms). */
  quietForMs: number;
}

export interface LagWindow {
  from: number;
  to: number;
  lagMs: number;
}

/** The harness lag of the window containing harness time `at` (the whole run's maximum if none). */
export function lagAt(run: ScenarioRun, at: number): number {
  const w = run.lagWindows.find((x) => at >= x.from && at <= x.to);
  return w ? w.lagMs : run.maxLagMs;
}

export interface ScenarioRun {
  driver: DriverSession;
  config: ReconnectionConfig;
  schedule: OutageSchedule;
  ends: EndMark[];
  outages: OutageResult[];
  tail?: TailResult;
  /** Every function id the driver registered, in order. */
  registered: string[];
  /** Things that went wrong while playing the schedule (not verdicts). */
  problems: string[];
  /** Largest harness event-loop lag while the schedule ran (for INDETERMINATE decisions). */
  maxLagMs: number;
  /**
   * Harness event-loop lag per window: one window per gap (from one attempt, or the drop, to the next
   * attempt) during outages and the tail. A gap is judged with the lag of its own window, so a busy
   * moment elsewhere (the driver's start, another gap) does not make it undecidable.
   */
  lagWindows: LagWindow[];
  /** The last connection that worked (the worker's current one). */
  current?: EngineConnection;
}

/** The longest one reconnection attempt may take at any index, slack included (deadlines only). */
export function worstAttemptMs(cfg: ReconnectionConfig, tolerance: ToleranceModel): number {
  const cap = Math.max(cfg.initialDelayMs, cfg.maxDelayMs) * (1 + cfg.jitterFactor);
  return cap + upperSlackMs(tolerance, cap);
}

export async function runScenario(
  env: ScenarioEnv,
  config: ReconnectionConfig | 'sdk-defaults',
  cfgForDeadlines: ReconnectionConfig,
  schedule: OutageSchedule,
): Promise<ScenarioRun> {
  const { engine } = env;
  const probe = env.loadProbe();
  const problems: string[] = [];
  const ends: EndMark[] = [];
  const registered: string[] = [];
  const outages: OutageResult[] = [];
  const note = (text: string, data?: unknown): void => env.note?.(text, data);
  const driver = await env.startDriver(config);
  const run: ScenarioRun = { driver, config: cfgForDeadlines, schedule, ends, outages, registered, problems, maxLagMs: 0, lagWindows: [] };
  // One lag window per gap: a new window starts whenever a new attempt shows up (polled every 5 ms),
  // so a hiccup of the harness is charged to the one gap it happened in, not to the whole outage.
  let window: { probe: LoadProbe; from: number } | undefined;
  let poller: NodeJS.Timeout | undefined;
  const endWindow = (): void => {
    if (!window) return;
    run.lagWindows.push({ from: window.from, to: performance.now(), lagMs: window.probe.stop() });
    window = undefined;
  };
  const rotate = (): void => {
    endWindow();
    window = { probe: env.loadProbe(), from: performance.now() };
  };
  const openWindow = (): void => {
    rotate();
    let seen = attemptsOnWorkerPath(engine);
    poller = setInterval(() => {
      const n = attemptsOnWorkerPath(engine);
      if (n > seen) {
        seen = n;
        rotate();
      }
    }, 5);
  };
  const closeWindow = (): void => {
    if (poller) clearInterval(poller);
    poller = undefined;
    endWindow();
  };
  try {
    const first = await nextAcceptedConnection(engine, env.replyMs + worstAttemptMs(cfgForDeadlines, env.tolerance));
    if (!first) throw new Error('the driver never connected');
    let current = first;
    for (const id of schedule.functions) {
      await driver.registerFunction(id, { kind: 'echo' });
      registered.push(id);
    }
    const missing = await awaitRegistrations(current, registered, env.replyMs);
    if (missing.length > 0) problems.push(`first connection: ${missing.join(', ')} never registered${closedBecauseSuffix(current)}`);
    run.current = current;

    for (let i = 0; i < schedule.outages.length; i++) {
      aborted(env);
      const outage = schedule.outages[i]!;
      const attemptsBefore = attemptsOnWorkerPath(engine);
      for (const r of outage.refusals) {
        if (r.kind === 'reject') engine.rejectNextUpgrades(1, r.status);
        else engine.acceptThenClose(1, { code: r.code });
      }
      engine.setWorkerRegistered(outage.holdRegisteredMs > 0 ? { delayMs: outage.holdRegisteredMs } : 'immediate');
      note(`outage ${i + 1}: ${describeOutage(outage)}`);
      openWindow();
      await drop(env, current, outage.drop, ends);
      for (const id of outage.registerWhileDown) {
        await driver.registerFunction(id, { kind: 'echo' });
        registered.push(id);
      }
      const deadline = (outage.refusals.length + 1) * worstAttemptMs(cfgForDeadlines, env.tolerance) + outage.holdRegisteredMs + env.replyMs + env.quietMs;
      const healed = await nextAcceptedConnection(engine, deadline);
      closeWindow();
      const result: OutageResult = { index: i, missing: [], attempts: 0 };
      outages.push(result);
      if (!healed) {
        result.attempts = attemptsOnWorkerPath(engine) - attemptsBefore;
        note(`outage ${i + 1}: no reconnection within ${Math.round(deadline)} ms (${result.attempts} attempts seen)`);
        engine.setWorkerRegistered('immediate');
        return finish();
      }
      result.healedBy = healed.conn;
      // "Worked" = workerregistered went out and the registrations were replayed on it.
      await waitUntil(() => healed.workerRegisteredSent || !healed.isOpen, outage.holdRegisteredMs + env.replyMs);
      result.missing = await awaitRegistrations(healed, registered, env.replyMs);
      result.attempts = attemptsOnWorkerPath(engine) - attemptsBefore;
      engine.setWorkerRegistered('immediate');
      current = healed;
      run.current = healed;
    }

    if (schedule.refuseForever) {
      const tail = schedule.refuseForever;
      aborted(env);
      const before = attemptsOnWorkerPath(engine);
      engine.rejectNextUpgrades(100_000, tail.status);
      openWindow();
      await drop(env, current, tail.drop === 'close' ? { kind: 'close', code: 1000 } : { kind: 'terminate' }, ends);
      const droppedAt = ends.at(-1)!.at;
      const finite = cfgForDeadlines.maxRetries >= 0;
      const want = finite ? cfgForDeadlines.maxRetries : (tail.attempts ?? 3);
      // Watch attempt by attempt: each must come within one worst-case delay of the previous one; once
      // none comes within that window (plus the quiet window), the SDK has stopped.
      const window = worstAttemptMs(cfgForDeadlines, env.tolerance) + env.quietMs;
      let last = droppedAt;
      for (;;) {
        const seen = attemptsOnWorkerPath(engine) - before;
        if (!finite && seen >= want) break;
        if (seen > want + 1) break; // enough to prove an overrun; do not wait for more
        const got = await waitUntil(() => attemptsOnWorkerPath(engine) - before > seen, window);
        if (!got) break;
        last = performance.now();
      }
      closeWindow();
      run.tail = { attempts: attemptsOnWorkerPath(engine) - before, droppedAt, quietForMs: performance.now() - last };
      note(`tail: ${run.tail.attempts} attempts after the final drop, then quiet for ${Math.round(run.tail.quietForMs)} ms`);
    }
    return finish();
  } catch (e) {
    problems.push(`scenario stopped: ${e instanceof Error ? e.message : String(e)}`);
    return finish();
  }

  function finish(): ScenarioRun {
    closeWindow();
    run.maxLagMs = probe.stop();
    return run;
  }
}

function aborted(env: ScenarioEnv): void {
  if (env.signal?.aborted) throw new Error('the case was aborted');
}

async function drop(
  env: ScenarioEnv,
  conn: EngineConnection,
  d: Drop | { kind: 'close'; code: number } | { kind: 'terminate' },
  ends: EndMark[],
): Promise<void> {
  // The mark is taken BEFORE the engine acts: the SDK cannot start its delay earlier (measure.ts).
  const at = performance.now();
  switch (d.kind) {
    case 'close':
      ends.push({ conn: conn.conn, at, cause: 'close', code: d.code });
      conn.close(d.code, 'conformance: scheduled drop');
      return;
    case 'terminate':
      ends.push({ conn: conn.conn, at, cause: 'terminate' });
      conn.terminate();
      return;
    case 'listener-down':
      ends.push({ conn: conn.conn, at, cause: 'listener-down' });
      await env.engine.stopListening({ dropConnections: 'terminate' });
      await sleep(d.downMs);
      await env.engine.resumeListening();
      return;
  }
}

/**
 * The next connection on "/" the engine accepted for good. FakeEngine.waitForConnection can hand out
 * an accept-then-close connection when its waiter is woken before the connection is marked as closing
 * (the upgrade is recorded first), so the upgrade's outcome is checked here and such ones are skipped.
 */
async function nextAcceptedConnection(engine: FakeEngine, timeoutMs: number): Promise<EngineConnection | undefined> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    let conn: EngineConnection;
    try {
      conn = await engine.waitForConnection({ timeoutMs: Math.max(1, end - performance.now()) });
    } catch {
      return undefined;
    }
    const upgrade = engine.upgrades.find((u) => u.conn === conn.conn);
    if (upgrade?.outcome === 'accepted') return conn;
  }
}

export function attemptsOnWorkerPath(engine: FakeEngine): number {
  return engine.upgrades.filter((u) => u.path === '/').length;
}

/** Waits until every id has a `registerfunction` on `conn`; returns the ids still missing. */
async function awaitRegistrations(conn: EngineConnection, ids: readonly string[], timeoutMs: number): Promise<string[]> {
  const missing: string[] = [];
  const deadline = performance.now() + timeoutMs;
  for (const id of ids) {
    try {
      await conn.waitFor({ type: 'registerfunction', id }, { timeoutMs: Math.max(1, deadline - performance.now()) });
    } catch {
      missing.push(id);
    }
  }
  return missing;
}

/** Polls `cond` every 5 ms until it holds (true) or `timeoutMs` passes (false). */
export async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() >= end) return false;
    await sleep(5);
  }
  return true;
}

export function describeOutage(o: Outage): string {
  const dropText = o.drop.kind === 'close' ? `close ${o.drop.code}` : o.drop.kind === 'terminate' ? 'terminate' : `listener down ${o.drop.downMs} ms`;
  const refusals = o.refusals.map((r) => (r.kind === 'reject' ? `reject ${r.status}` : `accept-then-close ${r.code}`));
  return [
    dropText,
    ...refusals,
    ...(o.holdRegisteredMs > 0 ? [`hold workerregistered ${o.holdRegisteredMs} ms`] : []),
    ...(o.registerWhileDown.length ? [`register ${o.registerWhileDown.join(',')} while down`] : []),
  ].join(' → ');
}
