// JSON Schema -> fast-check arbitrary, read from the wire schemas in schemas/ through the schema store, so a
// schema change changes what the fuzz lane generates. Only the keywords the wire schemas use are handled
// (type, const, enum, properties/required, items, anyOf/oneOf, $ref across files, pattern, minimum/maximum);
// conditions (if/then/else) are ignored: a frame that breaks one is still a frame a peer must survive.
// No maintained schema->arbitrary package targets draft 2020-12 on fast-check 4, hence this small walker.

import fc from 'fast-check';
import { wireSchema } from '../wire/schema-store.ts';
import { isJsonObject, type JsonObject } from '../util/json-object.ts';

type Arb = fc.Arbitrary<unknown>;

/** Nesting bound for generated values; the "deep" mutation goes far deeper on purpose, as raw text. */
const MAX_DEPTH = 4;

/** Resolves "file.schema.json#/$defs/X", "#/$defs/X" and "#" relative to the file the $ref is in. */
function resolveRef(ref: string, file: string): { schema: unknown; file: string } {
  const [filePart, pointer = ''] = ref.split('#', 2) as [string, string?];
  const target = filePart === '' ? file : filePart;
  let node: unknown = wireSchema(target);
  for (const seg of pointer.split('/').filter((s) => s !== '')) {
    if (!isJsonObject(node)) throw new Error(`cannot resolve $ref ${ref} in ${file}`);
    node = node[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return { schema: node, file: target };
}

const anyJson = (depth: number): Arb => fc.jsonValue({ maxDepth: Math.max(0, MAX_DEPTH - depth) });

function stringArb(schema: JsonObject): Arb {
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // An engine-side regex dialect fast-check cannot read: fall back to any string.
    }
  }
  return fc.string({ maxLength: 24 });
}

function numberArb(schema: JsonObject, integer: boolean): Arb {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (integer) return fc.integer({ min: min ?? Number.MIN_SAFE_INTEGER, max: max ?? Number.MAX_SAFE_INTEGER });
  return fc.double({ noNaN: true, noDefaultInfinity: true, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) });
}

function objectArb(schema: JsonObject, file: string, depth: number): Arb {
  const props = isJsonObject(schema.properties) ? schema.properties : undefined;
  if (!props) return fc.dictionary(fc.string({ maxLength: 12 }), anyJson(depth + 1), { maxKeys: depth >= MAX_DEPTH ? 0 : 3 });
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
  const model: Record<string, Arb> = {};
  for (const [key, sub] of Object.entries(props)) model[key] = schemaArbitrary(sub, file, depth + 1);
  for (const key of required) model[key] ??= anyJson(depth + 1);
  return fc.record(model, { requiredKeys: required.filter((k) => k in model) });
}

function typedArb(type: string, schema: JsonObject, file: string, depth: number): Arb {
  switch (type) {
    case 'object':
      return objectArb(schema, file, depth);
    case 'array':
      return fc.array(schema.items === undefined ? anyJson(depth + 1) : schemaArbitrary(schema.items, file, depth + 1), {
        maxLength: depth >= MAX_DEPTH ? 0 : 3,
      });
    case 'string':
      return stringArb(schema);
    case 'integer':
      return numberArb(schema, true);
    case 'number':
      return numberArb(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anyJson(depth);
  }
}

/** An arbitrary of values valid (conditions aside) under `schema`, a node of the wire schema `file`. */
export function schemaArbitrary(schema: unknown, file: string, depth = 0): Arb {
  if (schema === true || !isJsonObject(schema)) return anyJson(depth);
  if (typeof schema.$ref === 'string') {
    const r = resolveRef(schema.$ref, file);
    return schemaArbitrary(r.schema, r.file, depth);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((a) => schemaArbitrary(a, file, depth)));
  const type = schema.type;
  if (Array.isArray(type)) {
    // AnyJson lists every type: keep it shallow past the depth bound.
    const types = (depth >= MAX_DEPTH ? type.filter((t) => t !== 'object' && t !== 'array') : type).filter((t): t is string => typeof t === 'string');
    return fc.oneof(...types.map((t) => typedArb(t, schema, file, depth)));
  }
  if (typeof type === 'string') return typedArb(type, schema, file, depth);
  if (isJsonObject(schema.properties)) return objectArb(schema, file, depth);
  return anyJson(depth);
}
