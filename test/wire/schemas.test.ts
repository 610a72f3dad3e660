// The schema files themselves: they compile in ajv strict mode at both levels, each message schema
// matches its type tag and cites its source, the strict derivation behaves, and the "any frame" union
// agrees with the per-type validator.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  compileAll,
  ENGINE_MESSAGE_TYPES,
  MESSAGE_TYPES,
  messageDirections,
  SCHEMA_BASE_URI,
  SCHEMA_DIR,
  validateFrame,
  WIRE_SCHEMA_FILES,
} from '../../harness/wire/index.ts';
import { toStrictSchema, type JsonObject } from '../../harness/wire/schema-store.ts';
import { frameFixtures } from './load-fixtures.ts';

const read = (file: string) => JSON.parse(readFileSync(SCHEMA_DIR + file, 'utf8')) as JsonObject;

describe('wire schemas', () => {
  it('compile in ajv strict mode, base and strict level', () => {
    expect(() => compileAll()).not.toThrow();
    for (const level of ['base', 'strict'] as const) {
      const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
      for (const file of WIRE_SCHEMA_FILES) {
        if (level === 'strict' && file === 'frame.schema.json') continue;
        ajv.addSchema(level === 'strict' ? toStrictSchema(read(file)) : read(file));
      }
      for (const file of WIRE_SCHEMA_FILES) {
        if (level === 'strict' && file === 'frame.schema.json') continue;
        expect(ajv.getSchema(SCHEMA_BASE_URI + file), `${level} ${file}`).toBeTypeOf('function');
      }
    }
  });

  it('has one file per message type, named after its tag, with $id, title and a sourced description', () => {
    for (const type of MESSAGE_TYPES) {
      const schema = read(`${type}.schema.json`);
      expect(schema.$id).toBe(`${SCHEMA_BASE_URI}${type}.schema.json`);
      expect((schema.properties as JsonObject).type).toEqual({ const: type });
      expect(schema.title).toMatch(/^[A-Z]\w+$/);
      expect(String(schema.description)).toMatch(/engine-protocol\.md §/);
      expect(messageDirections(type).length, type).toBeGreaterThan(0);
    }
  });

  it('describes every field of every message', () => {
    for (const type of MESSAGE_TYPES) {
      const schema = read(`${type}.schema.json`);
      const variants = Object.values((schema.$defs ?? {}) as Record<string, JsonObject>);
      for (const s of [schema, ...variants]) {
        for (const [field, sub] of Object.entries((s.properties ?? {}) as Record<string, JsonObject>)) {
          if (field === 'type') continue;
          const described = typeof sub.description === 'string' || typeof sub.$ref === 'string';
          expect(described, `${type}.${field}`).toBe(true);
        }
      }
    }
  });

  it('marks exactly the two frames outside the engine enum as non-standard', () => {
    for (const type of MESSAGE_TYPES) {
      const nonStandard = String(read(`${type}.schema.json`).description).startsWith('NON-STANDARD.');
      expect(nonStandard, type).toBe(!(ENGINE_MESSAGE_TYPES as readonly string[]).includes(type));
    }
  });

  it('derives the strict level without touching the source schema or conditions', () => {
    const source = read('defs.schema.json');
    const before = JSON.stringify(source);
    const strict = toStrictSchema(source);
    expect(JSON.stringify(source)).toBe(before);
    const defs = strict.$defs as Record<string, JsonObject>;
    expect(defs.ErrorBody!.additionalProperties).toBe(false);
    expect(defs.Uuid).toEqual({ $ref: '#/$defs/UuidStrict' });
    expect(defs.Namespace).toEqual({ $ref: '#/$defs/NamespaceStrict' });
    const ifSchema = defs.TriggerAction!.if as JsonObject;
    expect(ifSchema.additionalProperties).toBeUndefined();
  });
});

describe('the any-frame union (frame.schema.json)', () => {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
  for (const file of WIRE_SCHEMA_FILES) ajv.addSchema(read(file));
  const union = ajv.getSchema(`${SCHEMA_BASE_URI}frame.schema.json`)!;

  it('lists every message type in its discriminator', () => {
    const tags = ((read('frame.schema.json').properties as JsonObject).type as { enum: string[] }).enum;
    expect(new Set(tags)).toEqual(new Set(MESSAGE_TYPES));
  });

  it('agrees with validateFrame on every direction-neutral fixture given as a value', () => {
    let checked = 0;
    for (const f of frameFixtures()) {
      if (f.direction || typeof f.input !== 'object' || f.input === null || Buffer.isBuffer(f.input)) continue;
      expect(union(f.input), f.file).toBe(validateFrame(f.input).ok);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});
