// Backoff timing cases of the SDK catalogue (issue 5, "Backoff timing"): the delays between connection
// attempts follow min(initial·multiplier^n, max)·(1 ± jitter); maxRetries N gives exactly N reconnection
// attempts (0 none, -1 unbounded); the counter starts over after a connection that worked; an engine
// that accepts and closes at once is not hammered (SHOULD). Every delay is measured on the engine's side
// (measure.ts says exactly what and why) and judged by the tolerance model only.

import type { CaseDefinition, CaseOutcome, CaseSource, TimingSample } from '../../../harness/cases/model.ts';
import { outcome } from '../../../harness/cases/model.ts';
import { defineCase } from '../../../harness/cases/define.ts';
import { scenarioNotPlayed, timingOutcome } from '../../../harness/cases/verdict-policy.ts';
import { backoffEnvelope, DEFAULT_RECONNECTION, type ReconnectionConfig } from '../../../harness/timing/backoff.ts';
import type { SdkCaseContext } from '../context.ts';
import { announcedFinding, announcedFindings, indexedGaps, judgeRunGaps, unplayedOutcome, withAnnouncedEvidence } from './judge.ts';
import { CONTAMINATED_LAG_MS, JITTER_OVERHEAD_SPREAD_MS, jitterSpreadTest } from './jitter-test.ts';
import { judgeGap, measureGaps, type EndMark } from './measure.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { judgeInterval } from '../../../harness/timing/tolerance.ts';
import { lagAt, runScenario, worstAttemptMs, type OutageSchedule, type ScenarioEnv, type ScenarioRun } from './scenario.ts';

const SEED_RECONNECTION: CaseSource = {
  document: 'seed',
  section: 'Reconnection Config (initialDelayMs, maxDelayMs, backoffMultiplier, jitterFactor, maxRetries)',
};
const FORMULA: CaseSource = { document: 'sdk-behaviour', section: '§3.1 Formula' };
const COUNTERS: CaseSource = { document: 'sdk-behaviour', section: '§3.2 Counters, maxRetries, exhaustion' };
const CAPTURED: CaseSource = { document: 'captures', section: 'reconnect-timing.md (iii-sdk@0.22.1 delays, d1-d4, e1-e3)' };

/** The scenario environment of a case: its own engine, its driver, its tolerance. */
export function caseScenarioEnv(ctx: SdkCaseContext): ScenarioEnv {
  return {
    engine: ctx.engine,
    startDriver: (reconnection) => ctx.startDriver(reconnection === 'sdk-defaults' ? { omit: ['reconnection'] } : { reconnection: { ...reconnection } }),
    tolerance: ctx.tolerance,
    replyMs: ctx.timing.replyMs,
    quietMs: ctx.timing.quietMs,
    signal: ctx.signal,
    note: (text, data) => ctx.note(text, data),
    loadProbe: () => ctx.loadProbe(),
  };
}

/** Drop, refuse `rejects` upgrades, accept: every gap judged against its envelope. */
async function envelopeCase(ctx: SdkCaseContext, requested: ReconnectionConfig | 'sdk-defaults', rejects: number): Promise<CaseOutcome> {
  const cfg = requested === 'sdk-defaults' ? DEFAULT_RECONNECTION : requested;
  const schedule: OutageSchedule = {
    functions: ['conf::backoff::alive'],
    outages: [
      {
        drop: { kind: 'terminate' },
        refusals: Array.from({ length: rejects }, () => ({ kind: 'reject' as const, status: 503 })),
        holdRegisteredMs: 0,
        registerWhileDown: [],
      },
    ],
  };
  const run = await runScenario(caseScenarioEnv(ctx), requested, cfg, schedule);
  const problem = unplayedOutcome(run);
  if (problem) return problem;
  const samples = indexedGaps(judgeRunGaps(ctx.engine, run, cfg, ctx.tolerance)).map((g) => g.sample);
  if (samples.length < rejects + 1) return outcome.error(`expected ${rejects + 1} measurable gaps, got ${samples.length}`);
  const bases = Array.from({ length: rejects + 1 }, (_, n) => backoffEnvelope(cfg, n).baseMs);
  return timingOutcome(
    samples,
    `${samples.length} delays follow min(${cfg.initialDelayMs}·${cfg.backoffMultiplier}^n, ${cfg.maxDelayMs})·(1±${cfg.jitterFactor}): bases ${bases.join(', ')} ms`,
    announcedFindings(run),
  );
}

