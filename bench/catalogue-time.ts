// Catalogue wall time per target (SDK catalogue against the bundled Node, Python and Rust drivers; engine
// catalogue against the reference engine), fast lane, one repeat, run in this process through the same
// runner the CLI uses. Per target: wall time, the open (driver probe) time, the share of the wall time
// spent waiting on the harness's own timers (bench/support/timer-wait.ts says exactly what counts), and
// the share spent waiting for a driver to start: the union of every case's launch-to-ready intervals
// (specs/sdk/support/launch.ts driverWaitObservers) over the wall time. Per case: duration and timer wait.
//
// Baseline, same run: each SDK target is run twice, first as before issue 17 (--jobs 1 --cold-start: one
// case at a time, each driver started when its case asks), then as the CLI runs it by default (timing
// cases alone, the rest side by side, drivers from warm spares). --no-baseline skips the first. The Python
// driver, whose spares are forks of one loaded process (forkStart), is also run with spawned spares
// (--no-fork-start) between the two, so that the fork server's share is measured in the same run; the Node
// driver, whose SDK is loaded from one bundle of it, also with the SDK imported as installed
// (--no-sdk-bundle), for the bundle's share.
//
//   npm run bench catalogue-time
//   npm run bench catalogue-time -- --targets node,engine --top 8 --jobs 4
//
// Go: the Go module proxy serves no version of the Go SDK, so there is no registry build to time; a
// machine whose set-up points at a local checkout (III_GO_SDK_DIR) can add `go` to --targets.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installTimerWaitAccounting, timerWaitMs } from './support/timer-wait.ts';

installTimerWaitAccounting(100);

// Loaded after the timers are wrapped, so every module binds the wrapped functions.
const { sdkCatalogue } = await import('../specs/sdk/index.ts');
const { engineCatalogue } = await import('../specs/engine/index.ts');
const { runCatalogue } = await import('../harness/runner/run-catalogue.ts');
const { selectCases } = await import('../harness/runner/select.ts');
const { DEFAULT_TOLERANCE } = await import('../harness/timing/tolerance.ts');
const { driverWaitObservers } = await import('../specs/sdk/support/launch.ts');
const { DEFAULT_JOBS } = await import('../harness/cli/options.ts');
type ProgressSink = import('../harness/runner/progress.ts').ProgressSink;
type CaseDefinition = import('../harness/cases/model.ts').CaseDefinition<unknown>;

type Target = 'node' | 'python' | 'rust' | 'go' | 'engine';

interface CaseTime {
  id: string;
  verdict: string;
  durationMs: number;
  timerWaitMs: number;
}

interface RunMode {
  jobs: number;
  coldStart: boolean;
  /** false: spares are spawned even where the driver could fork them. */
  forkStart: boolean;
  /** false: the Node driver imports its SDK as installed instead of from one bundle. */
  sdkBundle: boolean;
}

interface TargetTime {
  target: Target;
  mode: RunMode;
  implementation: string;
  cases: number;
  wallMs: number;
  openMs: number;
  timerWaitMs: number;
  timerWaitShare: number;
  /** Union of the cases' driver launch-to-ready intervals, and its share of the wall time. */
  driverWaitMs?: number;
  driverWaitShare?: number;
  driverStarts?: { warm: number; cold: number };
  verdicts: Record<string, number>;
  slowest: CaseTime[];
  all: CaseTime[];
  error?: string;
}

