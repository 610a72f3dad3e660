// Runs once before the test run: installs and builds the SDK drivers (scripts/setup-drivers.mjs), so that
// `npm test` stays the only command a user types. Cached: a warm run takes well under a second. A driver
// that cannot be set up here is reported and its tests are skipped with the reason; with CI set, the
// set-up script fails the run instead. III_SKIP_DRIVER_SETUP=1 skips it (drivers then use the last build).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export default async function setup(): Promise<void> {
  // The command the tests start (bin/iii-conformance.mjs) runs the compiled harness: bring dist/ up to date
  // first (incremental; about a second when nothing changed), so that no test runs yesterday's build.
  if (process.env.III_BUILD_DONE !== '1') {
    const build = spawnSync(process.execPath, [join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error(`the build (npm run build) failed (exit ${build.status ?? build.signal}); see the lines above`);
    process.env.III_BUILD_DONE = '1';
  }
  // Each vitest project runs the global set-up; the drivers need it once per run.
  if (process.env.III_SKIP_DRIVER_SETUP === '1' || process.env.III_DRIVER_SETUP_DONE === '1') return;
  const script = join(process.cwd(), 'scripts', 'setup-drivers.mjs');
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`driver set-up failed (exit ${r.status ?? r.signal}); see the lines above`);
  process.env.III_DRIVER_SETUP_DONE = '1';
}
