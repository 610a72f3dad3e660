// The case model shared by every catalogue (SDK cases, SDK properties, engine cases).
// A case is data plus one async `run`; the runner, the vitest wrappers, the CLI and the reports all
// read the same definition, so an id, its level and its source are written exactly once.

import type { TimingSample, ToleranceModel } from '../timing/tolerance.ts';

export const LEVELS = ['MUST', 'SHOULD', 'INFO'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * PASS / FAIL: decided. UNSUPPORTED: the implementation lacks a declared capability the case needs
 * (never a failure). INDETERMINATE: the machine could not decide (a timing window missed under load);
 * never a silent pass. ERROR: the harness itself could not run the case (set-up failed, driver did not
 * start); reported apart from FAIL, like a JUnit <error>.
 */
export const VERDICTS = ['PASS', 'FAIL', 'UNSUPPORTED', 'INDETERMINATE', 'ERROR'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Where the requirement a case enforces is written down. Every case names at least one. */
export interface CaseSource {
  /**
   * seed: ../shared/seed (the worker documentation); engine-protocol / sdk-behaviour: the two
   * protocol notes in ../shared/protocol; captures: the recorded iii-sdk@0.22.1 frames;
   * engine-source: a file of the iii-hq/iii engine.
   */
  document: 'seed' | 'engine-protocol' | 'sdk-behaviour' | 'captures' | 'engine-source';
  /** Section, rule number or file path, e.g. "§11.2 #6" or "engine/src/engine/mod.rs cleanup_worker". */
  section: string;
}

/** What an implementation can declare it supports; a case that needs a missing one is UNSUPPORTED. */
export const CAPABILITIES = [
  'reconnection-config', // initialDelayMs/maxDelayMs/backoffMultiplier/jitterFactor configurable
  'max-retries',
  'invocation-timeout', // client-wide invocationTimeoutMs
  'per-call-timeout',
  'metrics',
  'services',
  'trigger-types',
  'namespaces',
  'json-ping', // answers {"type":"ping"} with {"type":"pong"}
  'ws-ping', // sends WebSocket pings of its own
  'idle-timeout', // reconnects after a documented silence
  'headers', // custom handshake headers
  'worker-name',
  'void-action',
  'enqueue-action',
  'unregister',
  'browser-page', // the worker runs in a browser page; the driver takes reloadPage and hidePage
] as const;
export type Capability = (typeof CAPABILITIES)[number];

// A timing sample is the tolerance model's judgement of one measured delay: it lives with that model.
export type { TimingSample };

/** Something noticed on the way that is not itself the verdict (strict-schema extras, quirks). */
export interface Finding {
  severity: 'violation' | 'warning' | 'info';
  message: string;
  /** JSON path inside the frame, where the finding is about a frame. */
  path?: string;
  frame?: unknown;
}

export interface CaseOutcome {
  verdict: Verdict;
  /** One sentence a maintainer reads first. */
  summary: string;
  expected?: unknown;
  actual?: unknown;
  timings?: TimingSample[];
  findings?: Finding[];
}

export interface CaseDefinition<Context> {
  /** Stable, position-independent, dotted: `sdk.reconnect.replays-functions`. Never reused. */
  id: string;
  title: string;
  level: Level;
  sources: CaseSource[];
  requires: Capability[];
  /** Slow cases (real default timings, idle timeouts) run only when the slow lane is on. */
  lane: 'fast' | 'slow';
  /** Hard bound on one run; the runner turns an overrun into FAIL with the transcript kept. */
  timeoutMs: number;
  /**
   * The case judges wall-clock intervals (it takes a LoadProbe): it runs alone, with no neighbour case
   * and no warm-up work beside it, so that nothing of the harness's own turns its timing into noise.
   * Absent means false.
   */
  judgesTiming?: boolean;
  /** Where docs, engine and SDKs disagree on this point, said plainly so the report can show it. */
  disagreement?: string;
  run(ctx: Context): Promise<CaseOutcome>;
}

export const outcome = {
  pass: (summary: string, extra: Omit<CaseOutcome, 'verdict' | 'summary'> = {}): CaseOutcome => ({
    verdict: 'PASS',
    summary,
    ...extra,
  }),
  fail: (summary: string, expected: unknown, actual: unknown, extra: Omit<CaseOutcome, 'verdict' | 'summary' | 'expected' | 'actual'> = {}): CaseOutcome => ({
    verdict: 'FAIL',
    summary,
    expected,
    actual,
    ...extra,
  }),
  unsupported: (summary: string): CaseOutcome => ({ verdict: 'UNSUPPORTED', summary }),
  indeterminate: (summary: string, extra: Omit<CaseOutcome, 'verdict' | 'summary'> = {}): CaseOutcome => ({
    verdict: 'INDETERMINATE',
    summary,
    ...extra,
  }),
  error: (summary: string, extra: Omit<CaseOutcome, 'verdict' | 'summary'> = {}): CaseOutcome => ({
    verdict: 'ERROR',
    summary,
    ...extra,
  }),
};

/** Combine timing samples into one verdict: any FAIL fails, else any INDETERMINATE is undecided. */
export function verdictOfTimings(samples: readonly TimingSample[]): 'PASS' | 'FAIL' | 'INDETERMINATE' {
  if (samples.some((s) => s.verdict === 'FAIL')) return 'FAIL';
  if (samples.some((s) => s.verdict === 'INDETERMINATE')) return 'INDETERMINATE';
  return 'PASS';
}

const ID_PATTERN = /^(sdk|engine|prop)\.[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** Checks a catalogue once at load: ids well-formed and unique, every case has a source. */
export function assertCatalogue<Context>(cases: readonly CaseDefinition<Context>[]): void {
  const seen = new Set<string>();
  for (const c of cases) {
    if (!ID_PATTERN.test(c.id)) throw new Error(`case id "${c.id}" does not match ${ID_PATTERN}`);
    if (seen.has(c.id)) throw new Error(`case id "${c.id}" is defined twice`);
    seen.add(c.id);
    if (c.sources.length === 0) throw new Error(`case "${c.id}" names no source`);
  }
}

/** The implementation under test, as its driver or target declares it. */
export interface Implementation {
  kind: 'sdk' | 'engine';
  /** e.g. "iii-sdk (node)", "reference-engine", "ws://127.0.0.1:49134". */
  name: string;
  version: string;
  capabilities: readonly Capability[];
}

/** What the runner hands a context factory for one run of one case. */
export interface CaseRunEnvironment {
  caseId: string;
  /** Seed for everything random in the case (fast-check, generated ids, jitter sampling). */
  seed: number;
  tolerance: ToleranceModel;
  /** Folder the case may write its transcript and logs into (created by the runner). */
  artifactsDir: string;
  /** Aborted when the case times out; contexts stop their peers on it. */
  signal: AbortSignal;
  /** The case's `judgesTiming`: a context hands out LoadProbes only to such a case, and keeps the machine quiet for it. */
  judgesTiming?: boolean;
}

/** What a case leaves behind for the report and the repro bundle. */
export interface CaseArtifacts {
  transcriptFile?: string;
  /** Driver stderr, engine output: kept as text files beside the transcript. */
  logFiles?: string[];
  /** The fault schedule the case applied (plain JSON), for exact replay. */
  faultSchedule?: unknown;
}

export interface PreparedContext<Context> {
  ctx: Context;
  /** Flush transcripts and logs; called after run, also when it failed or timed out. */
  collect(): Promise<CaseArtifacts>;
  /** Stop every process, socket and timer the context started. Must be idempotent. */
  dispose(): Promise<void>;
}

export type ContextFactory<Context> = (env: CaseRunEnvironment) => Promise<PreparedContext<Context>>;

export interface CaseResult {
  id: string;
  title: string;
  level: Level;
  sources: CaseSource[];
  lane: 'fast' | 'slow';
  disagreement?: string;
  outcome: CaseOutcome;
  durationMs: number;
  seed: number;
  artifacts: CaseArtifacts;
}
