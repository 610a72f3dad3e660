// Loads the wire schemas from schemas/ once and derives the strict level from them.
// The base level is what the engine's serde decoder accepts; the strict level is the same schemas with
// unknown fields forbidden and a few definitions narrowed (X replaced by XStrict, see defs.schema.json).

import { readFileSync } from 'node:fs';
import { packagePath } from '../paths.ts';
import { MESSAGE_TYPES, type Direction, type MessageType } from './message-types.ts';
import { isJsonObject, type JsonObject } from '../util/json-object.ts';

export type { JsonObject };

export const SCHEMA_DIR = `${packagePath('schemas')}/`;
export const SCHEMA_BASE_URI = 'https://iii.dev/schemas/iii-conformance/';

export const DEFS_FILE = 'defs.schema.json';
export const BUILTINS_FILE = 'builtins.schema.json';
export const FRAME_FILE = 'frame.schema.json';

export function messageSchemaFile(type: MessageType): string {
  return `${type}.schema.json`;
}

/** Every file of the wire protocol in schemas/ (not the report or transcript schemas). */
export const WIRE_SCHEMA_FILES: readonly string[] = [...MESSAGE_TYPES.map(messageSchemaFile), DEFS_FILE, BUILTINS_FILE, FRAME_FILE];

let loaded: Map<string, JsonObject> | undefined;

/** File name -> parsed schema, read once per process. */
export function wireSchemas(): ReadonlyMap<string, JsonObject> {
  if (!loaded) {
    loaded = new Map();
    for (const file of WIRE_SCHEMA_FILES) {
      loaded.set(file, JSON.parse(readFileSync(SCHEMA_DIR + file, 'utf8')) as JsonObject);
    }
  }
  return loaded;
}

export function wireSchema(file: string): JsonObject {
  const schema = wireSchemas().get(file);
  if (!schema) throw new Error(`no wire schema named ${file}`);
  return schema;
}

const VARIANT_DEF: Record<Direction, string> = { 'worker->engine': 'toEngine', 'engine->worker': 'toWorker' };

/** The directions a message is sent in, read from the toEngine/toWorker $defs of its schema. */
export function messageDirections(type: MessageType): Direction[] {
  const defs = (wireSchema(messageSchemaFile(type)).$defs ?? {}) as JsonObject;
  return (Object.keys(VARIANT_DEF) as Direction[]).filter((d) => VARIANT_DEF[d] in defs);
}

/**
 * The schema URI to validate a frame of this type against: the direction's variant when it exists,
 * otherwise the direction-neutral root (what the engine decodes).
 */
export function messageSchemaRef(type: MessageType, direction?: Direction): string {
  const key = `${type} ${direction ?? ''}`;
  let ref = refCache.get(key);
  if (ref === undefined) {
    const uri = SCHEMA_BASE_URI + messageSchemaFile(type);
    ref = direction && messageDirections(type).includes(direction) ? `${uri}#/$defs/${VARIANT_DEF[direction]}` : uri;
    refCache.set(key, ref);
  }
  return ref;
}
const refCache = new Map<string, string>();

function declaresObject(schema: JsonObject): boolean {
  const t = schema.type;
  return t === 'object' || (Array.isArray(t) && t.includes('object'));
}

/**
 * Forbids unknown fields in every object schema that lists its properties. Conditions (`if`, `not`) are
 * left alone: a condition only tests, and forbidding extras there would change which branch applies.
 */
function forbidUnknownFields(schema: unknown, inCondition: boolean): void {
  if (!isJsonObject(schema)) return;
  if (!inCondition && isJsonObject(schema.properties) && declaresObject(schema) && !('additionalProperties' in schema)) {
    schema.additionalProperties = false;
  }
  for (const key of ['properties', '$defs'] as const) {
    const map = schema[key];
    if (isJsonObject(map)) for (const sub of Object.values(map)) forbidUnknownFields(sub, inCondition);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const sub of list) forbidUnknownFields(sub, inCondition);
  }
  for (const key of ['items', 'additionalProperties', 'then', 'else'] as const) forbidUnknownFields(schema[key], inCondition);
  for (const key of ['if', 'not'] as const) forbidUnknownFields(schema[key], true);
}

/** The strict-level twin of a schema (same $id; compiled in a separate ajv instance). */
export function toStrictSchema(schema: JsonObject): JsonObject {
  const copy = structuredClone(schema);
  const defs = copy.$defs;
  if (isJsonObject(defs)) {
    for (const name of Object.keys(defs)) {
      if (!name.endsWith('Strict') && `${name}Strict` in defs) defs[name] = { $ref: `#/$defs/${name}Strict` };
    }
  }
  forbidUnknownFields(copy, false);
  return copy;
}
