// Stability: runs the CLI's default job (SDK catalogue against the bundled Node SDK, engine catalogue
// against the reference engine, fast lane) with `--repeat N` and counts flaky cases: a case whose verdict
// changed between repeats. Zero is the target. Also summarises an existing run (`--from results.json`),
// e.g. the 20-repeat run in BENCHMARKS.md. Baseline, same run: each case's attempts are compared with its
// own first attempt, and the wall time with N times the first repeat's share.
//
//   npm run bench stability                              (--repeat 3 on the CI subset, under ~3 minutes)
//   npm run bench stability -- --repeat 20 --full        (the whole fast lane, ~35 minutes on 2 busy cores)
//   npm run bench stability -- --from reports/<run>/results.json
//
// Exits 1 when any case is flaky, so CI can run it as a step.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * The CI subset: every case that judges wall-clock time or races a timer on the SDK side (timeouts,
 * reconnection, backoff, heartbeat, 50 concurrent invocations), and the whole engine catalogue.
 */
export const CI_CASES = ['sdk.timeout', 'sdk.reconnect', 'sdk.backoff', 'sdk.heartbeat', 'sdk.invocation.concurrent', 'engine.**'];

interface Attempt {
  verdict: string;
  durationMs: number;
}
interface ResultCase {
  id: string;
  verdict: string;
  flaky: boolean;
  attempts?: Attempt[];
}
interface ResultsFile {
  seed: number;
  command?: string;
  runs: { side: string; target: string; durationMs: number; cases: ResultCase[] }[];
}

export interface StabilitySummary {
  repeat: number;
  cases: number;
  attempts: number;
  flaky: { id: string; verdicts: string[] }[];
  /** Verdict counts over every attempt. */
  verdicts: Record<string, number>;
  perSide: { side: string; target: string; cases: number; durationMs: number }[];
}

export function summarise(results: ResultsFile): StabilitySummary {
  const verdicts: Record<string, number> = {};
  const flaky: StabilitySummary['flaky'] = [];
  let attempts = 0;
  let cases = 0;
  let repeat = 1;
  for (const run of results.runs) {
    for (const c of run.cases) {
      cases++;
      const list = c.attempts ?? [{ verdict: c.verdict, durationMs: 0 }];
      repeat = Math.max(repeat, list.length);
      attempts += list.length;
      for (const a of list) verdicts[a.verdict] = (verdicts[a.verdict] ?? 0) + 1;
      const distinct = [...new Set(list.map((a) => a.verdict))];
      if (c.flaky || distinct.length > 1) flaky.push({ id: c.id, verdicts: list.map((a) => a.verdict) });
    }
  }
  return {
    repeat,
    cases,
    attempts,
    flaky,
    verdicts,
    perSide: results.runs.map((r) => ({ side: r.side, target: r.target, cases: r.cases.length, durationMs: r.durationMs })),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repeat: { type: 'string', default: '3' },
      full: { type: 'boolean', default: false },
      from: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: false,
  });
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  let resultsFile: string;
  let wallMs: number | null = null;
  let command: string;
  let exitCode: number | null = null;
  if (typeof values.from === 'string') {
    resultsFile = resolve(values.from);
    command = `npm run bench stability -- --from ${values.from}`;
  } else {
    const repeat = Number(values.repeat);
    const reportDir = join(root, 'reports', `stability-repeat${repeat}${values.full ? '' : '-ci'}`);
    const args = [
      '--repeat',
      String(repeat),
      '--report-dir',
      reportDir,
      ...(typeof values.seed === 'string' ? ['--seed', values.seed] : []),
      ...(values.full ? [] : CI_CASES.flatMap((c) => ['--case', c])),
    ];
    command = `npx iii-conformance ${args.map((a) => (a.includes('*') ? `'${a}'` : a)).join(' ')}`;
    console.log(`stability: ${command}`);
    const started = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'iii-conformance.mjs'), ...args], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CI: process.env.CI ?? '1' },
    });
    wallMs = performance.now() - started;
    exitCode = r.status;
    resultsFile = join(reportDir, 'results.json');
  }
  if (!existsSync(resultsFile)) {
    console.error(`stability: no results at ${resultsFile}`);
    process.exit(2);
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as ResultsFile;
  const s = summarise(results);
  const loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);
  const report = {
    benchmark: 'stability',
    command,
    resultsFile,
    date: new Date().toISOString(),
    loadAverage: { before: loadBefore, after: loadAfter },
    wallMs: wallMs === null ? null : Math.round(wallMs),
    cliExitCode: exitCode,
    seed: results.seed,
    ...s,
  };
  const outFile = typeof values.out === 'string' ? values.out : join(root, 'reports', 'bench', `stability-repeat${s.repeat}.json`);
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify(report, null, 2) + '\n');
  console.log(
    `stability: ${s.cases} cases x ${s.repeat} repeats = ${s.attempts} verdicts (${Object.entries(s.verdicts)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ')}); ` +
      `${s.flaky.length} flaky${s.flaky.length ? `: ${s.flaky.map((f) => `${f.id} [${f.verdicts.join(' ')}]`).join('; ')}` : ''}` +
      `${wallMs === null ? '' : `; wall ${(wallMs / 1000).toFixed(1)} s`}; load ${loadBefore.join(' ')} -> ${loadAfter.join(' ')}; written to ${outFile}`,
  );
  if (s.flaky.length > 0) process.exitCode = 1;
}

await main();
