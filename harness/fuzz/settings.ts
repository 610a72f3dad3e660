// How many frames a fuzz lane throws per side: 10,000 by default (the CI floor), or
// $III_CONFORMANCE_FUZZ_FRAMES, or `iii-conformance fuzz --frames N` (setFuzzFrames).

export const DEFAULT_FUZZ_FRAMES = 10_000;
/** Frames between two "still serves" checks. */
export const FUZZ_BATCH_SIZE = 100;

let override: number | undefined;

export function setFuzzFrames(n: number | undefined): void {
  override = n;
}

export function fuzzFrames(env: NodeJS.ProcessEnv = process.env): number {
  if (override !== undefined) return override;
  const raw = env.III_CONFORMANCE_FUZZ_FRAMES;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_FUZZ_FRAMES;
}
