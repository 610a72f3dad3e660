import { describe, expect, it } from 'vitest';
import { validateResults } from '../../harness/reports/results-schema.ts';
import { toJsonSafe } from '../../harness/reports/json-safe.ts';
import { withTempDir } from '../cli/helpers.ts';
import { synthResults } from './fixture.ts';

describe('results.json', () => {
  it('validates against schemas/results.schema.json and carries what the issue lists', async () => {
    await withTempDir(async (dir) => {
      const doc = await synthResults(dir, ['--repeat', '2']);
      expect(validateResults(doc)).toEqual([]);
      expect(doc).toMatchObject({ format: 'iii-conformance-results', version: 1, seed: 7, harness: { name: 'iii-conformance', version: '0.1.0' } });
      expect(doc.options).toEqual({ strict: false, repeat: 2, jobs: 4, timeScale: 1, slow: false, cases: [] });
      const c = doc.runs[0]?.cases.find((x) => x.id === 'sdk.synth.backoff-too-early');
      expect(c).toMatchObject({ level: 'MUST', sources: [{ document: 'sdk-behaviour' }], verdict: 'FAIL', expected: 'delay 1 within 140..260 ms' });
      expect(c?.timings[1]).toEqual({
        label: 'delay before attempt 1',
        attempt: 1,
        measuredMs: 95,
        allowedMinMs: 140,
        allowedMaxMs: 260,
        slackMs: 43,
        verdict: 'FAIL',
        reason: '45 ms earlier than allowed',
      });
      expect(c?.attempts).toHaveLength(2);
      expect(c?.transcript).toMatch(/^artifacts\//);
    });
  });

  it('the schema rejects a broken document (the check can fail)', async () => {
    await withTempDir(async (dir) => {
      const doc = await synthResults(dir, ['--case', 'sdk.synth.passes']);
      const broken = JSON.parse(JSON.stringify(doc)) as { runs: { cases: { verdict: string }[] }[] };
      (broken.runs[0]?.cases[0] as { verdict: string }).verdict = 'GREEN';
      expect(validateResults(broken)).toEqual(['/runs/0/cases/0/verdict must be equal to one of the allowed values']);
    });
  });

  it('stays JSON whatever a case returned as expected/actual', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(toJsonSafe({ big: 10n, buf: new Uint8Array([1, 2]), err: new TypeError('x'), nan: NaN, cyclic, undef: undefined, set: new Set([1]) })).toEqual({
      big: '10n',
      buf: { bytes: 'AQI=', length: 2 },
      err: { error: 'TypeError', message: 'x' },
      nan: 'NaN',
      cyclic: { a: 1, self: '[circular]' },
      set: [1],
    });
  });
});
