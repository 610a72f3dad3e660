// The build cache is pruned after each new build: per SDK, the most recently used builds are kept, older ones
// and unfinished ones go; a locked build and one used in the last minutes stay whatever their rank.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { keepFromEnv, MARKER, pruneBuilds } from '../../harness/targets/sdk/builders/prune.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const HOUR = 3_600_000;
let drivers: string;

beforeEach(() => {
  drivers = mkdtempSync(join(tmpdir(), 'iii-prune-'));
});
afterEach(() => rmSync(drivers, { recursive: true, force: true }));

/** A build folder last used `ago` ms before NOW (finished: with its marker), or made then (unfinished). */
function build(name: string, ago: number, finished = true): string {
  const dir = join(drivers, name);
  mkdirSync(dir);
  const at = new Date(NOW - ago);
  if (finished) {
    writeFileSync(join(dir, MARKER), '{}');
    utimesSync(join(dir, MARKER), at, at);
  }
  utimesSync(dir, at, at);
  return dir;
}

const left = () =>
  ['node-src-a', 'node-src-b', 'node-0.22.1-c', 'node-src-d', 'node-src-e', 'rust-src-f', 'node-src-g', 'node-src-h'].filter((n) =>
    existsSync(join(drivers, n)),
  );

describe('pruneBuilds', () => {
  it('keeps the most recently used builds of the SDK and removes the rest; other SDKs are untouched', () => {
    build('node-src-a', 1 * HOUR);
    build('node-src-b', 5 * HOUR);
    build('node-0.22.1-c', 2 * HOUR);
    build('node-src-d', 30 * HOUR);
    build('rust-src-f', 99 * HOUR);
    const removed = pruneBuilds(drivers, 'node', 2, NOW)
      .map((d) => basename(d))
      .sort();
    expect(removed).toEqual(['node-src-b', 'node-src-d']);
    expect(left()).toEqual(['node-src-a', 'node-0.22.1-c', 'rust-src-f']);
  });

  it('leaves a locked build and one used minutes ago, removes an unfinished one only when it is old', () => {
    build('node-src-a', 1 * HOUR);
    build('node-src-b', 2 * HOUR);
    writeFileSync(join(drivers, 'node-src-b.lock'), '123');
    build('node-src-d', 3 * 60_000);
    build('node-src-e', 3 * HOUR, false);
    build('node-src-g', 5 * 60_000, false);
    build('node-src-h', 4 * HOUR);
    const removed = pruneBuilds(drivers, 'node', 1, NOW)
      .map((d) => basename(d))
      .sort();
    // keep 1: node-src-d is the most recent; a (1 h) and h (4 h) go; b is locked; e is an hour-old leftover; g may still be building.
    expect(removed).toEqual(['node-src-a', 'node-src-e', 'node-src-h']);
    expect(left()).toEqual(['node-src-b', 'node-src-d', 'node-src-g']);
  });

  it('keeps everything with keep 0, and reads keep from III_CONFORMANCE_CACHE_KEEP', () => {
    build('node-src-a', 10 * HOUR);
    build('node-src-b', 20 * HOUR);
    expect(pruneBuilds(drivers, 'node', 0, NOW)).toEqual([]);
    expect(left()).toEqual(['node-src-a', 'node-src-b']);
    expect(keepFromEnv({ III_CONFORMANCE_CACHE_KEEP: '0' })).toBe(0);
    expect(keepFromEnv({ III_CONFORMANCE_CACHE_KEEP: '7' })).toBe(7);
    expect(keepFromEnv({ III_CONFORMANCE_CACHE_KEEP: 'lots' })).toBe(4);
    expect(keepFromEnv({})).toBe(4);
  });
});
