// The fuzz lanes run in this process, for the `fuzz` command's per-side frame counts (a passing case's
// summary is not printed by the runner).

import type { FuzzLaneResult } from './lane.ts';

export interface FuzzTally {
  side: 'sdk' | 'engine';
  implementation: string;
  result: FuzzLaneResult;
}

const tallies: FuzzTally[] = [];

export function recordFuzzLane(t: FuzzTally): void {
  tallies.push(t);
}

export function fuzzTallies(): readonly FuzzTally[] {
  return tallies;
}

/** Forgets earlier lanes: one `fuzz` command prints its own. */
export function resetFuzzTallies(): void {
  tallies.length = 0;
}
