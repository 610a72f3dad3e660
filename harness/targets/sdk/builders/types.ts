// What a driver is built from, and what every language's builder provides.

import type { DriverCommandLine } from '../drivers.ts';

/** The SDK a bundled driver runs: the pinned install (no source), a source tree, or a published version. */
export type SdkSource = { kind: 'tree'; dir: string } | { kind: 'published'; version: string };

export interface BuildContext {
  /** This build's own folder in the cache (empty at the start of a build). */
  dir: string;
  /** The cache's root, for state builds may share (Rust's target folder). */
  cacheRoot: string;
  /** The build log's file descriptor. */
  log: number;
}

export interface DriverBuilder {
  /** Toolchain versions (part of the cache key); throws BuildError naming what to install. */
  toolchain(): string;
  /** The bundled driver's own source files, relative to its folder in fixtures/drivers (part of the key). */
  driverFiles(): string[];
  /** Source folders outside the tree that its build reads (workspace packages it depends on): part of the key. */
  dependencyTrees?(source: SdkSource): string[];
  /** Builds into ctx.dir; resolves with the SDK version the build runs (from the tree or the registry). */
  build(source: SdkSource, ctx: BuildContext): Promise<string>;
  /** How to start the driver built in dir. */
  command(dir: string): DriverCommandLine;
}
