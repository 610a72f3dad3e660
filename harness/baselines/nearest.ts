// A version the harness has no baseline for (an unreleased working copy, a new release): find the
// nearest earlier baseline of the same implementation, so the run can name it (and, with
// --baseline-from nearest, use it) instead of silently counting its known failures as regressions.

import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Implementation } from '../cases/model.ts';
import { defaultBaselinePath } from './baseline.ts';

/** Release numbers first; a pre-release (0.23.0-rc.4, 0.23.0rc4) sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v?(\d+(?:\.\d+)*)(.*)$/.exec(v.trim());
    return { release: (m?.[1] ?? '0').split('.').map(Number), pre: (m?.[2] ?? v).replace(/[^A-Za-z0-9]/g, '').toLowerCase() };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.release.length, y.release.length); i++) {
    const d = (x.release[i] ?? 0) - (y.release[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === '') return 1;
  if (y.pre === '') return -1;
  return x.pre.localeCompare(y.pre, 'en', { numeric: true });
}

/** Every baseline file of this implementation (any version), with its version. */
export function baselinesOf(root: string, implementation: Pick<Implementation, 'name' | 'version'>): { path: string; version: string }[] {
  const own = defaultBaselinePath(root, implementation);
  const prefix = basename(own).slice(0, basename(own).lastIndexOf('@') + 1);
  let names: string[];
  try {
    names = readdirSync(dirname(own));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith('.json'))
    .map((name) => ({ path: join(dirname(own), name), version: name.slice(prefix.length, -'.json'.length) }));
}

/** The baseline file of the highest version below `implementation.version`, or undefined. */
export function nearestEarlierBaseline(root: string, implementation: Pick<Implementation, 'name' | 'version'>): { path: string; version: string } | undefined {
  let best: { path: string; version: string } | undefined;
  for (const b of baselinesOf(root, implementation)) {
    if (compareVersions(b.version, implementation.version) >= 0) continue;
    if (!best || compareVersions(b.version, best.version) > 0) best = b;
  }
  return best;
}
