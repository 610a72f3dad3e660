// The fixture corpus: every valid fixture validates (with exactly its listed strict findings), every
// invalid one fails with the expected reason, path and keyword, and every message type is covered.

import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES, validateFrame, type Violation } from '../../harness/wire/index.ts';
import { frameFixtures } from './load-fixtures.ts';

const fixtures = frameFixtures();
const pick = (v: Violation) => ({ path: v.path, keyword: v.keyword });

describe('frame fixtures', () => {
  it.each(fixtures.filter((f) => f.kind === 'valid').map((f) => [f.file, f] as const))('%s validates', (_name, f) => {
    const verdict = validateFrame(f.input, f.direction);
    expect(verdict.ok ? null : verdict.violations).toBeNull();
    if (!verdict.ok) return;
    expect(verdict.type).toBe(f.group);
    expect(verdict.strict.map(pick)).toEqual(f.strict ?? []);
  });

  it.each(fixtures.filter((f) => f.kind === 'invalid').map((f) => [f.file, f] as const))('%s fails as expected', (_name, f) => {
    const verdict = validateFrame(f.input, f.direction);
    expect(verdict.ok).toBe(false);
    if (verdict.ok || !f.expect) throw new Error(`${f.file}: no expect block`);
    expect(verdict.reason).toBe(f.expect.reason);
    expect(verdict.violations.map(pick)).toContainEqual({ path: f.expect.path, keyword: f.expect.keyword });
    for (const v of verdict.violations) expect(v.message.length).toBeGreaterThan(10);
  });

  it('covers every message type with at least one valid and two invalid examples', () => {
    for (const type of MESSAGE_TYPES) {
      const mine = fixtures.filter((f) => f.group === type);
      expect(mine.filter((f) => f.kind === 'valid').length, type).toBeGreaterThanOrEqual(1);
      expect(mine.filter((f) => f.kind === 'invalid').length, type).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(fixtures.map((f) => f.group))).toEqual(new Set([...MESSAGE_TYPES, '_any']));
  });

  it('names every fixture after what it shows and cites a source', () => {
    for (const f of fixtures) {
      expect(f.file).toMatch(/\/[a-z0-9.-]+\.json$/);
      expect(f.description.length, f.file).toBeGreaterThan(5);
      expect(f.source, f.file).toMatch(/engine-protocol\.md|sdk-behaviour\.md|captures\/|engine\//);
    }
  });
});
