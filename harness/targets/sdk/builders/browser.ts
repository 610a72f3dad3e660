// The browser driver against a source tree of iii-browser-sdk (not on npm, so there is no published
// version to install). The tree is copied into the cache and built there with its own dependencies and
// build script, as its maintainers build it; the user's tree is never written. The driver itself stays
// in fixtures/drivers/browser and serves the built dist/ to the page it opens in headless Chromium.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVERS_DIR, readPinnedVersions } from '../drivers.ts';
import { BuildError, copySourceTree, runLogged } from './cache.ts';
import { toolVersion } from './toolchain.ts';
import type { BuildContext, DriverBuilder, SdkSource } from './types.ts';

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];
const CHROMIUM = process.env.III_CONFORMANCE_CHROMIUM ?? '/usr/bin/chromium';
const DRIVER_DIR = join(DRIVERS_DIR, 'browser');

interface PackageJson {
  name?: string;
  version?: string;
  scripts?: Record<string, string>;
}

function readTreePackage(dir: string): PackageJson {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) throw new BuildError(`${dir} has no package.json: give the folder of the browser SDK (sdk/packages/node/iii-browser)`);
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

async function npm(args: string[], ctx: BuildContext, cwd: string, what: string): Promise<void> {
  const code = await runLogged('npm', args, { cwd, log: ctx.log });
  if (code !== 0) throw new BuildError(`${what} (npm ${args[0]}) exited ${code}`);
}

export const browserBuilder: DriverBuilder = {
  toolchain: () => {
    if (!existsSync(CHROMIUM)) throw new BuildError(`${CHROMIUM} is not installed (Debian: apt-get install -y chromium), so the browser driver cannot run`);
    return `node ${process.versions.node.split('.')[0]} npm ${toolVersion('npm', ['--version'], 'install Node.js with npm')}`;
  },
  driverFiles: () => readdirSync(DRIVER_DIR).filter((n) => n.endsWith('.mjs')),
  async build(source: SdkSource, ctx: BuildContext): Promise<string> {
    if (source.kind === 'published')
      throw new BuildError(
        `${readPinnedVersions().browser.package} is not published on npm: give its source tree with --sdk-source <checkout of sdk/packages/node/iii-browser>`,
      );
    const pkg = readTreePackage(source.dir);
    const expected = readPinnedVersions().browser.package;
    if (pkg.name !== expected) throw new BuildError(`${source.dir} holds ${pkg.name ?? 'a package without a name'}, not ${expected}`);
    if (!pkg.scripts?.build) throw new BuildError(`${source.dir}/package.json has no build script`);
    const sdk = join(ctx.dir, 'sdk');
    copySourceTree(source.dir, sdk);
    await npm(['install', '--no-package-lock', ...NPM_QUIET], ctx, sdk, `installing the build dependencies of ${source.dir}`);
    await npm(['run', 'build'], ctx, sdk, `building ${source.dir}`);
    if (!existsSync(join(sdk, 'dist', 'index.mjs'))) throw new BuildError(`npm run build in a copy of ${source.dir} did not make dist/index.mjs`);
    return pkg.version ?? 'unknown';
  },
  command: (dir) => ({ file: process.execPath, args: [join(DRIVER_DIR, 'driver.mjs'), join(dir, 'sdk', 'dist')], cwd: DRIVER_DIR }),
};
