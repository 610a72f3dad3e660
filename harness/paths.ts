// Where the package's own files are, from any working directory and in either form it runs in: the
// TypeScript sources of a checkout (harness/paths.ts) or the compiled package (dist/harness/paths.js).
// Files that are not compiled (schemas, driver sources, baselines, report assets, set-up scripts) stay at
// the package root in both forms, so everything is located from that root, never from a module's own URL.

import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from './util/shell-quote.ts';

function findPackageRoot(): string {
  // The nearest folder above this module holding package.json: one level up from harness/, two from dist/harness/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`iii-conformance: no package.json above ${fileURLToPath(import.meta.url)}; the package is incomplete`);
    dir = parent;
  }
}

/** The folder holding the package's package.json (the checkout, or node_modules/iii-conformance). */
export const PACKAGE_ROOT = findPackageRoot();

/** A file or folder of the package, by its path from the package root. */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}

/** True when this code runs compiled (dist/), false when it runs from its TypeScript sources (tsx, vitest). */
export const RUNS_COMPILED = import.meta.url.endsWith('.js');

/**
 * How to run one of the package's own scripts (e.g. `specs/sdk/properties/replay.ts`) in a printed command:
 * compiled, its absolute path through node, which works from any directory and needs no TypeScript
 * loader; from a checkout's sources (tests, development), through tsx from the checkout's root.
 */
export function scriptCommand(sourcePath: string): string {
  if (!RUNS_COMPILED) return `npx tsx ${sourcePath}`;
  const compiled = packagePath('dist', sourcePath.replace(/\.ts$/, '.js'));
  return `node ${shellQuote(compiled)}`;
}

/** True when this package was installed into a project (it sits in a node_modules folder), not a checkout. */
export const INSTALLED = PACKAGE_ROOT.split(sep).includes('node_modules');

/** The driver set-up, as a command for messages: `npm run setup` in a checkout, the script itself when installed. */
export function setupCommand(only?: string): string {
  if (!INSTALLED) return only ? `npm run setup -- --only=${only}` : 'npm run setup';
  return `node ${shellQuote(packagePath('scripts', 'setup-drivers.mjs'))}${only ? ` --only=${only}` : ''}`;
}
