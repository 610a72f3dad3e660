// Two ajv instances (base and strict) over the same schema files, each compiling a schema the first
// time it is asked for and caching it. Nothing is compiled at import time.

import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { MESSAGE_TYPES } from './message-types.ts';
import { BUILTINS_FILE, FRAME_FILE, messageDirections, messageSchemaRef, SCHEMA_BASE_URI, toStrictSchema, wireSchema, wireSchemas } from './schema-store.ts';

export type Level = 'base' | 'strict';

function makeAjv(level: Level): Ajv2020 {
  // strict: true is ajv's own schema-authoring strictness (unknown keywords, type coherence), unrelated
  // to our strict validation level. strictRequired is the one check left off: it flags `then: {required}`
  // lists whose properties the parent schema declares, which is how conditional requirements are written.
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
  for (const [file, schema] of wireSchemas()) {
    if (level === 'strict' && file === FRAME_FILE) continue; // the union is documentation; not needed strictly
    ajv.addSchema(level === 'strict' ? toStrictSchema(schema) : schema);
  }
  return ajv;
}

const instances = new Map<Level, Ajv2020>();
const cache = new Map<string, ValidateFunction>();

function ajvFor(level: Level): Ajv2020 {
  let ajv = instances.get(level);
  if (!ajv) {
    ajv = makeAjv(level);
    instances.set(level, ajv);
  }
  return ajv;
}

/** The compiled validator for a schema URI (with optional #/pointer) at a level. */
export function validatorFor(ref: string, level: Level): ValidateFunction {
  const key = `${level} ${ref}`;
  let validate = cache.get(key);
  if (!validate) {
    validate = ajvFor(level).getSchema(ref);
    if (!validate) throw new Error(`schema ${ref} is not loaded`);
    cache.set(key, validate);
  }
  return validate;
}

/**
 * Compiles, at both levels, every schema validateFrame and validatePayload can reach (each message in
 * each of its directions, every built-in payload), so that a peer pays the compile cost at start-up and
 * schema errors surface there. Without it, each schema compiles on first use.
 */
export function compileAll(): void {
  const refs = new Set<string>();
  for (const type of MESSAGE_TYPES) {
    refs.add(messageSchemaRef(type));
    for (const direction of messageDirections(type)) refs.add(messageSchemaRef(type, direction));
  }
  for (const name of Object.keys((wireSchema(BUILTINS_FILE).$defs ?? {}) as object)) refs.add(`${SCHEMA_BASE_URI}${BUILTINS_FILE}#/$defs/${name}`);
  for (const ref of refs) for (const level of ['base', 'strict'] as const) validatorFor(ref, level);
  validatorFor(`${SCHEMA_BASE_URI}${FRAME_FILE}`, 'base');
}