/** Length of the union of intervals. */
function unionMs(intervals: readonly { from: number; to: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  let total = 0;
  let end = -Infinity;
  for (const { from, to } of sorted) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}

async function timeTarget(target: Target, top: number, mode: RunMode): Promise<TargetTime> {
  const catalogue = (target === 'engine' ? engineCatalogue : sdkCatalogue) as unknown as import('../harness/cases/catalogue.ts').Catalogue<unknown, unknown>;
  const spec = target === 'engine' ? { kind: 'reference' } : { kind: 'builtin', sdk: target };
  const { selected, skippedSlow } = selectCases(catalogue.cases as CaseDefinition[], [], false);
  const windows = new Map<string, { start: number; end: number }>();
  let firstCaseAt: number | undefined;
  const progress: ProgressSink = {
    begin() {},
    caseStarted(id) {
      const now = performance.now();
      firstCaseAt ??= now;
      windows.set(id, { start: now, end: now });
    },
    caseFinished(result) {
      const w = windows.get(result.id);
      if (w) w.end = performance.now();
    },
    end() {},
  };
  const artifactsRoot = await mkdtemp(join(tmpdir(), `iii-bench-${target}-`));
  const waits: { from: number; to: number; warm: boolean }[] = [];
  const observe = (w: { from: number; to: number; warm: boolean }): void => void waits.push(w);
  driverWaitObservers.add(observe);
  const started = performance.now();
  try {
    const run = await runCatalogue(catalogue, spec, {
      targetLabel: target,
      cases: selected,
      skippedSlow: skippedSlow.map((c) => c.id),
      repeat: 1,
      jobs: mode.jobs,
      coldStart: mode.coldStart,
      forkStart: mode.forkStart,
      sdkBundle: mode.sdkBundle,
      baseSeed: 1,
      tolerance: DEFAULT_TOLERANCE,
      artifactsRoot,
      progress,
    });
    const ended = performance.now();
    const all: CaseTime[] = run.cases.map((c) => {
      const w = windows.get(c.info.id);
      return {
        id: c.info.id,
        verdict: c.result.outcome.verdict,
        durationMs: c.result.durationMs,
        timerWaitMs: w ? Math.round(timerWaitMs(w.start, w.end)) : 0,
      };
    });
    const verdicts: Record<string, number> = {};
    for (const c of all) verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1;
    const wallMs = ended - started;
    const wait = timerWaitMs(started, ended);
    const result: TargetTime = {
      target,
      mode,
      implementation: run.implementation ? `${run.implementation.name} ${run.implementation.version}` : `not opened: ${run.setupError ?? '?'}`,
      cases: all.length,
      wallMs: Math.round(wallMs),
      openMs: Math.round((firstCaseAt ?? ended) - started),
      timerWaitMs: Math.round(wait),
      timerWaitShare: Math.round((wait / wallMs) * 1000) / 1000,
      verdicts,
      slowest: [...all].sort((a, b) => b.durationMs - a.durationMs).slice(0, top),
      all,
    };
    if (target !== 'engine') {
      const inCases = waits.filter((w) => w.from >= (firstCaseAt ?? ended));
      const union = unionMs(inCases);
      result.driverWaitMs = Math.round(union);
      result.driverWaitShare = Math.round((union / wallMs) * 1000) / 1000;
      result.driverStarts = { warm: inCases.filter((w) => w.warm).length, cold: inCases.filter((w) => !w.warm).length };
    }
    return result;
  } finally {
    driverWaitObservers.delete(observe);
    await rm(artifactsRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'node,python,rust,engine' },
      top: { type: 'string', default: '5' },
      out: { type: 'string' },
      jobs: { type: 'string', default: String(DEFAULT_JOBS) },
      'no-baseline': { type: 'boolean', default: false },
    },
    strict: false,
  });
  const targets = String(values.targets).split(',') as Target[];
  const top = Number(values.top);
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  const jobs = Number(values.jobs);
  const rows: TargetTime[] = [];
  // The bundled drivers that declare forkStart, and the one whose SDK is bundled.
  const forks = (t: Target): boolean => t === 'python';
  const bundles = (t: Target): boolean => t === 'node';
  const now: RunMode = { jobs, coldStart: false, forkStart: true, sdkBundle: true };
  const modes = (t: Target): RunMode[] =>
    t === 'engine' || values['no-baseline'] === true
      ? [now]
      : [
          { jobs: 1, coldStart: true, forkStart: false, sdkBundle: false },
          ...(forks(t) ? [{ ...now, forkStart: false }] : []),
          ...(bundles(t) ? [{ ...now, sdkBundle: false }] : []),
          now,
        ];
  const describeMode = (t: Target, mode: RunMode): string => {
    if (mode.coldStart) return 'cold, as installed';
    if (forks(t)) return mode.forkStart ? 'warm, forked' : 'warm, spawned';
    if (bundles(t)) return mode.sdkBundle ? 'warm, bundled' : 'warm, as installed';
    return 'warm';
  };
  for (const t of targets)
    for (const mode of modes(t)) {
      const row = await timeTarget(t, top, mode);
      rows.push(row);
      const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(x * 100).toFixed(0)} %`);
      console.log(
        `${t.padEnd(7)} ${describeMode(t, mode)} --jobs ${mode.jobs}: ${row.cases} cases in ${(row.wallMs / 1000).toFixed(1)} s (open ${row.openMs} ms) — timer wait ${(row.timerWaitMs / 1000).toFixed(1)} s = ${pct(row.timerWaitShare)} of wall` +
          (row.driverWaitMs === undefined
            ? ''
            : `; waiting for a driver ${(row.driverWaitMs / 1000).toFixed(1)} s = ${pct(row.driverWaitShare)} of wall (${row.driverStarts?.warm} warm, ${row.driverStarts?.cold} cold starts)`) +
          ` — ${Object.entries(row.verdicts)
            .map(([v, n]) => `${n} ${v}`)
            .join(', ')}`,
      );
      for (const c of row.slowest)
        console.log(`          ${String(c.durationMs).padStart(6)} ms (timer wait ${String(c.timerWaitMs).padStart(5)} ms) ${c.verdict.padEnd(13)} ${c.id}`);
    }
  const loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);
  const report = {
    benchmark: 'catalogue-time',
    description:
      'fast-lane catalogue wall time per target, in-process through runCatalogue; timer wait = union of fired harness timers >= 100 ms (bench/support/timer-wait.ts); driver wait = union of case driver launch-to-ready intervals; each SDK target first as before issue 17 (--jobs 1, cold starts), then side by side with warm spares (Python also with spawned spares, then forked ones; Node also with its SDK as installed, then bundled)',
    command: `npm run bench catalogue-time -- --targets ${targets.join(',')} --top ${top} --jobs ${jobs}${values['no-baseline'] === true ? ' --no-baseline' : ''}`,
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    loadAverage: { before: loadBefore, after: loadAfter },
    rows,
  };
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const outFile = typeof values.out === 'string' ? values.out : join(root, 'reports', 'bench', 'catalogue-time.json');
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify(report, null, 2) + '\n');
  console.log(`load ${loadBefore.join(' ')} -> ${loadAfter.join(' ')}; written to ${outFile}`);
}

await main();
