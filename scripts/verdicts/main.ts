// `npm run verdicts -- record [--out DIR] [--seeds 1,2,3] [node python rust engine]`
//   runs the whole fast-lane catalogue against each target (the pinned SDK drivers, the reference engine)
//   once per seed, through the built command (bin/iii-conformance.mjs; built first, so that a stale dist/
//   is never what gets recorded), and writes DIR/<target>.json (scripts/verdicts/snapshot.ts).
// `npm run verdicts -- compare <before> <after>`
//   two snapshot files, or two folders (every <target>.json of the first, matched by name); prints each
//   case that differs and exits 1 on a difference, 2 on unreadable input.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSnapshot, compareSnapshots, formatComparison, parseSnapshot, serialiseSnapshot, type RecordedRun, type ResultsExcerpt } from './snapshot.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGETS: Record<string, string[]> = {
  node: ['sdk', 'node'],
  python: ['sdk', 'python'],
  rust: ['sdk', 'rust'],
  engine: ['engine'],
};
const DEFAULT_SEEDS = [1, 2, 3];

function git(args: string[]): string {
  return spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
}

function record(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, seeds: { type: 'string' } } });
  const targets = positionals.length > 0 ? positionals : Object.keys(TARGETS);
  const unknown = targets.filter((t) => !TARGETS[t]);
  if (unknown.length > 0) {
    console.error(`verdicts: unknown target ${unknown.join(', ')} (one of ${Object.keys(TARGETS).join(', ')})`);
    return 2;
  }
  const seeds = values.seeds ? values.seeds.split(',').map(Number) : DEFAULT_SEEDS;
  if (seeds.some((s) => !Number.isSafeInteger(s) || s < 0)) {
    console.error('verdicts: --seeds takes comma-separated non-negative integers');
    return 2;
  }
  const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    console.error(`verdicts: the build (npm run build) failed (exit ${build.status ?? build.signal})`);
    return 4;
  }
  const out = values.out ?? join(root, 'reports', 'verdicts');
  mkdirSync(out, { recursive: true });
  const commit = git(['rev-parse', 'HEAD']) + (git(['status', '--porcelain', '--untracked-files=no']) ? '+dirty' : '');
  const work = mkdtempSync(join(tmpdir(), 'iii-verdicts-'));
  try {
    for (const target of targets) {
      const runs: RecordedRun[] = [];
      for (const seed of seeds) {
        const reportDir = join(work, `${target}-${seed}`);
        const loadBefore = loadavg()[0] ?? 0;
        const started = performance.now();
        // The exit code is the gate's (1 on a known SDK defect outside the baseline, 2 on INDETERMINATE): the verdicts are in results.json.
        const r = spawnSync(
          process.execPath,
          [join(root, 'bin', 'iii-conformance.mjs'), ...(TARGETS[target] ?? []), '--seed', String(seed), '--report-dir', reportDir],
          { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
        );
        const durationMs = Math.round(performance.now() - started);
        const resultsFile = join(reportDir, 'results.json');
        if (!existsSync(resultsFile)) {
          console.error(`verdicts: ${target} seed ${seed} wrote no results.json (exit ${r.status ?? r.signal})`);
          return 4;
        }
        const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as ResultsExcerpt;
        const setupError = results.runs[0]?.setupError;
        runs.push({
          results,
          run: { seed, durationMs, loadBefore: round2(loadBefore), loadAfter: round2(loadavg()[0] ?? 0), ...(setupError ? { setupError } : {}) },
        });
        console.log(
          `${target} seed ${seed}: ${(durationMs / 1000).toFixed(1)} s, load ${round2(loadBefore)} → ${round2(loadavg()[0] ?? 0)}, ${tally(results)}`,
        );
      }
      const snapshot = buildSnapshot({ commit, recordedAt: new Date().toISOString(), runs });
      writeFileSync(join(out, `${target}.json`), serialiseSnapshot(snapshot));
      console.log(`wrote ${join(out, `${target}.json`)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return 0;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function tally(results: ResultsExcerpt): string {
  const counts = new Map<string, number>();
  for (const c of results.runs[0]?.cases ?? []) counts.set(c.verdict, (counts.get(c.verdict) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
}

/** A snapshot is a few kilobytes; a file far larger is not one, and is not read into memory. */
const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;
function readBounded(file: string): string {
  if (statSync(file).size > MAX_SNAPSHOT_BYTES) throw new Error(`${file}: over ${MAX_SNAPSHOT_BYTES} bytes, not a snapshot`);
  return readFileSync(file, 'utf8');
}

function compare(argv: string[]): number {
  const [before, after] = argv;
  if (!before || !after || argv.length !== 2) {
    console.error('usage: npm run verdicts -- compare <before.json|dir> <after.json|dir>');
    return 2;
  }
  const pairs: [string, string][] = [];
  try {
    if (statSync(before).isDirectory()) {
      for (const f of readdirSync(before)
        .filter((n) => n.endsWith('.json'))
        .sort())
        pairs.push([join(before, f), join(after, f)]);
      if (pairs.length === 0) throw new Error(`${before}: no snapshot (*.json) in it`);
    } else pairs.push([before, after]);
  } catch (e) {
    console.error(`verdicts: ${(e as Error).message}`);
    return 2;
  }
  let failed = false;
  for (const [b, a] of pairs) {
    try {
      const c = compareSnapshots(parseSnapshot(readBounded(b), b), parseSnapshot(readBounded(a), a));
      for (const line of formatComparison(c, { before: b, after: a })) console.log(line);
      failed ||= c.failed;
    } catch (e) {
      console.error(`verdicts: ${basename(b)}: ${(e as Error).message}`);
      return 2;
    }
  }
  return failed ? 1 : 0;
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'record') process.exitCode = record(rest);
else if (command === 'compare') process.exitCode = compare(rest);
else {
  console.error('usage: npm run verdicts -- record [--out DIR] [--seeds 1,2,3] [node python rust engine] | compare <before> <after>');
  process.exitCode = 2;
}
