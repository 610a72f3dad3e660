import { describe, expect, it } from 'vitest';
import { frameTypeOf, isFrameOfType } from '../../harness/wire/index.ts';

describe('reading frames nobody validated', () => {
  it('takes the type tag only from an object with a string one', () => {
    expect(frameTypeOf({ type: 'ping' })).toBe('ping');
    expect(frameTypeOf({ type: 'not-a-message' })).toBe('not-a-message');
    for (const v of [undefined, null, 'ping', 7, [], ['ping'], {}, { type: 5 }, { type: null }]) expect(frameTypeOf(v)).toBeUndefined();
  });

  it('narrows on the tag and leaves every field unchecked', () => {
    const hostile: unknown = JSON.parse('{"type":"invocationresult","invocation_id":42}');
    expect(isFrameOfType(hostile, 'invocationresult')).toBe(true);
    expect(isFrameOfType(hostile, 'invokefunction')).toBe(false);
    if (!isFrameOfType(hostile, 'invocationresult')) return;
    // The field name is known (a typo fails tsc); its value is unknown, so a check is needed to use it.
    const id: unknown = hostile.invocation_id;
    expect(typeof id === 'string' ? id : undefined).toBeUndefined();
  });
});
