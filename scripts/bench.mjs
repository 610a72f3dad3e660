#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ (TypeScript through tsx), each in its own process.
// `npm run bench <name> [-- args]`: runs bench/<name>.ts alone with its own options. Results are written under reports/bench/ (ignored by git) and printed.
// Benchmarks are measurements, not tests: a run below its target exits non-zero but is never a test failure.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args[0] && !args[0].startsWith('-') ? args.shift() : undefined;
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .filter((f) => !only || f === only || f === `${only}.ts`);
if (benches.length === 0) {
  console.error(only ? `no benchmark named ${only} in bench/` : 'no benchmark in bench/');
  process.exit(2);
}
if (!only && args.length > 0) {
  // Each benchmark has its own options; they cannot be shared across all of them.
  console.error(
    `name the benchmark the options are for: npm run bench <name> -- ${args.join(' ')}  (one of: ${benches.map((b) => b.replace(/\.ts$/, '')).join(', ')})`,
  );
  process.exit(2);
}
let failed = 0;
for (const file of benches) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', file), ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
