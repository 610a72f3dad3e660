// The message tags of the worker protocol and the two directions a frame can travel.
// Source: engine/src/protocol.rs (Message enum, #[serde(tag = "type", rename_all = "lowercase")]),
// ../shared/protocol/engine-protocol.md §2 and §3.14.

export const ENGINE_MESSAGE_TYPES = [
  'registertriggertype',
  'registertrigger',
  'triggerregistrationresult',
  'unregistertrigger',
  'registerfunction',
  'unregisterfunction',
  'invokefunction',
  'invocationresult',
  'registerservice',
  'ping',
  'pong',
  'reattach',
  'workerregistered',
  'registrationrejected',
] as const;
export type EngineMessageType = (typeof ENGINE_MESSAGE_TYPES)[number];

/** Types outside the engine's enum that real peers send: the auth `error` frame, Node's unregistertriggertype. */
export const NON_STANDARD_MESSAGE_TYPES = ['error', 'unregistertriggertype'] as const;
export type NonStandardMessageType = (typeof NON_STANDARD_MESSAGE_TYPES)[number];

export type MessageType = EngineMessageType | NonStandardMessageType;
export const MESSAGE_TYPES: readonly MessageType[] = [...ENGINE_MESSAGE_TYPES, ...NON_STANDARD_MESSAGE_TYPES];

const KNOWN = new Set<string>(MESSAGE_TYPES);
const NON_STANDARD = new Set<string>(NON_STANDARD_MESSAGE_TYPES);

export function isMessageType(type: string): type is MessageType {
  return KNOWN.has(type);
}

export function isNonStandardType(type: string): type is NonStandardMessageType {
  return NON_STANDARD.has(type);
}

/**
 * Which way a frame travels. The captures (and some transcripts) say "sdk->engine"/"engine->sdk";
 * both spellings are accepted wherever a direction is taken.
 */
export type Direction = 'worker->engine' | 'engine->worker';
export type DirectionInput = Direction | 'sdk->engine' | 'engine->sdk';

export function normalizeDirection(direction: DirectionInput): Direction {
  if (direction === 'sdk->engine') return 'worker->engine';
  if (direction === 'engine->sdk') return 'engine->worker';
  return direction;
}
