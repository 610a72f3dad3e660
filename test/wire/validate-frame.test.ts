// validateFrame's contract beyond the fixture corpus: any input gives a verdict (never an exception),
// every input form is accepted, directions and helpers behave, and validation is fast.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asMessage, asMessageToWorker, describeNonStandardType, MESSAGE_TYPES, validateFrame, type FrameVerdict } from '../../harness/wire/index.ts';
import { findDuplicateKeys } from '../../harness/wire/duplicate-keys.ts';

const ID = '9f3c2a1e-0d7b-4c1a-9a55-2b1f6c8e4d10';
const invoke = { type: 'invokefunction', invocation_id: ID, function_id: 'math::add', data: { a: 2 } };

function wellFormed(v: FrameVerdict): boolean {
  if (v.ok) return typeof v.type === 'string' && Array.isArray(v.strict);
  return v.violations.length > 0 && v.violations.every((x) => typeof x.path === 'string' && x.message.length > 0);
}

describe('validateFrame', () => {
  it('returns a verdict for any string, byte array or JSON value, and never throws', () => {
    const framey = fc.record({ type: fc.oneof(fc.constantFrom(...MESSAGE_TYPES), fc.string()) }, { requiredKeys: [] });
    const anyInput = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 64 }),
      fc.jsonValue(),
      fc.tuple(framey, fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))).map(([a, b]) => ({ ...b, ...a })),
      fc.constantFrom(undefined, Symbol.iterator, () => 1, 10n),
    );
    fc.assert(
      fc.property(anyInput, fc.constantFrom(undefined, 'worker->engine', 'engine->worker', 'sdk->engine', 'engine->sdk'), (input, dir) => {
        const verdict = validateFrame(input, dir as 'worker->engine' | undefined);
        expect(wellFormed(verdict)).toBe(true);
        let text: string | undefined;
        try {
          text = JSON.stringify(input);
        } catch {
          text = undefined; // BigInt: nothing to send as text
        }
        if (text !== undefined) expect(wellFormed(validateFrame(text, dir as 'worker->engine' | undefined))).toBe(true);
      }),
      { numRuns: 400, seed: 20261129 },
    );
  });

  it('copes with values no JSON text can hold (BigInt, cycles) when handed a parsed frame', () => {
    const cyclic: Record<string, unknown> = { type: 'invokefunction', function_id: 'f' };
    cyclic.data = cyclic;
    cyclic.namespace = cyclic;
    for (const input of [{ type: 'invokefunction', function_id: 10n, data: 1n }, cyclic, { type: 'ping', x: 10n }]) {
      expect(wellFormed(validateFrame(input))).toBe(true);
    }
  });

  it('takes text, Buffer, Uint8Array, ArrayBuffer and parsed values alike', () => {
    const text = JSON.stringify(invoke);
    const bytes = new TextEncoder().encode(text);
    for (const input of [text, Buffer.from(text), bytes, bytes.buffer.slice(0), invoke]) {
      const verdict = validateFrame(input);
      expect(verdict.ok).toBe(true);
      expect(asMessage(verdict, 'invokefunction')?.function_id).toBe('math::add');
      expect(asMessage(verdict, 'invocationresult')).toBeUndefined();
    }
  });

  it('gives a valid frame its generated type once the verdict is narrowed on type', () => {
    const verdict = validateFrame({ ...invoke, extra_field: 1 });
    if (!verdict.ok || verdict.type !== 'invokefunction') throw new Error(`expected a valid invokefunction, got ${JSON.stringify(verdict)}`);
    // Typed fields without a cast (a typo here fails tsc), and the unknown fields the base level lets through.
    const functionId: string = verdict.frame.function_id;
    expect(functionId).toBe('math::add');
    expect(verdict.frame.extra_field).toBe(1);
  });

  it('reads the capture spelling of directions and records the direction judged', () => {
    const bare = { type: 'invokefunction', function_id: 'f', data: null };
    expect(validateFrame(bare, 'sdk->engine')).toMatchObject({ ok: true, direction: 'worker->engine' });
    expect(validateFrame(bare, 'engine->sdk')).toMatchObject({ ok: false, direction: 'engine->worker' });
    expect(validateFrame(bare).ok).toBe(true);
    const toWorker = validateFrame(invoke, 'engine->worker');
    expect(asMessageToWorker(toWorker, 'invokefunction')?.invocation_id).toBe(ID);
    expect(asMessageToWorker(validateFrame(invoke), 'invokefunction')).toBeUndefined();
  });

  it('names the non-standard frames', () => {
    const verdict = validateFrame({ type: 'unregistertriggertype', id: 'custom::tick' });
    expect(verdict).toMatchObject({ ok: true, nonStandard: true });
    expect(validateFrame({ type: 'ping' })).toMatchObject({ ok: true, nonStandard: false });
    expect(describeNonStandardType('unregistertriggertype')?.note).toMatch(/Node SDK.*not a variant of the engine's Message enum/);
    expect(describeNonStandardType('error')?.note).toMatch(/auth-failure/);
    expect(describeNonStandardType('ping')).toBeUndefined();
    expect(describeNonStandardType('bogus')).toBeUndefined();
  });

  it('fails a repeated key where the engine decodes a typed struct, and only notes it inside free-form JSON', () => {
    const fatal = validateFrame(`{"type":"invocationresult","invocation_id":"${ID}","function_id":"f","error":{"code":"a","code":"b","message":"m"}}`);
    expect(fatal).toMatchObject({ ok: false, reason: 'schema' });
    if (!fatal.ok) expect(fatal.violations[0]).toMatchObject({ path: '/error/code', keyword: 'duplicate-key' });
    const note = validateFrame(`{"type":"invokefunction","function_id":"f","data":{"k":1,"k":2}}`);
    expect(note.ok).toBe(true);
    if (note.ok) expect(note.strict).toEqual([expect.objectContaining({ path: '/data/k', keyword: 'duplicate-key' })]);
  });

  it('finds repeated keys at any depth, with escapes, in document order', () => {
    expect(findDuplicateKeys('{"a":"}\\"{","b":[{"x":1,"x":2}],"a\\u0041":1,"aA":2}')).toEqual([
      { object: '/b/0', path: '/b/0/x', key: 'x' },
      { object: '', path: '/aA', key: 'aA' },
    ]);
    expect(findDuplicateKeys('[{"a":1},{"a":1}]')).toEqual([]);
  });

  it('explains a wrong-case type and a wrong-direction frame in words', () => {
    const wrongCase = validateFrame({ type: 'InvokeFunction' });
    expect(wrongCase.ok ? '' : wrongCase.violations[0]!.message).toMatch(/did you mean "invokefunction"/);
    const wrongWay = validateFrame({ type: 'registerfunction', id: 'f' }, 'engine->worker');
    expect(wrongWay.ok && wrongWay.strict).toEqual([expect.objectContaining({ keyword: 'direction', path: '/type' })]);
  });
});
