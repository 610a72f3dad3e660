// The Node driver against a package directory or a published npm version. A tree is copied into the
// cache (its build output included); when its entry point is missing it is built there with its own
// `build` script; its runtime dependencies are installed in the copy. The driver finds it as
// node_modules/iii-sdk beside a copy of driver.mjs, exactly as it finds the pinned install.

import { copyFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVERS_DIR } from '../drivers.ts';
import { BuildError, copySourceTree, ensureDir, runLogged } from './cache.ts';
import { toolVersion } from './toolchain.ts';
import type { BuildContext, DriverBuilder, SdkSource } from './types.ts';

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  module?: string;
  exports?: unknown;
  scripts?: Record<string, string>;
}

function readPackage(dir: string): PackageJson {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) throw new BuildError(`${dir} has no package.json: give the folder of the Node SDK package (e.g. sdk/packages/node/iii)`);
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

/** The file `import 'iii-sdk'` loads, per the package's exports map (or module/main). */
function entryPoint(pkg: PackageJson): string | undefined {
  const root = typeof pkg.exports === 'object' && pkg.exports !== null ? ((pkg.exports as Record<string, unknown>)['.'] ?? pkg.exports) : pkg.exports;
  if (typeof root === 'string') return root;
  if (typeof root === 'object' && root !== null) {
    const r = root as Record<string, unknown>;
    for (const k of ['import', 'node', 'default']) if (typeof r[k] === 'string') return r[k] as string;
  }
  return pkg.module ?? pkg.main;
}

async function npm(args: string[], ctx: BuildContext, cwd: string, what: string): Promise<void> {
  const code = await runLogged('npm', args, { cwd, log: ctx.log });
  if (code !== 0) throw new BuildError(`${what} (npm ${args[0]}) exited ${code}`);
}

/** The Node driver and the worker commands it imports (shared with the browser driver's page). */
const DRIVER_FILES = ['driver.mjs', 'worker-commands.mjs'] as const;

export const nodeBuilder: DriverBuilder = {
  toolchain: () => `node ${process.versions.node.split('.')[0]} npm ${toolVersion('npm', ['--version'], 'install Node.js with npm')}`,
  driverFiles: () => [...DRIVER_FILES],
  async build(source: SdkSource, ctx: BuildContext): Promise<string> {
    for (const f of DRIVER_FILES) copyFileSync(join(DRIVERS_DIR, 'node', f), join(ctx.dir, f));
    if (source.kind === 'published') {
      writeFileSync(join(ctx.dir, 'package.json'), `${JSON.stringify({ private: true, type: 'module', dependencies: { 'iii-sdk': source.version } }, null, 2)}\n`);
      await npm(['install', ...NPM_QUIET], ctx, ctx.dir, `installing iii-sdk@${source.version} from npm`);
      return readPackage(join(ctx.dir, 'node_modules', 'iii-sdk')).version ?? source.version;
    }
    const pkg = readPackage(source.dir);
    const sdk = join(ctx.dir, 'sdk');
    copySourceTree(source.dir, sdk);
    const entry = entryPoint(pkg);
    if (entry === undefined) throw new BuildError(`${source.dir}/package.json names no entry point (exports, module or main)`);
    if (!existsSync(join(sdk, entry))) {
      // A working copy: no build output yet. Build it with its own script, in the copy.
      if (!pkg.scripts?.build) throw new BuildError(`${source.dir} has no ${entry} and no "build" script to make it`);
      await npm(['install', ...NPM_QUIET], ctx, sdk, `installing the build dependencies of ${source.dir}`);
      await npm(['run', 'build'], ctx, sdk, `building ${source.dir}`);
      if (!existsSync(join(sdk, entry))) throw new BuildError(`npm run build in a copy of ${source.dir} did not make ${entry}`);
    } else {
      await npm(['install', '--omit=dev', '--ignore-scripts', '--no-package-lock', ...NPM_QUIET], ctx, sdk, `installing the dependencies of ${source.dir}`);
    }
    ensureDir(join(ctx.dir, 'node_modules'));
    symlinkSync(sdk, join(ctx.dir, 'node_modules', 'iii-sdk'), 'dir');
    return pkg.version ?? 'unknown';
  },
  command: (dir) => ({ file: process.execPath, args: [join(dir, 'driver.mjs')], cwd: dir }),
};
