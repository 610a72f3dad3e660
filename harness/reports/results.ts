// results.json: the machine-readable record of one invocation, described by schemas/results.schema.json.
// One document can hold several runs (the default job runs the SDK side and the engine side); `report`
// merges several documents into one HTML matrix. Paths inside are relative to the document's folder, so a
// report folder can be moved or uploaded as a CI artifact as it is.

import { readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { dirname, relative, resolve, isAbsolute } from 'node:path';
import type { CaseSource, Capability, Finding, Implementation, Level, TimingSample, Verdict } from '../cases/model.ts';
import type { CaseStatus, GateReport, StaleEntry } from '../baselines/gate.ts';
import type { CatalogueRun } from '../runner/types.ts';
import { toJsonSafe } from './json-safe.ts';
import { JSON_DEPTH_LIMIT, pruneDeep } from '../util/json-depth.ts';

export const RESULTS_FORMAT = 'iii-conformance-results';
export const RESULTS_VERSION = 1;

export interface AttemptRecord {
  verdict: Verdict;
  summary: string;
  durationMs: number;
  timings?: TimingSample[];
  transcript?: string;
}

export interface CaseRecord {
  id: string;
  title: string;
  level: Level;
  lane: 'fast' | 'slow';
  sources: CaseSource[];
  requires: Capability[];
  disagreement?: string;
  verdict: Verdict;
  /** What the verdict means for the exit code (baseline and --strict applied). */
  status: CaseStatus;
  summary: string;
  expected?: unknown;
  actual?: unknown;
  durationMs: number;
  seed: number;
  timings: TimingSample[];
  findings: Finding[];
  /** Relative to the folder of results.json. */
  transcript?: string;
  logs?: string[];
  faultSchedule?: unknown;
  flaky: boolean;
  attempts: AttemptRecord[];
  baselineReason?: string;
  /** Folder of the repro bundle (relative), for every case that did not pass. */
  repro?: string;
  /** The command that reruns just this case. */
  rerun?: string;
  /** The command that replays the case's transcript against the same target. */
  replay?: string;
}

export interface RunRecord {
  side: 'sdk' | 'engine';
  target: string;
  implementation: Implementation | null;
  setupError?: string;
  identityMismatch?: string;
  baseline?: { file: string; entries: number };
  startedAt: string;
  durationMs: number;
  skippedSlow: string[];
  counts: Record<Verdict, number> & { total: number; flaky: number };
  cases: CaseRecord[];
}

export interface ResultsDocument {
  $schema?: string;
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  runId: string;
  harness: { name: string; version: string; node: string; platform: string };
  startedAt: string;
  finishedAt: string;
  seed: number;
  /** The command line as typed (after `iii-conformance`). */
  command: string[];
  /** `shard`: this document holds part `index` of `count` of the selected cases (`--shard i/n`). */
  options: { strict: boolean; repeat: number; jobs?: number; timeScale: number; slow: boolean; cases: string[]; shard?: { index: number; count: number } };
  runs: RunRecord[];
  gate: {
    exitCode: number;
    regressions: string[];
    stale: StaleEntry[];
    undecided: string[];
    harnessErrors: string[];
    knownFailures: string[];
    flaky: string[];
  };
}

export interface BuildResultsInput {
  runId: string;
  harnessVersion: string;
  startedAt: string;
  seed: number;
  command: string[];
  options: ResultsDocument['options'];
  runs: readonly CatalogueRun[];
  gate: GateReport;
  baselines: readonly ({ path: string; entries: Map<string, string> } | undefined)[];
  /** Folder results.json is written to: artifact paths are made relative to it. */
  reportDir: string;
  /** Per run, per case id: the repro bundle folder and rerun command, when one was written. */
  repro?: readonly Map<string, { dir: string; command: string; replay?: string }>[];
  /** Per run: the identity the implementation claimed disagrees with the target named. */
  identityMismatches?: readonly (string | undefined)[];
}

export function buildResults(input: BuildResultsInput): ResultsDocument {
  const rel = (p: string | undefined) => (p === undefined ? undefined : relativePath(input.reportDir, p));
  const runs = input.runs.map((run, i): RunRecord => {
    const statuses = input.gate.statuses[i] ?? new Map<string, CaseStatus>();
    const baseline = input.baselines[i];
    const cases = run.cases.map((c): CaseRecord => {
      const o = c.result.outcome;
      const repro = input.repro?.[i]?.get(c.info.id);
      const transcript = rel(c.result.artifacts.transcriptFile);
      const logs = c.result.artifacts.logFiles?.map((f) => rel(f) as string);
      const reason = baseline?.entries.get(c.info.id);
      return {
        id: c.info.id,
        title: c.info.title,
        level: c.info.level,
        lane: c.info.lane,
        sources: c.info.sources,
        requires: c.info.requires,
        ...(c.info.disagreement ? { disagreement: c.info.disagreement } : {}),
        verdict: o.verdict,
        status: statuses.get(c.info.id) ?? 'pass',
        summary: o.summary,
        ...(o.expected !== undefined ? { expected: toJsonSafe(o.expected) } : {}),
        ...(o.actual !== undefined ? { actual: toJsonSafe(o.actual) } : {}),
        durationMs: c.result.durationMs,
        seed: c.result.seed,
        timings: o.timings ?? [],
        findings: toJsonSafe(o.findings ?? []) as Finding[],
        ...(transcript ? { transcript } : {}),
        ...(logs && logs.length > 0 ? { logs } : {}),
        ...(c.result.artifacts.faultSchedule !== undefined ? { faultSchedule: toJsonSafe(c.result.artifacts.faultSchedule) } : {}),
        flaky: c.flaky,
        attempts: c.attempts.map((a) => {
          const t = rel(a.artifacts.transcriptFile);
          return {
            verdict: a.outcome.verdict,
            summary: a.outcome.summary,
            durationMs: a.durationMs,
            ...(a.outcome.timings && a.outcome.timings.length > 0 ? { timings: a.outcome.timings } : {}),
            ...(t ? { transcript: t } : {}),
          };
        }),
        ...(reason !== undefined ? { baselineReason: reason } : {}),
        ...(repro ? { repro: rel(repro.dir) as string, rerun: repro.command, ...(repro.replay ? { replay: repro.replay } : {}) } : {}),
      };
    });
    return {
      side: run.side,
      target: run.target,
      implementation: run.implementation,
      ...(run.setupError !== undefined ? { setupError: run.setupError } : {}),
      ...(input.identityMismatches?.[i] ? { identityMismatch: input.identityMismatches[i] } : {}),
      ...(baseline ? { baseline: { file: baseline.path, entries: baseline.entries.size } } : {}),
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      skippedSlow: run.skippedSlow,
      counts: countVerdicts(cases),
      cases,
    };
  });
  const ids = (refs: { id: string }[]) => refs.map((r) => r.id);
  return {
    $schema: 'https://iii.dev/schemas/iii-conformance/results.schema.json',
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    runId: input.runId,
    harness: { name: 'iii-conformance', version: input.harnessVersion, node: process.version, platform: `${process.platform}-${process.arch}` },
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    seed: input.seed,
    command: input.command,
    options: input.options,
    runs,
    gate: {
      exitCode: input.gate.exitCode,
      regressions: ids(input.gate.regressions),
      stale: input.gate.stale,
      undecided: ids(input.gate.undecided),
      harnessErrors: ids(input.gate.harnessErrors),
      knownFailures: ids(input.gate.knownFailures),
      flaky: ids(input.gate.flaky),
    },
  };
}

export function countVerdicts(cases: readonly Pick<CaseRecord, 'verdict' | 'flaky'>[]): RunRecord['counts'] {
  const counts = { total: cases.length, flaky: 0, PASS: 0, FAIL: 0, UNSUPPORTED: 0, INDETERMINATE: 0, ERROR: 0 };
  for (const c of cases) {
    counts[c.verdict]++;
    if (c.flaky) counts.flaky++;
  }
  return counts;
}

export async function writeResults(path: string, doc: ResultsDocument): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
}

