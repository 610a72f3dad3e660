// Where the bundled drivers live, how each is started, and whether the set-up step made it runnable.
// versions.json is the one place SDK versions are pinned; the set-up writes the status file.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, setupCommand } from '../../paths.ts';

export const BUILTIN_SDKS = ['node', 'python', 'rust', 'go', 'browser'] as const;
export type BuiltinSdk = (typeof BUILTIN_SDKS)[number];

/** The package root (harness/paths.ts); the name predates the installable package. */
export const REPO_ROOT = PACKAGE_ROOT;
export const DRIVERS_DIR = join(REPO_ROOT, 'fixtures', 'drivers');
export const VERSIONS_FILE = join(DRIVERS_DIR, 'versions.json');
/** Written by scripts/setup-drivers.mjs. */
export const STATUS_FILE = join(REPO_ROOT, '.cache', 'drivers', 'status.json');

export interface PinnedSdk {
  registry: 'npm' | 'pypi' | 'crates.io' | 'go-proxy';
  package: string;
  /** null when no release can be pinned (the reason is in `unpinnedReason`). */
  version: string | null;
  unpinnedReason?: string;
}

export function readPinnedVersions(): Record<BuiltinSdk, PinnedSdk> {
  return JSON.parse(readFileSync(VERSIONS_FILE, 'utf8')) as Record<BuiltinSdk, PinnedSdk>;
}

export interface DriverStatus {
  available: boolean;
  /** Why it is unavailable, in words that say what to do. */
  reason?: string;
  /** The SDK version the built driver runs (from the installed package, not only the pin). */
  sdkVersion?: string;
  /** Hash of the driver sources and pins the build was made from. */
  hash?: string;
  /** The source tree the set-up built the SDK from (III_GO_SDK_DIR, III_BROWSER_SDK_DIR). */
  localSdkDir?: string;
}

export function readDriverStatus(): Partial<Record<BuiltinSdk, DriverStatus>> {
  if (!existsSync(STATUS_FILE)) return {};
  try {
    return JSON.parse(readFileSync(STATUS_FILE, 'utf8')) as Partial<Record<BuiltinSdk, DriverStatus>>;
  } catch {
    return {};
  }
}

export interface DriverCommandLine {
  file: string;
  args: string[];
  cwd: string;
}

/** How to start each bundled driver once the set-up has run. */
export function builtinCommand(sdk: BuiltinSdk): DriverCommandLine {
  const dir = join(DRIVERS_DIR, sdk);
  switch (sdk) {
    case 'node':
      return { file: process.execPath, args: [join(dir, 'driver.mjs')], cwd: dir };
    case 'python':
      return { file: join(dir, '.venv', 'bin', 'python'), args: ['-u', join(dir, 'driver.py')], cwd: dir };
    case 'rust':
      return { file: join(dir, 'target', 'debug', 'iii-conformance-driver-rust'), args: [], cwd: dir };
    case 'go':
      return { file: join(dir, 'bin', 'iii-driver-go'), args: [], cwd: dir };
    case 'browser':
      // Runs the bundle the set-up built in the tree named by III_BROWSER_SDK_DIR.
      return { file: process.execPath, args: [join(dir, 'driver.mjs'), browserSdkDist()], cwd: dir };
  }
}

/** The dist folder of the browser SDK tree the set-up built ('' when none was). */
function browserSdkDist(): string {
  const tree = readDriverStatus().browser?.localSdkDir;
  return tree ? join(tree, 'dist') : '';
}

/** Thrown when a bundled driver cannot run here; the message says why and what to do. */
export class DriverUnavailableError extends Error {
  readonly unavailable = true as const;
  constructor(
    readonly sdk: string,
    readonly reason: string,
  ) {
    super(`SDK target ${sdk} is unavailable: ${reason}`);
    this.name = 'DriverUnavailableError';
  }
}

/** Checks the set-up status and the driver's files; throws DriverUnavailableError if it cannot start. */
export function assertBuiltinAvailable(sdk: BuiltinSdk): DriverCommandLine {
  const status = readDriverStatus()[sdk];
  if (status && !status.available) throw new DriverUnavailableError(sdk, status.reason ?? 'the set-up could not prepare it');
  const command = builtinCommand(sdk);
  const needed =
    sdk === 'node'
      ? join(DRIVERS_DIR, 'node', 'node_modules', 'iii-sdk', 'package.json')
      : sdk === 'browser'
        ? join(command.args[1] ?? '', 'index.mjs')
        : command.file;
  if (!existsSync(needed)) throw new DriverUnavailableError(sdk, `${needed} is missing; run \`${setupCommand(sdk)}\``);
  return command;
}
