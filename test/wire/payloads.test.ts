// Built-in function payloads (engine::workers::register, engine::workers::list, engine::functions::list).

import { describe, expect, it } from 'vitest';
import { PAYLOAD_NAMES, validatePayload, type Violation } from '../../harness/wire/index.ts';
import { payloadFixtures } from './load-fixtures.ts';

const fixtures = payloadFixtures();
const pick = (v: Violation) => ({ path: v.path, keyword: v.keyword });

describe('payload fixtures', () => {
  it.each(fixtures.filter((f) => f.kind === 'valid').map((f) => [f.file, f] as const))('%s validates', (_name, f) => {
    const verdict = validatePayload(f.payload, f.value);
    expect(verdict.ok ? null : verdict.violations).toBeNull();
    if (verdict.ok) expect(verdict.strict.map(pick)).toEqual(f.strict ?? []);
  });

  it.each(fixtures.filter((f) => f.kind === 'invalid').map((f) => [f.file, f] as const))('%s fails as expected', (_name, f) => {
    const verdict = validatePayload(f.payload, f.value);
    expect(verdict.ok).toBe(false);
    if (verdict.ok || !f.expect) throw new Error(`${f.file}: no expect block`);
    expect(verdict.violations.map(pick)).toContainEqual(f.expect);
  });

  it('covers every payload name with a valid and two invalid examples', () => {
    for (const name of PAYLOAD_NAMES) {
      const mine = fixtures.filter((f) => f.payload === name);
      expect(mine.filter((f) => f.kind === 'valid').length, name).toBeGreaterThanOrEqual(1);
      expect(mine.filter((f) => f.kind === 'invalid').length, name).toBeGreaterThanOrEqual(2);
    }
  });
});
