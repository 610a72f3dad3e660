// Names the frames real peers send that the engine's Message enum does not know.

import { isNonStandardType, type NonStandardMessageType } from './message-types.ts';
import { messageSchemaFile, wireSchema } from './schema-store.ts';

export interface NonStandardNote {
  type: NonStandardMessageType;
  /** Who sends it and what the receiver does with it, from the schema's description. */
  note: string;
}

/**
 * For `error` and `unregistertriggertype`, what the frame is and why it is non-standard; undefined for
 * every other type (standard or unknown).
 */
export function describeNonStandardType(type: string): NonStandardNote | undefined {
  if (!isNonStandardType(type)) return undefined;
  const description = String(wireSchema(messageSchemaFile(type)).description ?? '');
  return { type, note: description.replace(/^NON-STANDARD\.\s*/, '') };
}
