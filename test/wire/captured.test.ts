// The real frames recorded from iii-sdk@0.22.1 (../shared/protocol/captures, copied to
// fixtures/messages/captured): each validates at the base level in its direction, except the hostile
// inputs the capture script sent on purpose and the SDK's echoes of them (listed with reasons), and the
// strict level reports exactly the quirk sdk-behaviour.md §10.1 #8 lists: a stray `message_type` key on
// registertrigger, unregistertrigger and triggerregistrationresult from the SDK. Nothing else.

import { describe, expect, it } from 'vitest';
import { frameTypeOf, validateFrame, validatePayload } from '../../harness/wire/index.ts';
import { capturedBaseInvalid, capturedFrames } from './load-fixtures.ts';

const frames = capturedFrames();
const expectedInvalid = capturedBaseInvalid();
const key = (f: { file: string; line: number }) => `${f.file}:${f.line}`;
const QUIRK_TYPES = new Set(['registertrigger', 'unregistertrigger', 'triggerregistrationresult']);

describe('captured iii-sdk@0.22.1 frames', () => {
  it('holds a real corpus: every message type the SDK and the fake engine exchanged', () => {
    expect(frames.length).toBeGreaterThan(250);
    const types = new Set(frames.map((f) => frameTypeOf(f.json)));
    for (const t of [
      'workerregistered',
      'registerfunction',
      'registertriggertype',
      'registertrigger',
      'invokefunction',
      'invocationresult',
      'triggerregistrationresult',
      'unregistertrigger',
      'unregisterfunction',
      'reattach',
    ]) {
      expect(types.has(t), t).toBe(true);
    }
  });

  it('validates every frame at the base level, except the listed hostile inputs and echoes', () => {
    const failed = new Map<string, string>();
    for (const f of frames) {
      const verdict = validateFrame(f.json, f.dir);
      if (!verdict.ok) failed.set(key(f), verdict.reason);
    }
    expect([...failed.keys()].sort()).toEqual(expectedInvalid.map(key).sort());
    for (const e of expectedInvalid) expect(failed.get(key(e)), key(e)).toBe(e.reason);
  });

  it('lists only hostile-input scenarios (b, c, g) as expected failures, and only SDK echoes in g', () => {
    for (const e of expectedInvalid) {
      expect(e.file, key(e)).toMatch(/^(b-invocation|c-trigger|g[12]-bad-input)/);
      if (e.dir === 'sdk->engine') expect(e.file, key(e)).toMatch(/^g[12]-/);
      expect(e.why.length).toBeGreaterThan(20);
    }
  });

  it('flags exactly message_type on the three quirky types from the SDK at the strict level', () => {
    let quirks = 0;
    for (const f of frames) {
      const verdict = validateFrame(f.json, f.dir);
      if (!verdict.ok) continue;
      const findings = verdict.strict.map((v) => `${v.path} ${v.keyword}`);
      if (f.dir === 'sdk->engine' && QUIRK_TYPES.has(verdict.type)) {
        expect(findings, key(f)).toEqual(['/message_type additionalProperties']);
        expect((f.json as { message_type?: unknown }).message_type, key(f)).toBe(verdict.type);
        quirks++;
      } else {
        expect(findings, key(f)).toEqual([]);
      }
    }
    expect(quirks).toBeGreaterThanOrEqual(20);
  });

  it('sends an engine::workers::register payload that validates without strict findings', () => {
    const calls = frames.filter((f) => f.dir === 'sdk->engine' && (f.json as { function_id?: unknown }).function_id === 'engine::workers::register');
    expect(calls.length).toBeGreaterThan(10);
    for (const f of calls) {
      const verdict = validatePayload('engine::workers::register/request', (f.json as { data: unknown }).data);
      expect(verdict.ok ? verdict.strict : verdict.violations, key(f)).toEqual([]);
    }
  });
});
