// validateFrame: one frame (text, bytes or an already-parsed value) -> a verdict. Never throws on input.

import type { ValidateFunction } from 'ajv';
import { validatorFor } from './compile.ts';
import { findDuplicateKeys, type DuplicateKey } from './duplicate-keys.ts';
import { isMessageType, isNonStandardType, normalizeDirection, type Direction, type DirectionInput, type MessageType } from './message-types.ts';
import { messageDirections, messageSchemaRef } from './schema-store.ts';
import type { MessageByType } from './types.generated.ts';
import { toViolations, type Violation } from './violations.ts';

/** Loose frame: any object with a string `type`. Peers that handle arbitrary frames use this. */
export interface Frame {
  type: string;
  [key: string]: unknown;
}

/**
 * A frame that passed the base level, one variant per type, so that narrowing on `type` gives the frame
 * its generated type. It stays a `Frame` too: the base level lets unknown fields through (the protocol
 * does), and those are still there to read as unknown.
 */
export type ValidFrameVerdict = {
  [T in MessageType]: {
    ok: true;
    type: T;
    frame: MessageByType[T] & Frame;
    /** Non-standard: the engine does not know this type (it would drop it). */
    nonStandard: boolean;
    /** Strict level: unknown fields and other non-fatal findings (empty when the frame is exemplary). */
    strict: Violation[];
    /** The direction the frame was judged for, when one was given. */
    direction?: Direction;
  };
}[MessageType];

export type FrameVerdict =
  | ValidFrameVerdict
  | {
      ok: false;
      reason: 'malformed-json' | 'not-an-object' | 'missing-type' | 'unknown-type' | 'schema';
      type?: string;
      frame?: unknown;
      violations: Violation[];
      direction?: Direction;
    };

// Objects the engine decodes into typed Rust structs, where a repeated key is a decode error; elsewhere
// (data, config, metadata, result, headers) serde keeps the last value and the repeat is only a finding.
const TYPED_OBJECTS = new Set(['', '/error', '/action', '/invocation', '/invocation/auth']);

const decoder = new TextDecoder('utf-8', { fatal: true });

function textOf(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return decoder.decode(input);
  if (input instanceof ArrayBuffer) return decoder.decode(new Uint8Array(input));
  return undefined;
}

function lowerCaseHint(type: string): string {
  const lower = type.toLowerCase();
  if (lower !== type && isMessageType(lower)) return ` (type values are case-sensitive: did you mean "${lower}"?)`;
  return '';
}

function duplicateViolation(d: DuplicateKey, fatal: boolean): Violation {
  const consequence = fatal ? 'the engine rejects the whole frame' : 'receivers keep the last value';
  return { path: d.path, keyword: 'duplicate-key', message: `key "${d.key}" appears more than once (${consequence})` };
}

interface ValidationPlan {
  base: ValidateFunction;
  strict: ValidateFunction;
  sentInDirection: boolean;
}

// The fake peers validate every frame, so the per-frame path does one allocation-free lookup instead of
// building cache-key strings and direction lists each time (they showed up as GC in the throughput bench).
const plans = new Map<MessageType, Map<Direction | undefined, ValidationPlan>>();

function planFor(type: MessageType, dir: Direction | undefined): ValidationPlan {
  let byDir = plans.get(type);
  if (!byDir) plans.set(type, (byDir = new Map()));
  let plan = byDir.get(dir);
  if (!plan) {
    const ref = messageSchemaRef(type, dir);
    plan = {
      base: validatorFor(ref, 'base'),
      strict: validatorFor(ref, 'strict'),
      sentInDirection: dir === undefined || messageDirections(type).includes(dir),
    };
    byDir.set(dir, plan);
  }
  return plan;
}

/**
 * Validates one frame of the worker protocol. `direction` selects the direction-specific form where the
 * protocol differs (engine -> worker invokefunction always carries invocation_id, engine -> worker
 * triggerregistrationresult always carries error, …); without it the frame is judged as the engine would
 * decode it. Malformed JSON, a non-object, a missing or unknown `type` are verdicts, never exceptions.
 */
export function validateFrame(input: string | Uint8Array | unknown, direction?: DirectionInput): FrameVerdict {
  const dir = direction === undefined ? undefined : normalizeDirection(direction);
  const withDir = dir ? { direction: dir } : {};
  let value: unknown = input;
  let duplicates: DuplicateKey[] = [];
  let text: string | undefined;
  try {
    text = textOf(input);
  } catch {
    return { ok: false, reason: 'malformed-json', violations: [{ path: '', keyword: 'json', message: 'frame is not valid UTF-8' }], ...withDir };
  }
  if (text !== undefined) {
    if (text.trim() === '') {
      return {
        ok: false,
        reason: 'malformed-json',
        violations: [{ path: '', keyword: 'json', message: 'empty frame (the engine skips it silently)' }],
        ...withDir,
      };
    }
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, reason: 'malformed-json', violations: [{ path: '', keyword: 'json', message: `not JSON: ${(e as Error).message}` }], ...withDir };
    }
    if (text.includes('{')) duplicates = findDuplicateKeys(text);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return {
      ok: false,
      reason: 'not-an-object',
      frame: value,
      violations: [{ path: '', keyword: 'object', message: `frame is ${got}, not a JSON object` }],
      ...withDir,
    };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    const message = type === undefined ? 'frame has no "type" field' : `"type" must be a string, got ${JSON.stringify(type)}`;
    return { ok: false, reason: 'missing-type', frame: value, violations: [{ path: '/type', keyword: 'type', message }], ...withDir };
  }
  if (!isMessageType(type)) {
    const message = `unknown message type "${type}"${lowerCaseHint(type)}`;
    return { ok: false, reason: 'unknown-type', type, frame: value, violations: [{ path: '/type', keyword: 'enum', message }], ...withDir };
  }

  const plan = planFor(type, dir);
  const base = plan.base;
  const fatalDuplicates = duplicates.filter((d) => TYPED_OBJECTS.has(d.object));
  if (!base(value) || fatalDuplicates.length > 0) {
    const violations = [...fatalDuplicates.map((d) => duplicateViolation(d, true)), ...toViolations(base.errors, value)];
    return { ok: false, reason: 'schema', type, frame: value, violations, ...withDir };
  }

  const strict: Violation[] = [];
  if (dir && !plan.sentInDirection) {
    strict.push({
      path: '/type',
      keyword: 'direction',
      message: `"${type}" is not sent ${dir === 'worker->engine' ? 'by workers' : 'by the engine'}; the receiver ignores it`,
    });
  }
  const strictValidate = plan.strict;
  if (!strictValidate(value)) strict.push(...toViolations(strictValidate.errors, value));
  for (const d of duplicates) if (!TYPED_OBJECTS.has(d.object)) strict.push(duplicateViolation(d, false));
  // The base validator is the schema of `type` (in `dir`): the value is that message now.
  return { ok: true, type, frame: value as MessageByType[typeof type] & Frame, nonStandard: isNonStandardType(type), strict, ...withDir } as ValidFrameVerdict;
}