/** Small, exact configuration: the fast lane's check of growth and cap. */
export const GROWS_AND_CAPS: ReconnectionConfig = { initialDelayMs: 50, maxDelayMs: 300, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 };
/** Constant base (initial = max) and a wide jitter, so 16 samples come quickly and spread widely. */
export const JITTER_BAND: ReconnectionConfig = { initialDelayMs: 140, maxDelayMs: 140, backoffMultiplier: 2, jitterFactor: 0.6, maxRetries: -1 };
export const JITTER_SAMPLES = 16;

export const backoffCases: CaseDefinition<SdkCaseContext>[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.grows-and-caps',
    judgesTiming: true,
    title: 'Delays between attempts grow by backoffMultiplier from initialDelayMs and stop at maxDelayMs (small config, no jitter)',
    level: 'MUST',
    sources: [SEED_RECONNECTION, FORMULA, CAPTURED],
    requires: ['reconnection-config'],
    lane: 'fast',
    timeoutMs: 20_000,
    run: (ctx) => envelopeCase(ctx, GROWS_AND_CAPS, 6),
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.jitter-within-band',
    judgesTiming: true,
    title: 'With jitterFactor 0.6 every delay lies in c·(1±0.6) and the delays really spread (range test, alpha 1e-6)',
    level: 'MUST',
    sources: [SEED_RECONNECTION, FORMULA],
    requires: ['reconnection-config'],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const cfg = JITTER_BAND;
      const schedule: OutageSchedule = {
        functions: ['conf::backoff::alive'],
        outages: [
          {
            drop: { kind: 'close', code: 1000 },
            refusals: Array.from({ length: JITTER_SAMPLES - 1 }, () => ({ kind: 'reject' as const, status: 503 })),
            holdRegisteredMs: 0,
            registerWhileDown: [],
          },
        ],
      };
      const run = await runScenario(caseScenarioEnv(ctx), cfg, cfg, schedule);
      const problem = unplayedOutcome(run);
      if (problem) return problem;
      const gaps = indexedGaps(judgeRunGaps(ctx.engine, run, cfg, ctx.tolerance));
      const samples = gaps.map((g) => g.sample);
      const envelope = timingOutcome(samples, `${samples.length} delays within c·(1±${cfg.jitterFactor})`, announcedFindings(run));
      if (envelope.verdict !== 'PASS') return envelope;
      const spread = jitterSpreadTest(
        gaps.map((g) => ({ measuredMs: g.gap.measuredMs, baseMs: backoffEnvelope(cfg, g.gap.indices[0] ?? 0).baseMs, lagMs: lagAt(run, g.gap.startedAt) })),
        cfg.jitterFactor,
        JITTER_OVERHEAD_SPREAD_MS * ctx.tolerance.timeScale,
        undefined,
        CONTAMINATED_LAG_MS * ctx.tolerance.timeScale,
      );
      const extra = { timings: samples, findings: envelope.findings ?? [] };
      if (spread.verdict === 'PASS') return outcome.pass(`${envelope.summary}; ${spread.summary}`, extra);
      if (spread.verdict === 'INDETERMINATE') return outcome.indeterminate(spread.summary, extra);
      return outcome.fail(spread.summary, `normalised spread >= ${spread.threshold}`, { spread: spread.spread, normalised: spread.normalised }, extra);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.defaults',
    judgesTiming: true,
    title: 'With no reconnection config the delays follow the documented defaults 1000/×2/30000/±0.3 up to the cap (slow: ~61 s)',
    level: 'MUST',
    sources: [SEED_RECONNECTION, FORMULA],
    requires: [],
    lane: 'slow',
    timeoutMs: 150_000,
    run: (ctx) => envelopeCase(ctx, 'sdk-defaults', 5),
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.max-retries-exact',
    judgesTiming: true,
    title: 'maxRetries 3: exactly 3 reconnection attempts after a drop when every attempt is refused, then none',
    level: 'MUST',
    sources: [SEED_RECONNECTION, COUNTERS, { document: 'captures', section: 'e1-maxretries2-deadport-otel-off.jsonl' }],
    requires: ['reconnection-config', 'max-retries'],
    lane: 'fast',
    timeoutMs: 20_000,
    run: (ctx) => maxRetriesCase(ctx, 3),
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.max-retries-zero',
    judgesTiming: true,
    title: 'maxRetries 0: no reconnection attempt at all after a drop',
    level: 'MUST',
    sources: [SEED_RECONNECTION, COUNTERS, { document: 'captures', section: 'e3-maxretries0-deadport-otel-off.jsonl' }],
    requires: ['reconnection-config', 'max-retries'],
    lane: 'fast',
    timeoutMs: 20_000,
    run: (ctx) => maxRetriesCase(ctx, 0),
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.max-retries-unbounded',
    judgesTiming: true,
    title: 'maxRetries -1: the SDK keeps trying (10 refused attempts in a row, and it still comes back)',
    level: 'MUST',
    sources: [SEED_RECONNECTION, COUNTERS],
    requires: ['reconnection-config'],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const cfg: ReconnectionConfig = { initialDelayMs: 20, maxDelayMs: 60, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 };
      const schedule: OutageSchedule = {
        functions: ['conf::backoff::alive'],
        outages: [
          {
            drop: { kind: 'close', code: 1000 },
            refusals: Array.from({ length: 10 }, () => ({ kind: 'reject' as const, status: 503 })),
            holdRegisteredMs: 0,
            registerWhileDown: [],
          },
        ],
      };
      const run = await runScenario(caseScenarioEnv(ctx), cfg, cfg, schedule);
      const problem = unplayedOutcome(run);
      if (problem) return problem;
      const attempts = run.outages[0]?.attempts ?? 0;
      return attempts >= 11
        ? outcome.pass(`${attempts} attempts after the drop (10 refused, the 11th accepted): no limit with maxRetries -1`)
        : outcome.fail('the SDK stopped retrying although maxRetries is -1', '11 attempts (10 refused + 1 accepted)', `${attempts} attempts`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.counter-resets',
    judgesTiming: true,
    title: 'After a connection that worked, the next reconnection waits initialDelayMs again (the attempt counter starts over)',
    level: 'MUST',
    sources: [COUNTERS, { document: 'sdk-behaviour', section: '§10.1 #1 (Go never resets its counter)' }],
    requires: ['reconnection-config'],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const cfg: ReconnectionConfig = { initialDelayMs: 60, maxDelayMs: 2000, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 };
      const schedule: OutageSchedule = {
        functions: ['conf::backoff::alive'],
        outages: [
          {
            drop: { kind: 'terminate' },
            refusals: [
              { kind: 'reject', status: 503 },
              { kind: 'reject', status: 503 },
              { kind: 'reject', status: 503 },
            ],
            holdRegisteredMs: 0,
            registerWhileDown: [],
          },
          { drop: { kind: 'close', code: 1000 }, refusals: [], holdRegisteredMs: 0, registerWhileDown: [] },
        ],
      };
      const run = await runScenario(caseScenarioEnv(ctx), cfg, cfg, schedule);
      const problem = unplayedOutcome(run);
      if (problem) return problem;
      const gaps = indexedGaps(judgeRunGaps(ctx.engine, run, cfg, ctx.tolerance));
      const last = gaps.at(-1);
      if (!last || gaps.length !== 5) return outcome.error(`expected 5 measurable gaps (4 in the first outage, 1 in the second), got ${gaps.length}`);
      const samples = gaps.map((g) => g.sample);
      if (last.sample.verdict === 'PASS')
        return timingOutcome(
          samples,
          `the first delay after a working connection was ${last.sample.measuredMs} ms, back at initialDelayMs ${cfg.initialDelayMs} (it had grown to ${backoffEnvelope(cfg, 3).baseMs} ms before)`,
          announcedFindings(run),
        );
      return timingOutcome(samples, '', announcedFindings(run));
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.jitter-within-max-delay',
    judgesTiming: true,
    title: 'No delay exceeds maxDelayMs, jitter included (32 delays at the cap with jitterFactor 1)',
    level: 'INFO',
    sources: [SEED_RECONNECTION, { document: 'sdk-behaviour', section: '§3.1 "jitter after cap"; §10.1 #3' }],
    requires: ['reconnection-config'],
    lane: 'slow',
    timeoutMs: 30_000,
    disagreement:
      'The seed calls maxDelayMs the "maximum retry delay cap", yet Node, Python and Go apply the jitter after the cap, so delays reach maxDelayMs·(1+jitterFactor) (38999 ms with the defaults); the issue\'s own formula min(i·m^n, max)·(1±j) allows that. INFO until the spec decides.',
    async run(ctx) {
      // Base at the cap from the first attempt (initial = max), widest jitter: a delay past the cap
      // happens with probability ~0.35 per attempt beyond the slack, so 32 attempts miss it with
      // probability ~1e-6 on an SDK that jitters after the cap.
      const cfg: ReconnectionConfig = { initialDelayMs: 100, maxDelayMs: 100, backoffMultiplier: 2, jitterFactor: 1, maxRetries: -1 };
      const schedule: OutageSchedule = {
        functions: ['conf::backoff::alive'],
        outages: [
          {
            drop: { kind: 'terminate' },
            refusals: Array.from({ length: 31 }, () => ({ kind: 'reject' as const, status: 503 })),
            holdRegisteredMs: 0,
            registerWhileDown: [],
          },
        ],
      };
      const run = await runScenario(caseScenarioEnv(ctx), cfg, cfg, schedule);
      const problem = unplayedOutcome(run);
      if (problem) return problem;
      const gaps = indexedGaps(judgeRunGaps(ctx.engine, run, cfg, ctx.tolerance));
      const samples = gaps.map((g) => judgeGapAgainstCap(g.gap.measuredMs, g.gap.attempt, cfg, ctx, lagAt(run, g.gap.startedAt)));
      return timingOutcome(samples, `all ${samples.length} delays stayed within maxDelayMs ${cfg.maxDelayMs} (+ slack)`, announcedFindings(run));
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.backoff.accept-then-close-not-hammered',
    judgesTiming: true,
    title:
      'An engine that accepts, reads the registration and closes without ever confirming it (no workerregistered) is not hammered: the delays keep growing',
    level: 'SHOULD',
    sources: [{ document: 'sdk-behaviour', section: '§3.2 "Accept-then-close loop"; §10.1 #4 (counter resets on WS open)' }, COUNTERS],
    requires: ['reconnection-config'],
    lane: 'fast',
    timeoutMs: 20_000,
    disagreement:
      'Node resets the attempt counter when the socket opens and Python once its set-up frames are sent, so an engine that accepts and then closes before confirming the worker (an auth failure) is retried every initialDelayMs forever; the issue asks for the counter to start over only after a connection that worked (workerregistered).',
    run: (ctx) => unconfirmedConnectionsCase(ctx),
  }),
];

