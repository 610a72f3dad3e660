#!/usr/bin/env node
// `npm run setup` (and the test run's global set-up): installs and builds the four SDK drivers in
// fixtures/drivers, pinned by fixtures/drivers/versions.json. Idempotent and cached: a driver whose
// sources, pins and toolchain are unchanged since its last good build is not rebuilt. A missing
// toolchain makes that target unavailable (with the reason) instead of failing, except when CI is set:
// then every target must be set up, or the run fails.
//
// Flags: --force (rebuild everything), --only=node,python (a subset), --quiet (only the summary).
// Env: III_GO_SDK_DIR=<checkout of sdk/packages/go/iii> builds the Go driver against that checkout: the
// same build as `iii-conformance sdk go --sdk-source <dir>` (harness/targets/sdk/builders/), in its cache.
// III_BROWSER_SDK_DIR=<checkout of sdk/packages/node/iii-browser> builds that tree for the browser driver.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserPlan } from '../fixtures/drivers/browser/build-sdk.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const driversDir = join(root, 'fixtures', 'drivers');
const cacheDir = join(root, '.cache', 'drivers');
const statusFile = join(cacheDir, 'status.json');
const lockFile = join(cacheDir, 'setup.lock');
const SDKS = ['node', 'python', 'rust', 'go', 'browser'];

const args = process.argv.slice(2);
const force = args.includes('--force');
const quiet = args.includes('--quiet');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice('--only='.length).split(',').filter(Boolean) : SDKS;
const inCI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

const say = (line) => {
  if (!quiet) console.log(line);
};

// ---------------------------------------------------------------------------------------------
// Helpers

function toolVersion(cmd, argv = ['--version']) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim().split('\n')[0];
}

function filesUnder(dir, accept) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (['node_modules', 'target', '.venv', 'bin', '__pycache__', '.git'].includes(entry.name)) continue;
      out.push(...filesUnder(p, accept));
    } else if (accept(entry.name)) out.push(p);
  }
  return out.sort();
}

