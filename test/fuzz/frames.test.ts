// The fuzz generator reads schemas/: valid frames validate, mutated ones mostly do not, every mutation and
// every message type of the direction shows up, and generation is deterministic in the seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzedTypes, fuzzFrameArbitrary, MUTATIONS, validFrameArbitrary, wirePayload, DEEP_MAX, HUGE_MAX_BYTES } from '../../harness/fuzz/frames.ts';
import { fuzzBatch } from '../../harness/fuzz/lane.ts';
import { validateFrame } from '../../harness/wire/index.ts';
import { messageDirections } from '../../harness/wire/schema-store.ts';
import { MESSAGE_TYPES } from '../../harness/wire/message-types.ts';

describe.each(['worker->engine', 'engine->worker'] as const)('fuzz frames, %s', (direction) => {
  const types = fuzzedTypes(direction);

  it('cover every message type the schemas give this direction', () => {
    const expected = MESSAGE_TYPES.filter((t) => messageDirections(t).length === 0 || messageDirections(t).includes(direction));
    expect(types).toEqual(expected);
    const seen = new Set(fc.sample(validFrameArbitrary(direction, types), { seed: 1, numRuns: 400 }).map((f) => f.type));
    expect([...seen].sort()).toEqual([...types].sort());
  });

  it('are schema-valid before mutation (conditional rules aside)', () => {
    const frames = fc.sample(validFrameArbitrary(direction, types), { seed: 2, numRuns: 300 });
    const invalid = frames.filter((f) => !validateFrame(f, direction).ok);
    expect(invalid.length, JSON.stringify(invalid.slice(0, 3))).toBeLessThanOrEqual(frames.length * 0.05);
  });

  it('use every mutation, and mutated frames mostly fail validation', () => {
    const batch = fuzzBatch(fuzzFrameArbitrary(direction), 3, 0, 1000);
    expect(new Set(batch.map((f) => f.mutation))).toEqual(new Set(MUTATIONS));
    const broken = batch.filter((f) => f.mutation !== 'valid' && f.mutation !== 'binary-json' && f.mutation !== 'extra-field');
    const rejected = broken.filter((f) => !validateFrame(wirePayload(f).data, direction).ok);
    expect(rejected.length).toBeGreaterThan(broken.length * 0.5);
  });

  it('stay within the size bounds that keep the harness small', () => {
    for (const f of fuzzBatch(fuzzFrameArbitrary(direction), 4, 0, 1000)) {
      const size = f.kind === 'text' ? f.text.length : f.hex.length / 2;
      expect(size).toBeLessThan(HUGE_MAX_BYTES + 64 * 1024);
      if (f.kind === 'text' && f.mutation === 'deep-value') expect(f.text.length).toBeLessThan(DEEP_MAX * 6 + 64 * 1024);
    }
  });

  it('are the same for the same seed and differ for another', () => {
    const arb = fuzzFrameArbitrary(direction);
    expect(fuzzBatch(arb, 5, 3, 50)).toEqual(fuzzBatch(arb, 5, 3, 50));
    expect(fuzzBatch(arb, 5, 3, 50)).not.toEqual(fuzzBatch(arb, 6, 3, 50));
  });
});

describe('bad UTF-8', () => {
  it('goes out as binary frames whose bytes are not UTF-8', () => {
    const bad = fuzzBatch(fuzzFrameArbitrary('engine->worker'), 7, 0, 2000).filter((f) => f.kind === 'bytes' && f.mutation === 'bad-utf8');
    expect(bad.length).toBeGreaterThan(0);
    for (const f of bad) {
      const p = wirePayload(f);
      expect(p.binary).toBe(true);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(p.data as Uint8Array)).toThrow();
    }
  });
});
