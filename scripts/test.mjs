#!/usr/bin/env node
// `npm test`: runs vitest and ends with the plain closing line CI reads
// ("vitest: N passed, N failed, N skipped"), since vitest's own summary is not in that form.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'reports', 'vitest-results.json');
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

child.on('exit', (code, signal) => {
  let exitCode = code ?? (signal ? 1 : 0);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
    if (r.numTotalTests === 0) {
      console.error('no test ran');
      exitCode = exitCode || 1;
    }
  } else {
    console.log('vitest: 0 passed, 1 failed');
    exitCode = exitCode || 1;
  }
  process.exit(exitCode);
});