function hashOf(parts, files) {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p}\0`);
  for (const f of files) {
    h.update(relative(root, f));
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

/** Runs a command, appending its output to the SDK's set-up log; resolves with the exit code. */
function run(cmd, argv, { cwd, env, log }) {
  return new Promise((resolve) => {
    writeSync(log, `\n$ ${cmd} ${argv.join(' ')}   (in ${relative(root, cwd) || '.'})\n`);
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
    child.on('error', (e) => {
      writeSync(log, `spawn error: ${e.message}\n`);
      resolve(127);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function tailOf(file, lines = 25) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

class Unavailable extends Error {}
class Failed extends Error {}

// ---------------------------------------------------------------------------------------------
// One function per SDK: returns { hash, artifact, build(log) -> sdkVersion }, or throws Unavailable.

const pins = JSON.parse(readFileSync(join(driversDir, 'versions.json'), 'utf8'));

function checkPin(sdk, file, pattern) {
  const text = readFileSync(join(driversDir, sdk, file), 'utf8');
  const want = pins[sdk].version;
  if (!pattern(want).test(text)) throw new Failed(`${sdk}/${file} does not pin ${pins[sdk].package} ${want} (versions.json); update one of them`);
}

const plans = {
  node() {
    const dir = join(driversDir, 'node');
    const npm = toolVersion('npm');
    if (!npm) throw new Unavailable('npm is not on PATH');
    checkPin('node', 'package.json', (v) => new RegExp(`"iii-sdk":\\s*"${v.replace(/\./g, '\\.')}"`));
    checkPin('node', 'package-lock.json', (v) => new RegExp(`"node_modules/iii-sdk":\\s*\\{\\s*"version":\\s*"${v.replace(/\./g, '\\.')}"`));
    const artifact = join(dir, 'node_modules', 'iii-sdk', 'package.json');
    return {
      hash: hashOf(
        [JSON.stringify(pins.node), process.versions.node.split('.')[0], npm],
        [join(dir, 'driver.mjs'), join(dir, 'package.json'), join(dir, 'package-lock.json')],
      ),
      artifact,
      async build(log) {
        const code = await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, log });
        if (code !== 0) throw new Failed(`npm ci exited ${code}`);
        return JSON.parse(readFileSync(artifact, 'utf8')).version;
      },
    };
  },

  python() {
    const dir = join(driversDir, 'python');
    const python = process.env.III_PYTHON ?? 'python3';
    const version = toolVersion(python);
    if (!version) throw new Unavailable(`${python} is not on PATH (set III_PYTHON to a Python >= 3.10)`);
    const [major, minor] = (version.match(/(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
    if (major !== 3 || minor < 10) throw new Unavailable(`${version} is too old: iii-sdk needs Python >= 3.10`);
    if (spawnSync(python, ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status !== 0) {
      throw new Unavailable(`${version} lacks the venv/ensurepip modules (Debian: apt-get install python3-venv)`);
    }
    checkPin('python', 'requirements.txt', (v) => new RegExp(`^iii-sdk==${v.replace(/\./g, '\\.')}$`, 'm'));
    const venvPython = join(dir, '.venv', 'bin', 'python');
    return {
      hash: hashOf([JSON.stringify(pins.python), version], [join(dir, 'driver.py'), join(dir, 'requirements.txt')]),
      artifact: venvPython,
      async build(log) {
        if (!existsSync(venvPython)) {
          const code = await run(python, ['-m', 'venv', '.venv'], { cwd: dir, log });
          if (code !== 0) throw new Failed(`python -m venv exited ${code}`);
        }
        const code = await run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', 'requirements.txt'], { cwd: dir, log });
        if (code !== 0) throw new Failed(`pip install exited ${code}`);
        const r = spawnSync(venvPython, ['-c', 'import importlib.metadata as m; print(m.version("iii-sdk"))'], { encoding: 'utf8' });
        return r.stdout.trim();
      },
    };
  },

  rust() {
    const dir = join(driversDir, 'rust');
    const cargo = toolVersion('cargo');
    const rustc = toolVersion('rustc');
    if (!cargo || !rustc) throw new Unavailable('cargo/rustc are not on PATH (install Rust with rustup, 1.85 or newer)');
    checkPin('rust', 'Cargo.toml', (v) => new RegExp(`iii-sdk\\s*=\\s*"=${v.replace(/\./g, '\\.')}"`));
    return {
      hash: hashOf([JSON.stringify(pins.rust), rustc], [...filesUnder(join(dir, 'src'), () => true), join(dir, 'Cargo.toml'), join(dir, 'Cargo.lock')]),
      artifact: join(dir, 'target', 'debug', 'iii-conformance-driver-rust'),
      async build(log) {
        const code = await run('cargo', ['build', '--locked', '--quiet'], { cwd: dir, log, env: { CARGO_TERM_COLOR: 'never' } });
        if (code !== 0) throw new Failed(`cargo build exited ${code}`);
        return pins.rust.version;
      },
    };
  },

  go(previous) {
    const dir = join(driversDir, 'go');
    const go = toolVersion('go', ['version']);
    if (!go) throw new Unavailable('go is not on PATH (install Go 1.24 or newer)');
    // A checkout named once is remembered (a later run without the variable keeps using it);
    // III_GO_SDK_DIR= (empty) forgets it.
    const remembered = previous?.localSdkDir && existsSync(previous.localSdkDir) ? previous.localSdkDir : undefined;
    const localSdk = process.env.III_GO_SDK_DIR === undefined ? remembered : process.env.III_GO_SDK_DIR || undefined;
    if (!pins.go.version && !localSdk) throw new Unavailable(pins.go.unpinnedReason ?? 'no Go SDK version is pinned in versions.json');
    const sources = [...filesUnder(dir, (n) => n.endsWith('.go')), join(dir, 'go.mod'), ...(existsSync(join(dir, 'go.sum')) ? [join(dir, 'go.sum')] : [])];
    const localFiles = localSdk
      ? filesUnder(localSdk, (n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum').filter((f) => !f.endsWith('_test.go'))
      : [];
    if (localSdk && localFiles.length === 0) throw new Unavailable(`III_GO_SDK_DIR=${localSdk} holds no Go sources`);
    return {
      localSdkDir: localSdk,
      hash: hashOf([JSON.stringify(pins.go), go, localSdk ?? ''], [...sources, ...localFiles]),
      artifact: join(dir, 'bin', 'iii-driver-go'),
      async build(log) {
        const out = join('bin', 'iii-driver-go');
        if (localSdk) {
          // The same build as `sdk go --sdk-source <dir>` (one rule, harness/targets/sdk/builders/go.ts), made in
          // the build cache; its binary is then copied into the pinned driver's slot for the test suite.
          // The compiled module when there is one (an installed package has no tsx), else the source via tsx.
          const compiled = new URL('../dist/harness/targets/sdk/builders/index.js', import.meta.url);
          const { buildDriver } = existsSync(compiled)
            ? await import(compiled.href)
            : await (await import('tsx/esm/api')).tsImport('../harness/targets/sdk/builders/index.ts', import.meta.url);
          const built = await buildDriver('go', { kind: 'tree', dir: localSdk }, (line) => writeSync(log, `${line}\n`));
          mkdirSync(join(dir, 'bin'), { recursive: true });
          copyFileSync(built.command.file, join(dir, out));
          return built.sdkVersion;
        }
        const code = await run('go', ['build', '-o', out, '.'], { cwd: dir, log });
        if (code !== 0) throw new Failed(`go build exited ${code}`);
        return pins.go.version;
      },
    };
  },

  browser(previous) {
    return browserPlan(previous, { driversDir, pins, hashOf, filesUnder, run, Unavailable, Failed });
  },
};

// ---------------------------------------------------------------------------------------------
// A lock, because several test runs may set up the same working tree at once.

async function withLock(fn) {
  mkdirSync(cacheDir, { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lockFile, 'utf8').trim() || 0);
      let alive = false;
      try {
        process.kill(holder, 0);
        alive = holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() - started > 20 * 60_000) throw new Error(`another set-up (pid ${holder}) has held ${lockFile} for 20 minutes`);
      if (Date.now() - started < 1500) say(`setup-drivers: waiting for the set-up running as pid ${holder}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const release = () => rmSync(lockFile, { force: true });
  process.once('exit', release);
  try {
    return await fn();
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------

async function setUp(sdk, previous) {
  const t0 = Date.now();
  const logPath = join(cacheDir, `${sdk}-setup.log`);
  let plan;
  try {
    plan = plans[sdk](previous[sdk]);
  } catch (e) {
    const kind = e instanceof Unavailable ? 'unavailable' : 'failed';
    return { sdk, outcome: kind, status: { available: false, reason: e.message }, ms: Date.now() - t0 };
  }
  const before = previous[sdk];
  if (!force && before?.available && before.hash === plan.hash && existsSync(plan.artifact)) {
    return { sdk, outcome: 'cached', status: before, ms: Date.now() - t0 };
  }
  const log = openSync(logPath, 'w');
  try {
    const sdkVersion = await plan.build(log);
    if (!existsSync(plan.artifact)) throw new Failed(`the build finished but ${relative(root, plan.artifact)} is missing`);
    const status = { available: true, sdkVersion, hash: plan.hash, ...(plan.localSdkDir ? { localSdkDir: plan.localSdkDir } : {}) };
    return { sdk, outcome: 'built', status, ms: Date.now() - t0 };
  } catch (e) {
    const reason = `${e.message}; see ${relative(root, logPath)}`;
    return { sdk, outcome: 'failed', status: { available: false, reason }, ms: Date.now() - t0, tail: tailOf(logPath) };
  } finally {
    closeSync(log);
  }
}

async function main() {
  const t0 = Date.now();
  const unknown = only.filter((s) => !SDKS.includes(s));
  if (unknown.length) throw new Error(`unknown SDK(s) in --only: ${unknown.join(', ')} (known: ${SDKS.join(', ')})`);
  return withLock(async () => {
    const previous = existsSync(statusFile) ? JSON.parse(readFileSync(statusFile, 'utf8')) : {};
    // The Rust build is the long pole (minutes on two cores): it runs beside the installs.
    const results = await Promise.all(only.map((sdk) => setUp(sdk, previous)));
    const status = { ...previous };
    for (const r of results) status[r.sdk] = r.status;
    writeFileSync(statusFile, `${JSON.stringify(status, null, 2)}\n`);

    for (const r of results) {
      const secs = (r.ms / 1000).toFixed(1);
      const what = r.status.available ? `${pins[r.sdk].package} ${r.status.sdkVersion}` : r.status.reason;
      say(`setup-drivers: ${r.sdk.padEnd(6)} ${r.outcome.padEnd(11)} ${secs.padStart(6)} s  ${what}`);
      if (r.tail) say(r.tail.replace(/^/gm, `    ${r.sdk} | `));
    }
    const total = ((Date.now() - t0) / 1000).toFixed(1);
    const ready = results.filter((r) => r.status.available).length;
    console.log(`setup-drivers: ${ready}/${results.length} drivers ready in ${total} s (${results.map((r) => `${r.sdk} ${r.outcome}`).join(', ')})`);

    const failed = results.filter((r) => r.outcome === 'failed');
    // In CI every target must be set up. The one exception is a target versions.json itself declares
    // unpinnable (no release exists to pin): it is reported above, loudly, on every run.
    const missingInCI = inCI ? results.filter((r) => r.outcome === 'unavailable' && !(pins[r.sdk].version === null && pins[r.sdk].unpinnedReason)) : [];
    // Outside CI a driver that could not be set up is only reported: its cases and smoke tests are
    // skipped with the reason, and the rest of the run goes ahead.
    if (inCI && (failed.length || missingInCI.length)) {
      const names = [...failed, ...missingInCI].map((r) => r.sdk).join(', ');
      console.error(`setup-drivers: ${names} could not be set up (CI requires every driver)`);
      return 1;
    }
    if (failed.length) console.error(`setup-drivers: ${failed.map((r) => r.sdk).join(', ')} failed to set up; their tests will be skipped`);
    return 0;
  });
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`setup-drivers: ${e.stack ?? e}`);
    process.exit(1);
  },
);
