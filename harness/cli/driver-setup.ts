// The README's first command must work on a fresh clone after `npm ci`: when a bundled driver (node,
// python, rust, go) has not been set up yet, the run sets up that one driver first (the same script as
// `npm run setup`, limited to it) instead of failing every case with "run npm run setup". A driver
// built against a source tree or a published version is built (or found in the cache) the same way.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SetupError } from './errors.ts';
import { PACKAGE_ROOT, setupCommand } from '../paths.ts';
import type { OutputStream } from '../runner/progress.ts';
import type { SdkSource } from '../targets/sdk/builders/types.ts';

export type BuiltinSdk = 'node' | 'python' | 'rust' | 'go' | 'browser';

/** Resolves when the driver can start; sets it up once if it cannot; throws SetupError if set-up fails. */
export async function ensureBuiltinDriver(sdk: BuiltinSdk, out: OutputStream): Promise<void> {
  const { assertBuiltinAvailable, DriverUnavailableError } = await import('../targets/sdk/drivers.ts');
  const check = (): string | undefined => {
    try {
      assertBuiltinAvailable(sdk);
      return undefined;
    } catch (e) {
      if (e instanceof DriverUnavailableError) return e.reason;
      throw e;
    }
  };
  if (check() === undefined) return;
  out.write(`The bundled ${sdk} driver is not set up yet: setting it up once (${setupCommand(sdk)})...\n`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'scripts', 'setup-drivers.mjs'), `--only=${sdk}`], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.write(d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => out.write(d.toString('utf8')));
    child.on('error', () => resolve(-1));
    child.on('close', (c) => resolve(c ?? -1));
  });
  const still = check();
  if (still !== undefined) {
    throw new SetupError(`the bundled ${sdk} driver could not be set up (set-up exit ${code}): ${still}. Run \`${setupCommand(sdk)}\` to see why.`);
  }
}

/**
 * Builds a bundled driver against a source tree or a published version (cached; see
 * harness/targets/sdk/builders/). A failed build is printed and remembered: the target then opens with
 * that reason as its set-up error, and the other targets of the run still run.
 */
export async function ensureSourceDriver(sdk: BuiltinSdk, source: SdkSource, out: OutputStream, env: NodeJS.ProcessEnv): Promise<void> {
  const { buildDriver, BuildError } = await import('../targets/sdk/builders/index.ts');
  try {
    const built = await buildDriver(sdk, source, (line) => out.write(`${line}\n`), env);
    const from = source.kind === 'tree' ? `built from ${source.dir}` : `iii-sdk ${source.version}`;
    out.write(`${sdk} driver ready (${from}, SDK version ${built.sdkVersion}${built.built ? '' : ', cached'}): ${built.dir}\n`);
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    out.write(`the ${sdk} driver could not be built: ${e.message}\n`);
  }
}
