// Shared by the release-gate tests: the CLI as a user runs it (a child process of bin/), SDK source
// trees unpacked from the registries' own packages, and reading verdicts back from results.json.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DRIVERS_DIR, REPO_ROOT, readDriverStatus, readPinnedVersions } from '../../harness/targets/sdk/drivers.ts';

const exec = promisify(execFile);

/** Persistent between local runs (reruns reuse the builds); a CI checkout starts empty. */
export const TEST_CACHE = join(REPO_ROOT, '.cache', 'release-gate');

export interface CliResult {
  code: number;
  out: string;
  verdicts: Map<string, string>;
  results: { runs: { target: string; implementation: { version: string } | null; cases: { id: string; verdict: string }[] }[] };
}

/** Runs `iii-conformance <args>` from `cwd` with the test cache; reads the verdicts of results.json. */
export async function runCli(args: readonly string[], reportDir: string, cwd = REPO_ROOT, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const bin = join(REPO_ROOT, 'bin', 'iii-conformance.mjs');
  let code = 0;
  let out = '';
  try {
    const r = await exec(process.execPath, [bin, ...args, '--report-dir', reportDir], {
      cwd,
      env: { ...process.env, III_CONFORMANCE_CACHE: TEST_CACHE, NO_COLOR: '1', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    out = r.stdout + r.stderr;
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    code = typeof err.code === 'number' ? err.code : -1;
    out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
  const file = join(reportDir, 'results.json');
  const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CliResult['results']) : { runs: [] };
  const verdicts = new Map<string, string>();
  for (const run of results.runs) for (const c of run.cases) verdicts.set(results.runs.length > 1 ? `${run.target} ${c.id}` : c.id, c.verdict);
  return { code, out, verdicts, results };
}

export function driverReady(sdk: 'node' | 'python' | 'rust' | 'go'): boolean {
  return readDriverStatus()[sdk]?.available === true;
}

async function untar(archive: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  await exec('tar', ['xzf', archive, '-C', into]);
}

/** The folder a registry package unpacks to: its single top-level folder. */
function onlyChild(dir: string): string {
  const entries = readdirSync(dir);
  if (entries.length !== 1) throw new Error(`${dir} should hold one folder, holds ${entries.join(', ')}`);
  return join(dir, entries[0] as string);
}

/**
 * The pinned release's source tree, as its registry ships it: `npm pack` (npm tarball), `pip download
 * --no-binary` (PyPI sdist), or the .crate file cargo fetched from crates.io when the pinned driver was
 * built (crates.io's own package; the API host may be unreachable from CI while the index is not).
 */
export async function registryTree(sdk: 'node' | 'python' | 'rust', work: string): Promise<string> {
  const version = readPinnedVersions()[sdk].version as string;
  const downloads = join(work, `${sdk}-download`);
  await mkdir(downloads, { recursive: true });
  const tree = join(work, `${sdk}-tree`);
  if (sdk === 'node') {
    const { stdout } = await exec('npm', ['pack', `iii-sdk@${version}`, '--pack-destination', downloads, '--silent']);
    await untar(join(downloads, stdout.trim().split('\n').pop() as string), tree);
  } else if (sdk === 'python') {
    const python = join(DRIVERS_DIR, 'python', '.venv', 'bin', 'python');
    await exec(python, [
      '-m',
      'pip',
      'download',
      '--disable-pip-version-check',
      '-q',
      '--no-binary',
      ':all:',
      '--no-deps',
      `iii-sdk==${version}`,
      '-d',
      downloads,
    ]);
    await untar(join(downloads, readdirSync(downloads).find((f) => f.endsWith('.tar.gz')) as string), tree);
  } else {
    const cache = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'registry', 'cache');
    const crate = readdirSync(cache)
      .map((index) => join(cache, index, `iii-sdk-${version}.crate`))
      .find((f) => existsSync(f));
    if (!crate) throw new Error(`no iii-sdk-${version}.crate in ${cache}: build the pinned Rust driver first (npm run setup)`);
    await untar(crate, tree);
  }
  return onlyChild(tree);
}
