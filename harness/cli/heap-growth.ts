// How far V8 lets the harness's heap grow past what is live before it collects. A flooding peer makes the
// harness allocate hundreds of MB a second of short-lived records that outlive the young generation; with
// V8's default growth the old generation runs up to ~4x the live heap between full collections (measured
// against the flooding hostile engine: 60-90 MiB live, 513 MiB peak RSS for the engine catalogue). A factor
// of 1.3 bounds that garbage (267 MiB) and cost no time in the same runs (BENCHMARKS.md, "Hostile
// implementations"). V8 reads the flag at every collection, so setting it at start-up takes effect.

import { setFlagsFromString } from 'node:v8';

/** V8's heap_growing_percent: after a full collection the old generation may grow to live × (1 + this / 100). */
export const HEAP_GROWING_PERCENT = 30;

/** `$III_CONFORMANCE_HEAP_GROWTH` (a whole percent; 0 is V8's own default) or HEAP_GROWING_PERCENT. */
export function heapGrowthFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.III_CONFORMANCE_HEAP_GROWTH;
  return value !== undefined && /^\d{1,4}$/.test(value) ? Number(value) : HEAP_GROWING_PERCENT;
}

export function boundHeapGrowth(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
