// validatePayload: the data/result of the built-in engine functions the conformance cases use
// (schemas/builtins.schema.json), at the same two levels as frames.

import { validatorFor } from './compile.ts';
import { BUILTINS_FILE, SCHEMA_BASE_URI } from './schema-store.ts';
import { toViolations, type Violation } from './violations.ts';

/** Payload name -> definition in builtins.schema.json. Names are "<function id>/request|response" or a row type. */
export const PAYLOAD_DEFINITIONS = {
  'engine::workers::register/request': 'WorkersRegisterRequest',
  'engine::workers::register/response': 'WorkersRegisterResponse',
  'engine::workers::list/request': 'WorkersListRequest',
  'engine::workers::list/response': 'WorkersListResponse',
  'engine::functions::list/request': 'FunctionsListRequest',
  'engine::functions::list/response': 'FunctionsListResponse',
  WorkerInfo: 'WorkerInfo',
  FunctionSummary: 'FunctionSummary',
} as const;
export type PayloadName = keyof typeof PAYLOAD_DEFINITIONS;
export const PAYLOAD_NAMES = Object.keys(PAYLOAD_DEFINITIONS) as PayloadName[];

export type PayloadVerdict =
  | { ok: true; name: PayloadName; value: unknown; strict: Violation[] }
  | { ok: false; name: PayloadName; value: unknown; violations: Violation[] };

export function payloadSchemaRef(name: PayloadName): string {
  return `${SCHEMA_BASE_URI}${BUILTINS_FILE}#/$defs/${PAYLOAD_DEFINITIONS[name]}`;
}

/** Validates a built-in function's payload (e.g. the data of an engine::workers::register call). */
export function validatePayload(name: PayloadName, value: unknown): PayloadVerdict {
  const ref = payloadSchemaRef(name);
  const base = validatorFor(ref, 'base');
  if (!base(value)) return { ok: false, name, value, violations: toViolations(base.errors, value) };
  const strict = validatorFor(ref, 'strict');
  return { ok: true, name, value, strict: strict(value) ? [] : toViolations(strict.errors, value) };
}
