// The peers' one-parse fast path must give exactly the verdict the validator's text path gives,
// repeated keys included (the engine rejects a frame whose typed fields repeat a key).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPayload, colonsOutsideStrings, keyCount, toRecorded } from '../../harness/peer/classify.ts';
import { DEFAULT_TRANSCRIPT_LIMITS } from '../../harness/transcript/index.ts';
import { validateFrame } from '../../harness/wire/index.ts';
import { mutatedFrame } from './arbitraries.ts';

/** Re-serialises an object with its first key repeated (a duplicate JSON.stringify never writes). */
function withRepeatedKey(frame: Record<string, unknown>, which: number): string {
  const keys = Object.keys(frame);
  const key = keys[which % keys.length]!;
  const body = JSON.stringify(frame).slice(1, -1);
  return `{${body}${body ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(frame[key] ?? null)}}`;
}

const verdictOf = (text: string) => {
  const c = classifyPayload(text, false, DEFAULT_TRANSCRIPT_LIMITS, 'worker->engine');
  return c.lazy?.verdict ?? c.fields.verdict;
};

describe('one-parse classification', () => {
  it('counts colons outside strings and keys of parsed values', () => {
    expect(colonsOutsideStrings('{"a":"x:y","b\\":":{"c":1}}')).toBe(3);
    expect(keyCount(JSON.parse('{"a":"x:y","b\\":":{"c":1},"d":[{"e":1},{}]}'))).toBe(5);
  });

  it('gives the verdict of validateFrame(text) for frames with and without repeated keys', () => {
    fc.assert(
      fc.property(mutatedFrame, fc.nat(), fc.boolean(), (frame, which, repeat) => {
        const text = repeat ? withRepeatedKey(frame, which) : JSON.stringify(frame);
        expect(verdictOf(text)).toEqual(toRecorded(validateFrame(text, 'worker->engine')));
      }),
      { numRuns: 300 },
    );
  });

  it('reports a repeated typed key as the engine would (frame rejected)', () => {
    const text = '{"type":"ping","type":"ping"}';
    expect(verdictOf(text)).toMatchObject({ base: 'invalid', reason: 'schema', violations: [{ keyword: 'duplicate-key' }] });
  });
});
