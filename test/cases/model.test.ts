import { describe, expect, it } from 'vitest';
import { assertCatalogue, outcome, verdictOfTimings, type CaseDefinition } from '../../harness/cases/model.ts';

const base: CaseDefinition<void> = {
  id: 'sdk.example.case',
  title: 'example',
  level: 'MUST',
  sources: [{ document: 'seed', section: 'Lifecycle' }],
  requires: [],
  lane: 'fast',
  timeoutMs: 1000,
  run: async () => outcome.pass('ok'),
};

describe('case model', () => {
  it('rejects duplicate ids, malformed ids and missing sources', () => {
    expect(() => assertCatalogue([base, base])).toThrow(/defined twice/);
    expect(() => assertCatalogue([{ ...base, id: 'Bad Id' }])).toThrow(/does not match/);
    expect(() => assertCatalogue([{ ...base, sources: [] }])).toThrow(/names no source/);
    expect(() => assertCatalogue([base])).not.toThrow();
  });

  it('combines timing samples: FAIL beats INDETERMINATE beats PASS', () => {
    const s = { label: 'x', measuredMs: 1, allowedMinMs: 0, allowedMaxMs: 2, slackMs: 1 };
    expect(
      verdictOfTimings([
        { ...s, verdict: 'PASS' },
        { ...s, verdict: 'INDETERMINATE' },
      ]),
    ).toBe('INDETERMINATE');
    expect(
      verdictOfTimings([
        { ...s, verdict: 'FAIL' },
        { ...s, verdict: 'INDETERMINATE' },
      ]),
    ).toBe('FAIL');
    expect(verdictOfTimings([{ ...s, verdict: 'PASS' }])).toBe('PASS');
  });
});
