// Catalogue wall time per target (SDK catalogue against the bundled Node, Python and Rust drivers; engine
// catalogue against the reference engine), fast lane, one repeat, run in this process through the same
// runner the CLI uses. Per target: wall time, the open (driver probe) time, and the share of the wall time
// spent waiting on the harness's own timers (bench/support/timer-wait.ts says exactly what counts); per
// case: duration and timer wait, so the slowest cases and what they wait on are visible.
//
// Baselines, same run: the timer-wait share is itself a ratio of the wall time; and for SDK targets, the
// cost of starting a driver to `ready` and stopping it (median of 3), times the number of cases, as the
// share of the wall time that is process start-up (every SDK case starts a fresh driver).
//
//   npm run bench catalogue-time
//   npm run bench catalogue-time -- --targets node,engine --top 8
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
const { launchCaseDriver, targetLaunchSpec } = await import('../specs/sdk/support/launch.ts');
const { FakeEngine } = await import('../harness/fake-engine/index.ts');
type ProgressSink = import('../harness/runner/progress.ts').ProgressSink;
type CaseDefinition = import('../harness/cases/model.ts').CaseDefinition<unknown>;

type Target = 'node' | 'python' | 'rust' | 'go' | 'engine';

interface CaseTime {
  id: string;
  verdict: string;
  durationMs: number;
  timerWaitMs: number;
}

interface TargetTime {
  target: Target;
  implementation: string;
  cases: number;
  wallMs: number;
  openMs: number;
  timerWaitMs: number;
  timerWaitShare: number;
  driverStartStopMs?: number;
  driverStartShare?: number;
  verdicts: Record<string, number>;
  slowest: CaseTime[];
  all: CaseTime[];
  error?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Start a bundled driver against a fresh fake engine until `ready`, then stop it: the per-case floor. */
async function driverStartStopMs(sdk: 'node' | 'python' | 'rust' | 'go'): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const engine = await FakeEngine.start();
    const t0 = performance.now();
    try {
      const d = await launchCaseDriver(targetLaunchSpec({ kind: 'builtin', sdk }), { url: engine.url, worker: {}, readyTimeoutMs: 30_000 });
      await engine.waitForConnection({ timeoutMs: 30_000 });
      await d.stop();
      times.push(performance.now() - t0);
    } finally {
      await engine.close();
    }
  }
  return median(times);
}

async function timeTarget(target: Target, top: number): Promise<TargetTime> {
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
  const started = performance.now();
  try {
    const run = await runCatalogue(catalogue, spec, {
      targetLabel: target,
      cases: selected,
      skippedSlow: skippedSlow.map((c) => c.id),
      repeat: 1,
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
    if (target !== 'engine' && run.implementation) {
      const perCase = await driverStartStopMs(target);
      result.driverStartStopMs = Math.round(perCase);
      result.driverStartShare = Math.round(((perCase * all.length) / wallMs) * 1000) / 1000;
    }
    return result;
  } finally {
    await rm(artifactsRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { targets: { type: 'string', default: 'node,python,rust,engine' }, top: { type: 'string', default: '5' }, out: { type: 'string' } },
    strict: false,
  });
  const targets = String(values.targets).split(',') as Target[];
  const top = Number(values.top);
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  const rows: TargetTime[] = [];
  for (const t of targets) {
    const row = await timeTarget(t, top);
    rows.push(row);
    const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(x * 100).toFixed(0)} %`);
    console.log(
      `${t.padEnd(7)} ${row.cases} cases in ${(row.wallMs / 1000).toFixed(1)} s (open ${row.openMs} ms) — timer wait ${(row.timerWaitMs / 1000).toFixed(1)} s = ${pct(row.timerWaitShare)} of wall` +
        (row.driverStartStopMs === undefined ? '' : `; driver start+stop ${row.driverStartStopMs} ms x ${row.cases} = ${pct(row.driverStartShare)} of wall`) +
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
      'fast-lane catalogue wall time per target, in-process through runCatalogue; timer wait = union of fired harness timers >= 100 ms (bench/support/timer-wait.ts)',
    command: `npm run bench catalogue-time -- --targets ${targets.join(',')} --top ${top}`,
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
