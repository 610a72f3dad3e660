// Is the jitter real? A spread (range) test on normalised delays, with a stated false-alarm rate.
//
// Model under H0 (the SDK jitters as documented): the delay before attempt n is
//   d = c_n·(1 + j·u),  u ~ Uniform[-1, 1], independent per attempt
// (Node floors d to whole ms, Python and Go keep fractions). The engine measures m = d + o, where o >= 0
// is the per-attempt overhead (close propagation, SDK scheduling, one loopback TCP connect: 2.5-5.5 ms
// in the captures). Normalise each measured delay as
//   v = (m - c_n) / (c_n·j)  =  u + o/(c_n·j)
// The statistic is the spread R = max(v) - min(v) over k samples.
//
// False alarm. Spread can only shrink through the overhead by at most its own spread:
// R >= range(u) - range(o/(c_n·j)) >= range(u) - O/(c_min·j), where O bounds the overhead's spread
// (plus 1 ms for flooring). So with threshold  tau = 2r - O/(c_min·j),
//   P(R < tau) <= P(range(u) < 2r) = k·r^(k-1) - (k-1)·r^k   (range of k uniforms on [-1,1], width 2)
// and r is solved so that this is ALPHA = 1e-6: CI does not flake on a correct SDK.
//
// Power. An SDK that ignores jitterFactor has u = 0, so R = range(o)/(c_n·j), a few ms over c·j; the
// test fails it whenever that is below tau. The callers pick c·j large enough (>= 80 ms) that tau is
// about 0.4-0.5 while a jitter-free SDK's R is about 0.03-0.1 on a quiet machine: power ~ 1.
//
// Load. A busy machine spreads the overhead, and that spread could pass for jitter (load can hide a
// missing jitter; it cannot invent one, so it never causes a false FAIL). Two defences, both driven by
// the harness's own event-loop lag measured per gap (LoadProbe windows, scenario.ts):
//  1. delays measured while the harness ran more than CONTAMINATED_LAG_MS late are left out (the
//     choice depends on the lag only, not on the delays, so the false-alarm rate holds for the k left);
//  2. a spread the remaining lag could explain, R < tau + 2·lag/(c_min·j), is INDETERMINATE, never a
//     silent PASS.

export const JITTER_ALPHA = 1e-6;
/** O above: how much the measurement overhead may vary between attempts (ms, before timeScale). */
export const JITTER_OVERHEAD_SPREAD_MS = 15;

/** P(range of k iid Uniform[0,1] < x), x in [0,1]. */
export function uniformRangeCdf(k: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return k * x ** (k - 1) - (k - 1) * x ** k;
}

/** The largest r with P(range of k uniforms on [0,1] < r) <= alpha (bisection; the CDF is increasing). */
export function rangeQuantile(k: number, alpha: number = JITTER_ALPHA): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (uniformRangeCdf(k, mid) <= alpha) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface JitterSample {
  measuredMs: number;
  /** The un-jittered, capped base c_n the SDK should have jittered around. */
  baseMs: number;
  /** The harness's event-loop lag while this delay was measured (ms); 0 when unknown. */
  lagMs?: number;
}

/** Samples measured while the harness itself ran later than this are left out of the test (ms). */
export const CONTAMINATED_LAG_MS = 20;
/** Fewer usable samples than this: INDETERMINATE. */
export const MIN_JITTER_SAMPLES = 8;

export interface JitterVerdict {
  verdict: 'PASS' | 'FAIL' | 'INDETERMINATE';
  summary: string;
  /** Samples used (after leaving out those measured while the harness ran late). */
  k: number;
  /** Samples left out because the harness ran late while measuring them. */
  excluded: number;
  spread: number;
  threshold: number;
  alpha: number;
  /** The normalised values v (for the report). */
  normalised: number[];
}

/**
 * @param overheadSpreadMs O above: how much the measurement overhead may vary between attempts (ms).
 */
export function jitterSpreadTest(
  all: readonly JitterSample[],
  jitterFactor: number,
  overheadSpreadMs: number,
  alpha: number = JITTER_ALPHA,
  contaminatedLagMs: number = CONTAMINATED_LAG_MS,
): JitterVerdict {
  // Which samples are used depends only on the harness's lag, not on the delays: the test stays exact.
  const samples = all.filter((s) => (s.lagMs ?? 0) <= contaminatedLagMs);
  const excluded = all.length - samples.length;
  const k = samples.length;
  const normalised = samples.map((s) => round3((s.measuredMs - s.baseMs) / (s.baseMs * jitterFactor)));
  const cMin = Math.min(...samples.map((s) => s.baseMs));
  const r = rangeQuantile(k, alpha);
  const threshold = round3(2 * r - (overheadSpreadMs + 1) / (cMin * jitterFactor));
  const spread = round3(k === 0 ? 0 : Math.max(...normalised) - Math.min(...normalised));
  const observedLagMs = Math.max(0, ...samples.map((s) => s.lagMs ?? 0));
  const base = { k, excluded, spread, threshold, alpha, normalised };
  if (k < MIN_JITTER_SAMPLES) {
    return {
      verdict: 'INDETERMINATE',
      summary: `only ${k} of ${all.length} delays were measured while the harness kept time (lag <= ${contaminatedLagMs} ms); at least ${MIN_JITTER_SAMPLES} are needed`,
      ...base,
    };
  }
  if (threshold <= 0) {
    return {
      verdict: 'INDETERMINATE',
      summary: `too few samples (${k}) or too small c·j (${round3(cMin * jitterFactor)} ms) for a spread test at alpha ${alpha}`,
      ...base,
    };
  }
  if (spread < threshold) {
    return {
      verdict: 'FAIL',
      summary: `the ${k} delays hardly spread: normalised spread ${spread} < ${threshold} (a correct jitter of ±${jitterFactor} falls below this with probability <= ${alpha})${excluded ? `; ${excluded} delays measured under harness lag left out` : ''}`,
      ...base,
    };
  }
  const loadExplains = round3(threshold + (2 * observedLagMs) / (cMin * jitterFactor));
  if (spread < loadExplains) {
    return {
      verdict: 'INDETERMINATE',
      summary: `the ${k} delays spread over ${spread} of the band, above the threshold ${threshold} but within what the harness's own ${Math.round(observedLagMs)} ms of lag could produce (${loadExplains})`,
      ...base,
    };
  }
  return {
    verdict: 'PASS',
    summary: `the ${k} delays spread over ${spread} of the ±1 jitter band (threshold ${threshold}, alpha ${alpha}${excluded ? `, ${excluded} left out for harness lag` : ''})`,
    ...base,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
