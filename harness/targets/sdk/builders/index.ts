// Builds a bundled driver against a source tree or a published version, once per content: the cache
// key is the hash of the tree (or the version), the driver's sources and the toolchain, so a change to
// either rebuilds and nothing else does. `npm run setup` keeps building the pinned drivers in
// fixtures/drivers; everything else lands in the cache (cacheRoot()).

import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuiltinSdk, DriverCommandLine } from '../drivers.ts';
import { DRIVERS_DIR } from '../drivers.ts';
import { BuildError, cacheRoot, contentHash, ensureDir, lockBuild, readJsonFile, sourceFiles, tailOf, writeJson } from './cache.ts';
import { browserBuilder } from './browser.ts';
import { goBuilder } from './go.ts';
import { nodeBuilder } from './node.ts';
import { pythonBuilder } from './python.ts';
import { rustBuilder } from './rust.ts';
import { keepFromEnv, MARKER, pruneBuilds, touchBuild } from './prune.ts';
import type { DriverBuilder, SdkSource } from './types.ts';

export type { SdkSource } from './types.ts';
export { BuildError, cacheRoot } from './cache.ts';

const BUILDERS: Record<BuiltinSdk, DriverBuilder> = { node: nodeBuilder, python: pythonBuilder, rust: rustBuilder, go: goBuilder, browser: browserBuilder };

/** Bump when a builder's output layout changes, so old cache entries are not reused. */
const LAYOUT = 1;

export interface BuiltDriver {
  command: DriverCommandLine;
  /** The SDK version the build runs (from the tree or the registry). */
  sdkVersion: string;
  /** This build's folder in the cache (its build.log is there). */
  dir: string;
  /** false when an earlier build with the same key was reused. */
  built: boolean;
}

interface Marker {
  layout: number;
  sdkVersion: string;
}

/** In-process memo: launching a driver per case must not hash the tree again. A failed build keeps its reason. */
const prepared = new Map<string, BuiltDriver | { error: string }>();

export function sourceKey(sdk: BuiltinSdk, source: SdkSource): string {
  return `${sdk}\0${source.kind}\0${source.kind === 'tree' ? resolve(source.dir) : source.version}`;
}

function checkTree(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new BuildError(`--sdk-source ${dir} is not a folder`);
}

/**
 * Builds (or finds in the cache) the driver of `sdk` for `source`; `say` gets one line per step. A failure
 * is also remembered, so that launching the target later reports it as the target's set-up error.
 */
export async function buildDriver(sdk: BuiltinSdk, source: SdkSource, say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<BuiltDriver> {
  try {
    return await buildOrReuse(sdk, source, say, env);
  } catch (e) {
    prepared.set(sourceKey(sdk, source), { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}

async function buildOrReuse(sdk: BuiltinSdk, source: SdkSource, say: (line: string) => void, env: NodeJS.ProcessEnv): Promise<BuiltDriver> {
  const builder = BUILDERS[sdk];
  if (source.kind === 'tree') checkTree(source.dir);
  const toolchain = builder.toolchain();
  const driverDir = join(DRIVERS_DIR, sdk);
  const trees = [{ root: driverDir, files: builder.driverFiles() }];
  if (source.kind === 'tree') trees.push({ root: resolve(source.dir), files: sourceFiles(resolve(source.dir)) });
  for (const dep of builder.dependencyTrees?.(source) ?? []) trees.push({ root: dep, files: sourceFiles(dep) });
  const hash = contentHash([String(LAYOUT), sdk, toolchain, source.kind, source.kind === 'published' ? source.version : ''], trees);
  const root = cacheRoot(env);
  const dir = join(root, 'drivers', `${sdk}-${source.kind === 'published' ? source.version.replace(/[^A-Za-z0-9.+-]/g, '_') : 'src'}-${hash}`);
  const markerFile = join(dir, MARKER);
  ensureDir(join(root, 'drivers'));
  const release = await lockBuild(`${dir}.lock`, (pid) => say(`waiting for the build of the same ${sdk} driver running as pid ${pid}`));
  try {
    let built = false;
    if (!existsSync(markerFile)) {
      rmSync(dir, { recursive: true, force: true });
      ensureDir(dir);
      const what = source.kind === 'tree' ? `the source tree ${source.dir}` : `iii-sdk ${source.version} from the registry`;
      say(`building the ${sdk} driver against ${what} (cache: ${dir})`);
      const logFile = join(dir, 'build.log');
      const log = openSync(logFile, 'w');
      try {
        const sdkVersion = await builder.build(source, { dir, cacheRoot: root, log });
        writeJson(markerFile, { layout: LAYOUT, sdkVersion } satisfies Marker);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        throw new BuildError(`${message}; see ${logFile}${tailOf(logFile) ? `\n${tailOf(logFile).replace(/^/gm, '    ')}` : ''}`);
      } finally {
        closeSync(log);
      }
      built = true;
    }
    const marker = readJsonFile(markerFile) as Marker;
    touchBuild(dir);
    const result: BuiltDriver = { command: builder.command(dir), sdkVersion: marker.sdkVersion, dir, built };
    prepared.set(sourceKey(sdk, source), result);
    return result;
  } finally {
    release();
    const keep = keepFromEnv(env);
    const removed = pruneBuilds(join(root, 'drivers'), sdk, keep);
    if (removed.length > 0)
      say(
        `removed ${removed.length} older ${sdk} build${removed.length === 1 ? '' : 's'} from the cache (it keeps the ${keep} most recently used; III_CONFORMANCE_CACHE_KEEP=0 keeps all)`,
      );
  }
}

/** The driver built for `source` earlier in this process, if any. */
export function preparedDriver(sdk: BuiltinSdk, source: SdkSource): BuiltDriver | { error: string } | undefined {
  return prepared.get(sourceKey(sdk, source));
}
