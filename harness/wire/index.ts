// Public face of the wire layer: the validator every peer and case uses, the message tags, and the
// TypeScript types generated from schemas/ (types.generated.ts, `npm run gen:types`).
//
//   validateFrame(input, direction?)  one frame (text, bytes or parsed) -> FrameVerdict, never throws
//   validatePayload(name, value)      built-in function payloads (engine::workers::register, …)
//   describeNonStandardType(type)     names `error` and `unregistertriggertype` when a peer sends them
//   frameTypeOf / isFrameOfType       narrow a frame nobody validated on its tag (values stay unknown)
//
// Types: every message (WireMessage, MessageByType, InvokeFunction, …) and ErrorBody, the error object of
// invocationresult, triggerregistrationresult and the auth `error` frame, come from types.generated.ts only;
// a peer that needs one imports it from here rather than writing its own.
//
// Two levels: base = what the engine's decoder accepts (unknown fields allowed, as the protocol says);
// strict = base plus non-fatal findings (unknown fields such as Node's `message_type`, non-canonical
// UUIDs, blank namespaces, a type sent in the wrong direction) for SHOULD/INFO grading.

import type { MessageByType, MessageToWorkerByType } from './types.generated.ts';
import type { FrameVerdict } from './validate-frame.ts';
import type { MessageType } from './message-types.ts';

export {
  ENGINE_MESSAGE_TYPES,
  NON_STANDARD_MESSAGE_TYPES,
  MESSAGE_TYPES,
  isMessageType,
  isNonStandardType,
  normalizeDirection,
} from './message-types.ts';
export type { EngineMessageType, NonStandardMessageType, MessageType, Direction, DirectionInput } from './message-types.ts';
export { validateFrame } from './validate-frame.ts';
export type { Frame, FrameVerdict } from './validate-frame.ts';
export type { Violation } from './violations.ts';
export { validatePayload, PAYLOAD_NAMES, PAYLOAD_DEFINITIONS, payloadSchemaRef } from './validate-payload.ts';
export type { PayloadName, PayloadVerdict } from './validate-payload.ts';
export { frameTypeOf, isFrameOfType } from './unvalidated.ts';
export type { Unchecked, UnvalidatedFrame } from './unvalidated.ts';
export { describeNonStandardType } from './non-standard.ts';
export type { NonStandardNote } from './non-standard.ts';
export { messageDirections, messageSchemaRef, SCHEMA_DIR, SCHEMA_BASE_URI, WIRE_SCHEMA_FILES } from './schema-store.ts';
export { compileAll } from './compile.ts';
export type * from './types.generated.ts';

/** The typed frame of a valid verdict of that type, else undefined. */
export function asMessage<T extends MessageType>(verdict: FrameVerdict, type: T): MessageByType[T] | undefined {
  return verdict.ok && verdict.type === type ? (verdict.frame as MessageByType[T]) : undefined;
}

/** Same, for frames judged as engine -> worker (narrower types where the protocol says so). */
export function asMessageToWorker<T extends MessageType>(verdict: FrameVerdict, type: T): MessageToWorkerByType[T] | undefined {
  return verdict.ok && verdict.type === type && verdict.direction === 'engine->worker' ? (verdict.frame as MessageToWorkerByType[T]) : undefined;
}
