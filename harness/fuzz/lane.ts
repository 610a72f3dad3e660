// The fuzz loop shared by both sides: batches of generated frames thrown at a live peer, a "still serves"
// check after every batch, and on the first death a fast-check shrink of the failing batch to the
// smallest frame sequence that still kills a fresh session (each shrink step is one fresh session).

import fc from 'fast-check';
import { MUTATIONS, type FuzzFrame, type Mutation } from './frames.ts';

/** Why the implementation stopped serving, in one line; undefined while it serves. */
export type Death = string | undefined;

export interface FuzzLaneOptions {
  frames: number;
  batchSize: number;
  seed: number;
  arbitrary: fc.Arbitrary<FuzzFrame>;
  /** Sends a batch on the long-lived session. */
  send(batch: readonly FuzzFrame[]): Promise<void>;
  /** Checks the long-lived session still serves (a call round-trips, other workers unaffected). */
  check(): Promise<Death>;
  /** Runs a frame sequence against a fresh session and says whether it died. */
  trial(frames: readonly FuzzFrame[]): Promise<Death>;
  /** Shrink bounds: every step starts a fresh session, which costs a driver start on the SDK side. */
  shrinkRuns: number;
  shrinkMs: number;
  /** Stops the lane early (the case's abort signal). */
  signal?: AbortSignal;
}

export interface FuzzDeath {
  /** Frames sent before the batch that killed it, plus that batch. */
  afterFrames: number;
  reason: string;
  batch: FuzzFrame[];
  /** The smallest sequence found that kills a fresh session; the whole batch when it did not reproduce. */
  minimal: FuzzFrame[];
  minimalReason: string;
  reproduced: boolean;
  shrinkRuns: number;
}

export interface FuzzLaneResult {
  sent: number;
  batches: number;
  elapsedMs: number;
  framesPerSecond: number;
  byMutation: Record<Mutation, number>;
  death?: FuzzDeath;
}

/** Batch i of the lane: the same seed always gives the same frames. */
export function fuzzBatch(arbitrary: fc.Arbitrary<FuzzFrame>, seed: number, index: number, size: number): FuzzFrame[] {
  return fc.sample(arbitrary, { seed: (seed + index * 7919) | 0, numRuns: size });
}

export async function runFuzzLane(o: FuzzLaneOptions): Promise<FuzzLaneResult> {
  const byMutation = Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>;
  const started = performance.now();
  let sent = 0;
  let batches = 0;
  const result = (death?: FuzzDeath): FuzzLaneResult => {
    const elapsedMs = performance.now() - started;
    return { sent, batches, elapsedMs, framesPerSecond: sent / Math.max(elapsedMs / 1000, 1e-3), byMutation, ...(death ? { death } : {}) };
  };
  while (sent < o.frames && !o.signal?.aborted) {
    const batch = fuzzBatch(o.arbitrary, o.seed, batches, Math.min(o.batchSize, o.frames - sent));
    await o.send(batch);
    sent += batch.length;
    batches += 1;
    for (const f of batch) byMutation[f.mutation] += 1;
    const reason = await o.check();
    if (reason !== undefined) {
      const elapsed = result();
      return { ...elapsed, death: await shrinkDeath(o, batch, sent, reason) };
    }
  }
  return result();
}

/** Shrinks a killing batch with fast-check: the batch is the first example, shrinking drops frames. */
async function shrinkDeath(o: FuzzLaneOptions, batch: FuzzFrame[], afterFrames: number, reason: string): Promise<FuzzDeath> {
  let runs = 0;
  const deadline = performance.now() + o.shrinkMs;
  let smallest: { frames: FuzzFrame[]; reason: string } | undefined;
  const property = fc.asyncProperty(fc.array(fc.constantFrom(...batch), { minLength: 1, maxLength: batch.length }), async (frames) => {
    // Past the budget every step "survives", so fast-check stops at the smallest death found so far.
    if (runs >= o.shrinkRuns || performance.now() > deadline || o.signal?.aborted) return true;
    runs += 1;
    const death = await o.trial(frames);
    if (death !== undefined && (!smallest || frames.length <= smallest.frames.length)) smallest = { frames: [...frames], reason: death };
    return death === undefined;
  });
  await fc.check(property, { examples: [[batch]], numRuns: 1, seed: o.seed, endOnFailure: false });
  // fast-check shrinks a value it did not generate with fewer strategies; finish with one-frame removals.
  for (let i = 0; smallest && smallest.frames.length > 1 && i < smallest.frames.length; ) {
    if (runs >= o.shrinkRuns || performance.now() > deadline || o.signal?.aborted) break;
    const without = smallest.frames.filter((_, j) => j !== i);
    runs += 1;
    const death = await o.trial(without);
    if (death !== undefined) smallest = { frames: without, reason: death };
    else i += 1;
  }
  return {
    afterFrames,
    reason,
    batch,
    minimal: smallest?.frames ?? batch,
    minimalReason: smallest?.reason ?? reason,
    reproduced: smallest !== undefined,
    shrinkRuns: runs,
  };
}

/** One line for a case summary and the CLI: "10000 frames in 100 batches, 2345 frames/s". */
export function describeLane(r: FuzzLaneResult): string {
  return `${r.sent} frames in ${r.batches} batches, ${Math.round(r.framesPerSecond)} frames/s`;
}
