// The command bounds how far V8 lets garbage pile up (harness/cli/heap-growth.ts); the environment can change
// the bound or restore V8's default, and a value that is not a whole percent keeps the bound.
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFromEnv } from '../../harness/cli/heap-growth.ts';

describe('heap growth bound', () => {
  it('is 30 % unless the environment says otherwise', () => {
    expect(HEAP_GROWING_PERCENT).toBe(30);
    expect(heapGrowthFromEnv({})).toBe(30);
  });
  it('takes a whole percent from III_CONFORMANCE_HEAP_GROWTH; 0 is V8 default', () => {
    expect(heapGrowthFromEnv({ III_CONFORMANCE_HEAP_GROWTH: '50' })).toBe(50);
    expect(heapGrowthFromEnv({ III_CONFORMANCE_HEAP_GROWTH: '0' })).toBe(0);
  });
  it('ignores a value that is not a whole percent', () => {
    for (const bad of ['', '-5', '1.5', '1e3', 'lots', '99999']) expect(heapGrowthFromEnv({ III_CONFORMANCE_HEAP_GROWTH: bad }), bad).toBe(30);
  });
});
