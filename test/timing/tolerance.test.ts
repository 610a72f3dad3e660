import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE, judgeInterval, upperSlackMs } from '../../harness/timing/tolerance.ts';
import { backoffEnvelope, DEFAULT_RECONNECTION } from '../../harness/timing/backoff.ts';

const within = { label: 'delay', allowedMinMs: 100, allowedMaxMs: 100, observedLagMs: 0 };

describe('tolerance model', () => {
  it('passes a delay inside the envelope plus slack', () => {
    expect(judgeInterval({ ...within, measuredMs: 105 }).verdict).toBe('PASS');
  });

  it('fails an early delay however idle or busy the machine was', () => {
    expect(judgeInterval({ ...within, measuredMs: 90 }).verdict).toBe('FAIL');
    expect(judgeInterval({ ...within, measuredMs: 90, observedLagMs: 500 }).verdict).toBe('FAIL');
  });

  it('fails a late delay when the harness kept time', () => {
    const s = judgeInterval({ ...within, measuredMs: 400, observedLagMs: 3 });
    expect(s.verdict).toBe('FAIL');
    expect(s.reason).toMatch(/later than allowed/);
  });

  it('is INDETERMINATE for a late delay when the harness itself ran late', () => {
    const s = judgeInterval({ ...within, measuredMs: 400, observedLagMs: 200 });
    expect(s.verdict).toBe('INDETERMINATE');
    expect(s.reason).toMatch(/ran 200 ms late/);
  });

  it('scales the slack with --time-scale', () => {
    expect(upperSlackMs({ ...DEFAULT_TOLERANCE, timeScale: 2 }, 100)).toBe(2 * upperSlackMs(DEFAULT_TOLERANCE, 100));
  });
});

describe('backoff envelope', () => {
  it('follows min(i·m^n, max)·(1 ± j) with the documented defaults', () => {
    expect(backoffEnvelope(DEFAULT_RECONNECTION, 0)).toEqual({ baseMs: 1000, minMs: 700, maxMs: 1300 });
    expect(backoffEnvelope(DEFAULT_RECONNECTION, 10)).toEqual({ baseMs: 30000, minMs: 21000, maxMs: 39000 });
  });
});
