// Turns ajv errors into Violations a person can read: one entry per real problem, with the JSON
// pointer of the offending field, the ajv keyword and a sentence.

import type { ErrorObject } from 'ajv';
import { DEFS_FILE, wireSchema, type JsonObject } from './schema-store.ts';

export interface Violation {
  /** JSON pointer inside the frame ("" for the frame itself). For a missing field, the field's own pointer. */
  path: string;
  /** ajv keyword (required, type, const, enum, pattern, additionalProperties, …), or one of: json, object, type, direction, duplicate-key. */
  keyword: string;
  /** A sentence a person can read. */
  message: string;
}

function within(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent + '/');
}

/**
 * ajv reports every failed alternative of an anyOf. For the nullable fields (`anyOf: [X, null]`) that is
 * noise: collapse pure type mismatches into one "must be X or null", otherwise keep only the errors of
 * the alternative that was meant (dropping the other alternatives' type mismatches).
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === 'if') continue; // the failed `then` is reported by its own keyword
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      out.push(error);
      continue;
    }
    const at = error.instancePath;
    const children: ErrorObject[] = [];
    while (out.length > 0 && within(out[out.length - 1]!.instancePath, at)) children.unshift(out.pop()!);
    const typeOnly = children.length > 0 && children.every((c) => c.keyword === 'type' && c.instancePath === at);
    if (typeOnly) {
      const types = children.flatMap((c) => String(c.params.type).split(','));
      out.push({ ...error, keyword: 'type', params: { type: [...new Set(types)].join(',') } });
    } else {
      const meant = children.filter((c) => !(c.keyword === 'type' && c.instancePath === at));
      out.push(...(meant.length > 0 ? meant : [error]));
    }
  }
  return out;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let value: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** "the frame", or the field as a dotted name ("error.message"). */
export function fieldName(pointer: string): string {
  if (pointer === '') return 'the frame';
  return pointer
    .slice(1)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function shortJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // BigInt or a cycle in a value handed over already parsed
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

let patternNames: Map<string, string> | undefined;

/** Pattern -> what it means, from the titled string definitions in defs.schema.json (Uuid, UuidStrict, …). */
function patternName(pattern: string): string | undefined {
  if (!patternNames) {
    patternNames = new Map();
    const defs = (wireSchema(DEFS_FILE).$defs ?? {}) as Record<string, JsonObject>;
    const names: Record<string, string> = {
      Uuid: 'a UUID the engine can parse (hyphenated, simple, urn: or braced)',
      UuidStrict: 'a lower-case hyphenated UUID (the canonical form the engine emits)',
      NamespaceStrict: 'a non-blank namespace',
    };
    for (const [name, def] of Object.entries(defs)) {
      const label = names[name];
      if (typeof def.pattern === 'string' && label) patternNames.set(def.pattern, label);
    }
  }
  return patternNames.get(pattern);
}

function describe(error: ErrorObject, root: unknown): Violation {
  const at = error.instancePath;
  const value = valueAt(root, at);
  const field = fieldName(at);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const name = String(p.missingProperty);
      const path = `${at}/${escapePointer(name)}`;
      return { path, keyword: 'required', message: `missing required field "${fieldName(path)}"` };
    }
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const path = `${at}/${escapePointer(name)}`;
      return { path, keyword: 'additionalProperties', message: `unknown field "${fieldName(path)}" (receivers ignore it)` };
    }
    case 'type':
      return { path: at, keyword: 'type', message: `${field} must be ${String(p.type).split(',').join(' or ')}, got ${jsonType(value)}` };
    case 'const':
      return { path: at, keyword: 'const', message: `${field} must be ${shortJson(p.allowedValue)}, got ${shortJson(value)}` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(shortJson).join(', ');
      return { path: at, keyword: 'enum', message: `${field} must be one of ${allowed}, got ${shortJson(value)}` };
    }
    case 'pattern': {
      const meaning = patternName(String(p.pattern)) ?? `a string matching ${String(p.pattern)}`;
      return { path: at, keyword: 'pattern', message: `${field} must be ${meaning}, got ${shortJson(value)}` };
    }
    default:
      return { path: at, keyword: error.keyword, message: `${field} ${error.message ?? 'is invalid'}` };
  }
}

/** ajv errors of one validation -> Violations, de-duplicated. `root` is the validated value. */
export function toViolations(errors: readonly ErrorObject[] | null | undefined, root: unknown): Violation[] {
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const error of collapseAlternatives(errors ?? [])) {
    const v = describe(error, root);
    const key = `${v.path} ${v.keyword} ${v.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      violations.push(v);
    }
  }
  return violations;
}
