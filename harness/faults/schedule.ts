// A fault schedule is plain JSON data: which frame (direction, message type, count) gets which fault.
// Faults are keyed to protocol messages, not bytes, so "drop the 2nd invocationresult" is one rule.
// The schedule is written into the transcript when a peer starts, so a failure replays exactly.

import type { Direction } from '../wire/message-types.ts';
import { isJsonObject } from '../util/json-object.ts';

export type FaultAction =
  /** The frame is never written (sender) or never processed (receiver). */
  | { kind: 'drop' }
  /** Only this frame waits `ms`; later frames overtake it. */
  | { kind: 'delay'; ms: number }
  /** The frame goes out (or is processed) twice. */
  | { kind: 'duplicate' }
  /** The frame is held until the next frame in the same direction has passed (or `holdMs`, default 1000). */
  | { kind: 'reorder'; holdMs?: number }
  /** The frame passes, then the connection is closed with a close frame. */
  | { kind: 'close'; code?: number; reason?: string }
  /** The frame passes, then the TCP socket is destroyed (no close frame). */
  | { kind: 'terminate' }
  /** Sender only: the WebSocket frame's bytes go out in `parts` TCP writes, `delayMs` apart. */
  | { kind: 'split'; parts?: number; delayMs?: number };

export type FaultActionKind = FaultAction['kind'];
export const FAULT_ACTION_KINDS: readonly FaultActionKind[] = ['drop', 'delay', 'duplicate', 'reorder', 'close', 'terminate', 'split'];

export interface FaultRule {
  direction: Direction;
  /** Message `type` to count, or "*" for every frame (unparseable frames count as type "(invalid)"). */
  type: string;
  /** 1-based: the rule fires on the nth matching frame ... */
  nth: number;
  /** ... and on the `count - 1` matching frames after it (default 1). */
  count?: number;
  /** Only frames on the peer's nth connection (1-based, in accept/connect order). */
  connection?: number;
  /** Only frames on connections to this path ("/" or "/otel"). */
  path?: string;
  /** Restrict to one side. Default: whichever peer holds the schedule applies it on send and on receipt. */
  at?: 'sender' | 'receiver';
  action: FaultAction;
}

export interface FaultSchedule {
  /** Free text: why this schedule exists (shown in transcripts). */
  name?: string;
  rules: FaultRule[];
}

export class FaultScheduleError extends Error {
  override name = 'FaultScheduleError';
}

/**
 * Checks and normalises a schedule given as JSON. Accepts an array of rules or `{rules}`, and the
 * shorthand `action: "drop"` for actions without parameters. Throws FaultScheduleError naming the path.
 */
export function parseFaultSchedule(input: unknown): FaultSchedule {
  const root = Array.isArray(input) ? { rules: input } : input;
  if (!isJsonObject(root) || !Array.isArray(root.rules)) throw new FaultScheduleError('a fault schedule is an array of rules or an object with "rules"');
  const rules = root.rules.map((r, i) => parseRule(r, `rules[${i}]`));
  const name = root.name;
  if (name !== undefined && typeof name !== 'string') throw new FaultScheduleError('"name" must be a string');
  return name === undefined ? { rules } : { name, rules };
}

function parseRule(input: unknown, at: string): FaultRule {
  if (!isJsonObject(input)) throw new FaultScheduleError(`${at} must be an object`);
  const { direction, type, nth, count, connection, path, action } = input;
  if (direction !== 'engine->worker' && direction !== 'worker->engine')
    throw new FaultScheduleError(`${at}.direction must be "engine->worker" or "worker->engine"`);
  if (typeof type !== 'string' || type === '') throw new FaultScheduleError(`${at}.type must be a message type or "*"`);
  const rule: FaultRule = { direction, type, nth: positiveInt(nth, `${at}.nth`), action: parseAction(action, `${at}.action`) };
  if (count !== undefined) rule.count = positiveInt(count, `${at}.count`);
  if (connection !== undefined) rule.connection = positiveInt(connection, `${at}.connection`);
  if (path !== undefined) {
    if (typeof path !== 'string') throw new FaultScheduleError(`${at}.path must be a string`);
    rule.path = path;
  }
  if (input.at !== undefined) {
    if (input.at !== 'sender' && input.at !== 'receiver') throw new FaultScheduleError(`${at}.at must be "sender" or "receiver"`);
    rule.at = input.at;
  }
  if (rule.action.kind === 'split' && rule.at === 'receiver') throw new FaultScheduleError(`${at}: split can only be applied by the sender`);
  return rule;
}

function parseAction(input: unknown, at: string): FaultAction {
  const raw = typeof input === 'string' ? { kind: input } : input;
  if (!isJsonObject(raw) || typeof raw.kind !== 'string')
    throw new FaultScheduleError(`${at} must be one of ${FAULT_ACTION_KINDS.join(', ')} (a string or {kind, ...})`);
  switch (raw.kind) {
    case 'drop':
    case 'duplicate':
    case 'terminate':
      return { kind: raw.kind };
    case 'delay':
      return { kind: 'delay', ms: nonNegative(raw.ms, `${at}.ms`) };
    case 'reorder':
      return raw.holdMs === undefined ? { kind: 'reorder' } : { kind: 'reorder', holdMs: nonNegative(raw.holdMs, `${at}.holdMs`) };
    case 'close': {
      const a: FaultAction = { kind: 'close' };
      if (raw.code !== undefined) {
        const code = positiveInt(raw.code, `${at}.code`);
        // ws refuses reserved codes (1004-1006, 1015) and anything outside 1000-4999 in a close frame.
        if (code < 1000 || code > 4999 || [1004, 1005, 1006, 1015].includes(code))
          throw new FaultScheduleError(`${at}.code ${code} cannot be sent in a close frame`);
        a.code = code;
      }
      if (raw.reason !== undefined) {
        if (typeof raw.reason !== 'string' || Buffer.byteLength(raw.reason) > 123)
          throw new FaultScheduleError(`${at}.reason must be a string of at most 123 bytes`);
        a.reason = raw.reason;
      }
      return a;
    }
    case 'split': {
      const a: FaultAction = { kind: 'split' };
      if (raw.parts !== undefined) a.parts = positiveInt(raw.parts, `${at}.parts`);
      if (raw.delayMs !== undefined) a.delayMs = nonNegative(raw.delayMs, `${at}.delayMs`);
      return a;
    }
    default:
      throw new FaultScheduleError(`${at}: unknown fault "${raw.kind}" (known: ${FAULT_ACTION_KINDS.join(', ')})`);
  }
}

function positiveInt(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new FaultScheduleError(`${at} must be an integer >= 1`);
  return v;
}

function nonNegative(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new FaultScheduleError(`${at} must be a number >= 0`);
  return v;
}
