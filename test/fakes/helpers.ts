// Shared plumbing for the fake-peer tests: every peer a test opens is closed in afterEach, and the
// test fails if a socket, server or timer outlives it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { FakeEngine, type FakeEngineOptions } from '../../harness/fake-engine/index.ts';
import { FakeWorker, type FakeWorkerOptions } from '../../harness/fake-worker/index.ts';
import type { TranscriptRecord } from '../../harness/transcript/index.ts';

type Handle = { constructor?: { name?: string } };
const getHandles = (): Handle[] => (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles();

/** Sockets, servers and timers alive right now (stdio and the vitest worker's own pipes included). */
export function liveHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const h of getHandles()) {
    const name = h.constructor?.name ?? 'unknown';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Waits (up to 2 s) until no kind of handle is above the baseline; then asserts it. */
export async function expectNoLeaks(baseline: Map<string, number>): Promise<void> {
  const excess = (): string[] =>
    [...liveHandles()].filter(([name, n]) => n > (baseline.get(name) ?? 0)).map(([name, n]) => `${name}: ${n} > ${baseline.get(name) ?? 0}`);
  for (let i = 0; i < 40 && excess().length > 0; i++) await new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setTimeout(r, 50)));
  expect(excess(), 'handles left open by the test').toEqual([]);
}

/** A temporary folder for the whole file: made in beforeAll, removed in afterAll; `dir()` is its path. */
export function useTempDir(prefix: string): { dir(): string } {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return { dir: () => dir };
}

/**
 * Per-test peers: `peers.engine()` / `peers.worker(url)` open them; afterEach closes all and checks
 * that nothing (socket, server, timer) was left behind and that no peer recorded a harness error.
 */
export function usePeers(): {
  engine(options?: FakeEngineOptions): Promise<FakeEngine>;
  worker(url: string, options?: FakeWorkerOptions): Promise<FakeWorker>;
} {
  let engines: FakeEngine[] = [];
  let workers: FakeWorker[] = [];
  let baseline = new Map<string, number>();
  beforeEach(() => {
    engines = [];
    workers = [];
    baseline = liveHandles();
  });
  afterEach(async () => {
    for (const w of workers) w.terminate();
    for (const e of engines) await e.close();
    for (const e of engines) {
      expect(e.pendingTimers, 'engine timers after close').toBe(0);
      expect(harnessErrors(e.transcript.records), 'harness errors').toEqual([]);
    }
    for (const w of workers) expect(harnessErrors(w.transcript.records), 'harness errors').toEqual([]);
    await expectNoLeaks(baseline);
  });
  return {
    async engine(options) {
      const e = await FakeEngine.start(options);
      engines.push(e);
      return e;
    },
    async worker(url, options) {
      const w = await FakeWorker.connect(url, options);
      workers.push(w);
      return w;
    },
  };
}

export function harnessErrors(records: readonly TranscriptRecord[]): string[] {
  return records.filter((r) => r.kind === 'event' && r.event === 'harness-error').map((r) => (r.kind === 'event' ? (r.message ?? '') : ''));
}

/** Throws with the recorded messages when a peer recorded a harness error (readable inside properties). */
export function assertNoHarnessErrors(records: readonly TranscriptRecord[]): void {
  const errors = harnessErrors(records);
  if (errors.length > 0) throw new Error(`the harness recorded ${errors.length} error(s): ${errors.map((e) => e.split('\n')[0]).join('; ')}`);
}
