// The Node driver against a package directory or a published npm version. A tree is copied into the
// cache (its build output included); when its entry point is missing it is built there with its own
// `build` script; its runtime dependencies are installed in the copy. The driver finds it as
// node_modules/iii-sdk beside a copy of driver.mjs, exactly as it finds the pinned install. Dependencies
// given with `workspace:` (a monorepo's) are packed from the workspace around the tree (npm-workspace.ts).

import { copyFileSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVERS_DIR } from '../drivers.ts';
import { BuildError, copySourceTree, ensureDir, runLogged } from './cache.ts';
import { pointAtTarballs, workspaceClosure } from './npm-workspace.ts';
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

/** Every file a package's exports map (types aside), module and main point at. */
function entryFiles(pkg: PackageJson): string[] {
  const files: string[] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string') {
      if (key !== 'types') files.push(v);
    } else if (typeof v === 'object' && v !== null) for (const [k, w] of Object.entries(v)) walk(w, k);
  };
  walk(pkg.exports, '');
  for (const f of [pkg.module, pkg.main]) if (f) files.push(f);
  return files;
}

/**
 * Packs the workspace packages the tree depends on through `workspace:` (dependencies first), each from
 * a copy built with its own script when its build output is missing; resolves with name → tarball.
 */
async function packWorkspaceDependencies(tree: string, ctx: BuildContext): Promise<Map<string, string>> {
  const tarballs = new Map<string, string>();
  for (const [i, dep] of workspaceClosure(tree).entries()) {
    const copy = join(ctx.dir, 'workspace', String(i));
    copySourceTree(dep.dir, copy);
    pointAtTarballs(copy, tarballs);
    const pkg = readPackage(copy);
    const missing = entryFiles(pkg).filter((f) => !existsSync(join(copy, f)));
    if (missing.length > 0) {
      if (!pkg.scripts?.build) throw new BuildError(`${dep.dir} (workspace package ${dep.name}) has no ${missing[0]} and no "build" script to make it`);
      await npm(['install', ...NPM_QUIET], ctx, copy, `installing the build dependencies of ${dep.dir}`);
      await npm(['run', 'build'], ctx, copy, `building ${dep.dir}`);
    }
    const dest = join(ctx.dir, 'workspace', `${i}-packed`);
    ensureDir(dest);
    await npm(['pack', '--ignore-scripts', '--pack-destination', dest, ...NPM_QUIET], ctx, copy, `packing ${dep.dir}`);
    const tarball = readdirSync(dest).find((n) => n.endsWith('.tgz'));
    if (!tarball) throw new BuildError(`npm pack of ${dep.dir} made no tarball`);
    tarballs.set(dep.name, join(dest, tarball));
  }
  return tarballs;
}

/** The Node driver and the worker commands it imports (shared with the browser driver's page). */
const DRIVER_FILES = ['driver.mjs', 'worker-commands.mjs'] as const;

export const nodeBuilder: DriverBuilder = {
  toolchain: () => `node ${process.versions.node.split('.')[0]} npm ${toolVersion('npm', ['--version'], 'install Node.js with npm')}`,
  driverFiles: () => [...DRIVER_FILES],
  dependencyTrees: (source) => (source.kind === 'tree' ? workspaceClosure(source.dir).map((d) => d.dir) : []),
  async build(source: SdkSource, ctx: BuildContext): Promise<string> {
    for (const f of DRIVER_FILES) copyFileSync(join(DRIVERS_DIR, 'node', f), join(ctx.dir, f));
    if (source.kind === 'published') {
      writeFileSync(
        join(ctx.dir, 'package.json'),
        `${JSON.stringify({ private: true, type: 'module', dependencies: { 'iii-sdk': source.version } }, null, 2)}\n`,
      );
      await npm(['install', ...NPM_QUIET], ctx, ctx.dir, `installing iii-sdk@${source.version} from npm`);
      return readPackage(join(ctx.dir, 'node_modules', 'iii-sdk')).version ?? source.version;
    }
    const pkg = readPackage(source.dir);
    const sdk = join(ctx.dir, 'sdk');
    copySourceTree(source.dir, sdk);
    const tarballs = await packWorkspaceDependencies(source.dir, ctx);
    if (tarballs.size > 0) pointAtTarballs(sdk, tarballs);
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