export class ResultsReadError extends Error {}

/** A results.json larger than this is refused before it is read (a real one of 140 cases is ~1 MB). */
export const RESULTS_MAX_BYTES = 64 * 1024 * 1024;

/** Reads and checks a results.json (schema-validated), for `report` and for replay of a bundle. */
export async function readResults(path: string): Promise<ResultsDocument> {
  return (await readResultsWithNotes(path)).doc;
}

/**
 * Like `readResults`, and says what it had to leave out: values nested deeper than JSON_DEPTH_LIMIT
 * (a handed-in file may nest 200,000 deep; recursive code, JSON.stringify included, would overflow).
 */
export async function readResultsWithNotes(path: string): Promise<{ doc: ResultsDocument; notes: string[] }> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > RESULTS_MAX_BYTES) throw new ResultsReadError(`${path} is ${size} bytes, over the ${RESULTS_MAX_BYTES}-byte limit for a results.json`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof ResultsReadError) throw e;
    throw new ResultsReadError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ResultsReadError(`${path} is not JSON; pass the results.json written by a run`);
  }
  const pruned = pruneDeep(data, JSON_DEPTH_LIMIT);
  const notes = pruned.map((pointer) => `${pointer} nests deeper than ${JSON_DEPTH_LIMIT} levels; left out`);
  const { validateResults } = await import('./results-schema.ts');
  const problems = validateResults(data);
  if (problems.length > 0) {
    throw new ResultsReadError(`${path} is not an iii-conformance results.json: ${problems.slice(0, 3).join('; ')}`);
  }
  return { doc: data as ResultsDocument, notes };
}

function relativePath(from: string, p: string): string {
  const abs = isAbsolute(p) ? p : resolve(p);
  return relative(resolve(from), abs).split('\\').join('/');
}
