// Reading frames nobody has validated: what an implementation under test sent, as recorded or live.
// Such a value may be anything, so it is never cast to a generated type. It is narrowed on its `type`
// tag once; after that the compiler knows the field names of that message (from the generated types)
// but every value stays unknown until the reader checks it.

import { isJsonObject } from '../util/json-object.ts';
import type { MessageType } from './message-types.ts';
import type { MessageByType } from './types.generated.ts';

/** A generated type's field names with every value unknown: what a peer's object may hold before it is checked. */
export type Unchecked<T> = { readonly [K in keyof T]?: unknown };

/** A frame tagged `type` whose fields are unchecked: the message's field names, each value unknown. */
export type UnvalidatedFrame<T extends MessageType> = { readonly type: T } & Unchecked<Omit<MessageByType[T], 'type'>>;

/** The `type` tag of a frame, when the value is an object with a string one. */
export function frameTypeOf(value: unknown): string | undefined {
  const type = isJsonObject(value) ? value.type : undefined;
  return typeof type === 'string' ? type : undefined;
}

/** Is this value an object tagged `type`? Narrows it to that message's field names, values unknown. */
export function isFrameOfType<T extends MessageType>(value: unknown, type: T): value is UnvalidatedFrame<T> {
  return frameTypeOf(value) === type;
}
