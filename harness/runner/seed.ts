// Seeds. One base seed per invocation (printed, and written in every report and repro bundle); each case
// gets a seed derived from the base seed and its id only, so rerunning a single case with the same base
// seed gives it the same seed it had in the full run, whatever its position.

import { randomInt } from 'node:crypto';

export function randomBaseSeed(): number {
  return randomInt(1, 2 ** 31 - 1);
}

/** FNV-1a over "<base>:<id>", folded into a positive 31-bit integer (fast-check accepts it as a seed). */
export function caseSeed(baseSeed: number, caseId: string): number {
  let h = 0x811c9dc5;
  const text = `${baseSeed}:${caseId}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % (2 ** 31 - 1) || 1;
}