/**
 * Five connections in a row are accepted, allowed to send their registration burst (up to the worker
 * metadata call, or 300 ms), and closed with 1008 without a workerregistered. Closing after the burst
 * rather than at the instant of the upgrade makes the verdict deterministic: an SDK whose counter starts
 * over once its set-up frames are out (Python) would otherwise pass or fail by a race with the close.
 * Every gap is judged with the issue's rule only: none of these connections worked, so gap k has n = k.
 */
async function unconfirmedConnectionsCase(ctx: SdkCaseContext): Promise<CaseOutcome> {
  const cfg: ReconnectionConfig = { initialDelayMs: 40, maxDelayMs: 640, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 };
  const cycles = 5;
  const engine = ctx.engine;
  const probe = ctx.loadProbe();
  const ends: EndMark[] = [];
  const driver = await ctx.startDriver({ reconnection: { ...cfg } });
  const wait = ctx.timing.replyMs + worstAttemptMs(cfg, ctx.tolerance);
  try {
    const first = await engine.waitForConnection({ timeoutMs: ctx.timing.readyMs });
    await driver.registerFunction('conf::backoff::alive', { kind: 'echo' });
    await first.waitFor({ type: 'registerfunction', id: 'conf::backoff::alive' }, { timeoutMs: ctx.timing.replyMs });
    engine.setWorkerRegistered('hold');
    ends.push({ conn: first.conn, at: performance.now(), cause: 'close', code: 1000 });
    first.close(1000, 'conformance: scheduled drop');
    for (let k = 0; k < cycles; k++) {
      const c = await engine.waitForConnection({ timeoutMs: wait });
      await c.waitFor({ type: 'invokefunction', function_id: 'engine::workers::register' }, { timeoutMs: 300 }).catch(() => undefined);
      await sleep(10);
      ends.push({ conn: c.conn, at: performance.now(), cause: 'close', code: 1008 });
      c.close(1008, 'conformance: not confirmed');
    }
    engine.setWorkerRegistered('immediate');
    await engine.waitForConnection({ timeoutMs: wait });
  } catch (e) {
    return outcome.fail(
      `the SDK stopped reconnecting: ${e instanceof Error ? e.message : String(e)}`,
      `${cycles + 1} reconnections`,
      `${engine.upgrades.length - 1} attempts`,
    );
  }
  const lag = probe.stop();
  const run: ScenarioRun = {
    driver,
    config: cfg,
    schedule: { functions: [], outages: [] },
    ends,
    outages: [],
    registered: [],
    problems: [],
    maxLagMs: lag,
    lagWindows: [],
  };
  const gaps = measureGaps(engine, { ends });
  const judged = withAnnouncedEvidence(
    gaps.map((gap, k) => ({ gap, sample: judgeGap({ ...gap, indices: [k] }, cfg, ctx.tolerance, lag) })),
    run,
    cfg,
  );
  const samples = judged.map((g) => g.sample);
  return timingOutcome(
    samples,
    `after ${cycles} connections that were never confirmed the delays kept growing (${samples.map((s) => s.measuredMs).join(', ')} ms)`,
    announcedFindings(run),
  );
}

