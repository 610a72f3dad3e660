// Start-up: how long `iii-conformance --help` and an argument error (`iii-conformance sdk nosuch`) take,
// as whole processes started from a folder outside the package, against a bare `node -e 0` measured in
// the same run (the floor no Node command can beat on this machine right now). For reference, the same
// `--help` through tsx, as the command started before it shipped compiled JavaScript (cached and not).
// Target: each of the two answers within 0.3 s of the bare node start (median over the repetitions).
//
// The commands run in turn, in a rotating order, so that a change of load hits each of them alike.
//
//   npm run bench startup
//   npm run bench startup -- --repeat 30

import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../harness/paths.ts';

const TARGET_OVER_NODE_MS = 300;

interface Subject {
  name: string;
  /** What a user types; the bench runs the same thing with the absolute paths below. */
  shown: string;
  args: string[];
  expectedExit: number;
  /** Judged against the target (the reference rows are not). */
  judged: boolean;
  env?: Record<string, string>;
}

const BIN = join(PACKAGE_ROOT, 'bin', 'iii-conformance.mjs');
const TSX_HELP = ['--import', join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs'), join(PACKAGE_ROOT, 'harness', 'cli', 'main.ts'), '--help'];
const SUBJECTS: Subject[] = [
  { name: 'node', shown: 'node -e 0', args: ['-e', '0'], expectedExit: 0, judged: false },
  { name: 'help', shown: 'iii-conformance --help', args: [BIN, '--help'], expectedExit: 0, judged: true },
  { name: 'argument-error', shown: 'iii-conformance sdk nosuch', args: [BIN, 'sdk', 'nosuch'], expectedExit: 3, judged: true },
  // The start-up before the package shipped compiled JavaScript: tsx compiling the sources, with its
  // transform cache warm (a second start) and without it (a first start, or a cache tsx threw away).
  { name: 'tsx-help-cached', shown: 'tsx main.ts --help (cached)', args: TSX_HELP, expectedExit: 0, judged: false },
  { name: 'tsx-help-uncached', shown: 'tsx main.ts --help (no cache)', args: TSX_HELP, expectedExit: 0, judged: false, env: { TSX_DISABLE_CACHE: '1' } },
];

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (x: number): number => Math.round(x * 10) / 10;

function stats(values: readonly number[]): { n: number; median: number; p90: number; min: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, median: round(quantile(s, 0.5)), p90: round(quantile(s, 0.9)), min: round(s[0] ?? NaN), max: round(s[s.length - 1] ?? NaN) };
}

/** Wall time of one whole process, from spawn to exit, in ms. */
function timeOnce(subject: Subject, cwd: string): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, subject.args, { cwd, stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...subject.env } });
  const ms = performance.now() - started;
  if (r.status !== subject.expectedExit) throw new Error(`${subject.shown}: exit ${r.status ?? r.signal}, expected ${subject.expectedExit}`);
  return ms;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repeat: { type: 'string', default: '20' }, out: { type: 'string' } }, strict: false });
  const repeat = Number(values.repeat);
  // The command runs dist/: bring it up to date first (incremental, about a second when nothing changed).
  const build = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PACKAGE_ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build failed');

  const cwd = tmpdir(); // any folder but the package's own
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  for (const s of SUBJECTS) timeOnce(s, cwd); // warm the file cache; not counted
  const samples = new Map<string, number[]>(SUBJECTS.map((s) => [s.name, []]));
  for (let i = 0; i < repeat; i++) {
    for (let k = 0; k < SUBJECTS.length; k++) {
      const s = SUBJECTS[(i + k) % SUBJECTS.length]!;
      samples.get(s.name)!.push(timeOnce(s, cwd));
    }
  }
  const loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);

  const node = stats(samples.get('node')!);
  const rows = SUBJECTS.map((s) => {
    const st = stats(samples.get(s.name)!);
    return {
      name: s.name,
      command: s.shown,
      ...st,
      overNodeMedianMs: round(st.median - node.median),
      overNodeP90Ms: round(st.p90 - node.p90),
      judged: s.judged,
    };
  });
  const meetsTarget = rows.filter((r) => r.judged).every((r) => r.overNodeMedianMs <= TARGET_OVER_NODE_MS);
  const report = {
    benchmark: 'startup',
    description: 'wall time of whole processes started from a folder outside the package, against `node -e 0` in the same run',
    command: `npm run bench startup -- --repeat ${repeat}`,
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    loadAverage: { before: loadBefore, after: loadAfter },
    repeat,
    cwd,
    targetOverNodeMs: TARGET_OVER_NODE_MS,
    meetsTarget,
    rows,
    samplesMs: Object.fromEntries([...samples].map(([k, v]) => [k, v.map(round)])),
  };
  const outFile = typeof values.out === 'string' ? values.out : join(PACKAGE_ROOT, 'reports', 'bench', 'startup.json');
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify(report, null, 2) + '\n');

  console.log(`startup (${report.node}, ${report.cpu}), ${repeat} runs each from ${cwd}, load ${loadBefore.join(' ')} -> ${loadAfter.join(' ')}`);
  for (const r of rows)
    console.log(
      `  ${r.command.padEnd(30)} median ${String(r.median).padStart(6)} ms  p90 ${String(r.p90).padStart(6)} ms` +
        (r.name === 'node' ? '   (baseline)' : `   over node: median ${r.overNodeMedianMs} ms, p90 ${r.overNodeP90Ms} ms`),
    );
  console.log(
    `${meetsTarget ? 'meets' : 'misses'} target: --help and an argument error within ${TARGET_OVER_NODE_MS} ms of node -e 0 (median); written to ${outFile}`,
  );
  if (!meetsTarget) process.exitCode = 1;
}

await main();
