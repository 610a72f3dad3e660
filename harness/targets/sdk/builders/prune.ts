// Keeps the build cache from growing without end: every commit of an SDK checkout is a new key, and a Rust
// build folder is hundreds of MiB. After each new build, the builds of that SDK beyond the most recently
// used `keep` are removed, and so are builds that never finished; a build another process holds the lock
// of, or used in the last few minutes (a run may still be starting drivers from it), is left alone.

import { existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

/** Builds of one SDK kept by default ($III_CONFORMANCE_CACHE_KEEP overrides; 0 keeps everything). */
export const DEFAULT_KEEP = 4;
/** A build used this recently is never removed. */
const RECENT_MS = 10 * 60_000;
/** A build folder without its marker this old is a build that failed or was killed. */
const UNFINISHED_MS = 60 * 60_000;

export const MARKER = 'built.json';

/** Marks a build as used now (its marker's mtime is its last use). */
export function touchBuild(dir: string): void {
  const marker = join(dir, MARKER);
  const now = new Date();
  try {
    utimesSync(marker, now, now);
  } catch {
    // A read-only cache still works; it is only pruned less well.
  }
}

export function keepFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.III_CONFORMANCE_CACHE_KEEP;
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return DEFAULT_KEEP;
  return Number(raw);
}

function mtimeMs(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Removes the builds of `sdk` under `driversDir` beyond the `keep` most recently used, and unfinished ones;
 * returns the folders removed. `keep` 0 removes nothing.
 */
export function pruneBuilds(driversDir: string, sdk: string, keep: number, now = Date.now()): string[] {
  if (keep <= 0 || !existsSync(driversDir)) return [];
  const finished: { dir: string; used: number }[] = [];
  const removed: string[] = [];
  for (const entry of readdirSync(driversDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(`${sdk}-`)) continue;
    const dir = join(driversDir, entry.name);
    if (existsSync(`${dir}.lock`)) continue;
    const used = mtimeMs(join(dir, MARKER));
    if (used === undefined) {
      const made = mtimeMs(dir) ?? now;
      if (now - made > UNFINISHED_MS) removed.push(dir);
      continue;
    }
    finished.push({ dir, used });
  }
  finished.sort((a, b) => b.used - a.used);
  for (const b of finished.slice(keep)) if (now - b.used > RECENT_MS) removed.push(b.dir);
  for (const dir of removed) rmSync(dir, { recursive: true, force: true });
  return removed;
}