function judgeGapAgainstCap(measuredMs: number, attempt: number, cfg: ReconnectionConfig, ctx: SdkCaseContext, lag: number): TimingSample {
  return judgeInterval(
    { label: `gap before attempt #${attempt}: at most maxDelayMs`, measuredMs, allowedMinMs: 0, allowedMaxMs: cfg.maxDelayMs, observedLagMs: lag },
    ctx.tolerance,
  );
}

async function maxRetriesCase(ctx: SdkCaseContext, maxRetries: number): Promise<CaseOutcome> {
  const cfg: ReconnectionConfig = { initialDelayMs: 30, maxDelayMs: 120, backoffMultiplier: 2, jitterFactor: 0, maxRetries };
  const schedule: OutageSchedule = { functions: ['conf::backoff::alive'], outages: [], refuseForever: { drop: 'close', status: 503 } };
  const run = await runScenario(caseScenarioEnv(ctx), cfg, cfg, schedule);
  if (run.problems.length > 0 || !run.tail) return scenarioNotPlayed(run.problems.join('; ') || 'no tail');
  const quiet = Math.round(run.tail.quietForMs);
  const window = Math.round(worstAttemptMs(cfg, ctx.tolerance));
  if (run.tail.attempts === maxRetries) {
    return outcome.pass(`exactly ${maxRetries} reconnection attempts after the drop, then none for ${quiet} ms (> one maximal delay, ${window} ms)`, {
      findings: [announcedFinding(run)].filter((f) => f !== undefined),
    });
  }
  return outcome.fail(
    `maxRetries ${maxRetries}: ${run.tail.attempts} reconnection attempts after the drop`,
    `${maxRetries} attempts, then none`,
    `${run.tail.attempts} attempts${run.tail.attempts < maxRetries ? `, then none for ${quiet} ms` : ''}`,
    { findings: [announcedFinding(run)].filter((f) => f !== undefined) },
  );
}
