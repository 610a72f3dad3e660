// The jitter spread test: its distribution formula, its stated false-alarm rate and its power against
// an SDK that ignores jitterFactor, checked by simulation with a seeded generator.
import { describe, expect, it } from 'vitest';
import { jitterSpreadTest, rangeQuantile, uniformRangeCdf, JITTER_ALPHA } from '../../specs/sdk/backoff/jitter-test.ts';
import { seededRandom } from '../../harness/util/prng.ts';

describe('range distribution', () => {
  it('matches a Monte Carlo estimate of P(range of k uniforms < x)', () => {
    const random = seededRandom(1);
    const k = 6;
    const x = 0.5;
    let below = 0;
    const trials = 20_000;
    for (let i = 0; i < trials; i++) {
      const xs = Array.from({ length: k }, random);
      if (Math.max(...xs) - Math.min(...xs) < x) below++;
    }
    expect(Math.abs(below / trials - uniformRangeCdf(k, x))).toBeLessThan(0.01);
  });

  it('solves the quantile so that the CDF equals alpha', () => {
    const r = rangeQuantile(16);
    expect(uniformRangeCdf(16, r)).toBeLessThanOrEqual(JITTER_ALPHA);
    expect(uniformRangeCdf(16, r + 1e-3)).toBeGreaterThan(JITTER_ALPHA);
    expect(r).toBeGreaterThan(0.3);
    expect(r).toBeLessThan(0.35);
  });
});

describe('jitterSpreadTest', () => {
  const c = 100;
  const j = 0.6;
  const overhead = 15;

  it('passes a correct jitter every time in 20000 simulated runs, overhead included (alpha 1e-6)', () => {
    const random = seededRandom(2);
    let fails = 0;
    for (let i = 0; i < 20_000; i++) {
      const samples = Array.from({ length: 16 }, () => ({ measuredMs: Math.floor(c * (1 + j * (2 * random() - 1))) + 2 + 10 * random(), baseMs: c }));
      if (jitterSpreadTest(samples, j, overhead).verdict !== 'PASS') fails++;
    }
    expect(fails).toBe(0);
  });

  it('fails an SDK without jitter every time, even with a few ms of measurement noise', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const samples = Array.from({ length: 16 }, () => ({ measuredMs: c + 2 + 12 * random(), baseMs: c }));
      expect(jitterSpreadTest(samples, j, overhead).verdict).toBe('FAIL');
    }
  });

  it('does not take a spread the harness lag could explain as evidence of jitter', () => {
    // A jitter-free SDK on a busy machine: overhead spreads by up to 30 ms.
    const random = seededRandom(4);
    const noisy = Array.from({ length: 16 }, () => ({ measuredMs: c + 2 + 30 * random(), baseMs: c }));
    expect(jitterSpreadTest(noisy, j, overhead).verdict).toBe('PASS'); // what a silent pass would be
    expect(
      jitterSpreadTest(
        noisy.map((s) => ({ ...s, lagMs: 9 })),
        j,
        overhead,
      ).verdict,
    ).toBe('INDETERMINATE');
  });

  it('leaves out delays measured while the harness ran late, and fails on the rest', () => {
    const random = seededRandom(5);
    // Two delays hit by a 40 ms hiccup of the harness; the others are a jitter-free SDK's.
    const samples = Array.from({ length: 16 }, (_, i) =>
      i < 2 ? { measuredMs: c + 45, baseMs: c, lagMs: 40 } : { measuredMs: c + 2 + 3 * random(), baseMs: c, lagMs: 1 },
    );
    const v = jitterSpreadTest(samples, j, overhead);
    expect(v.verdict).toBe('FAIL');
    expect(v.excluded).toBe(2);
    expect(
      jitterSpreadTest(
        samples.map((s) => ({ ...s, lagMs: 40 })),
        j,
        overhead,
      ).verdict,
    ).toBe('INDETERMINATE'); // too few left
  });

  it('is INDETERMINATE when c·j is too small for the overhead to be told apart', () => {
    const samples = Array.from({ length: 16 }, (_, i) => ({ measuredMs: 10 + i, baseMs: 10 }));
    expect(jitterSpreadTest(samples, 0.3, overhead).verdict).toBe('INDETERMINATE');
  });
});
