// The assertions every hostile run shares: a verdict inside the case's timeout, memory within a stated
// bound, and nothing left behind (no child process, no process group, no socket, no timer).

import { expect } from 'vitest';
import { eventually, snapshot } from './support.ts';
import type { HostileRun } from './run-hostile.ts';

/**
 * runCase's timer bounds the case body; collecting artifacts and stopping the drivers come after it
 * (SIGTERM, then SIGKILL after the 2 s driver grace, 3 s for a launched engine), so the verdict arrives
 * within the case's timeout plus this clean-up allowance.
 */
export const CLEANUP_ALLOWANCE_MS = 6000;

export interface MemoryBound {
  /** Peak RSS growth of the harness process during the run (MiB). */
  rssPeakMiB: number;
  /** Heap still held after the run and a full GC (MiB). */
  heapRetainedMiB: number;
}

/** `allowPass`: the misbehaviour is the driver's or engine's process, not the protocol (named in a finding). */
export function expectVerdictsInTime(run: HostileRun, options: { allowPass?: boolean } = {}): void {
  for (const { result, timeoutMs } of run.results) {
    if (!options.allowPass) expect(result.outcome.verdict, `${result.id}: ${result.outcome.summary}`).not.toBe('PASS');
    expect(result.durationMs, `${result.id} took ${result.durationMs} ms (timeout ${timeoutMs} ms)`).toBeLessThanOrEqual(timeoutMs + CLEANUP_ALLOWANCE_MS);
  }
}

export function expectMemoryWithin(run: HostileRun, bound: MemoryBound): void {
  expect(run.rssPeakGrowthMiB, 'peak RSS growth of the harness (MiB)').toBeLessThan(bound.rssPeakMiB);
  expect(run.heapRetainedMiB, 'heap retained after the run and a GC (MiB)').toBeLessThan(bound.heapRetainedMiB);
}

export async function expectNothingLeft(run: HostileRun): Promise<void> {
  const { before } = run;
  const newChildren = (): string[] => {
    const had = new Set(before.children.map((c) => c.pid));
    return snapshot()
      .children.filter((c) => !had.has(c.pid))
      .map((c) => `${c.pid} ${c.command}`);
  };
  const newSockets = (): string[] => {
    const had = new Set(before.sockets);
    return snapshot().sockets.filter((s) => !had.has(s));
  };
  await eventually(() => newChildren().length === 0 && newSockets().length === 0 && snapshot().timers <= before.timers, 5000);
  expect(newChildren(), 'processes left behind').toEqual([]);
  expect(snapshot().groups, 'process groups still tracked').toEqual(before.groups);
  expect(newSockets(), 'TCP sockets left open').toEqual([]);
  expect(snapshot().timers, 'timers left running').toBeLessThanOrEqual(before.timers);
}
