// Fuzz frames for one direction of the wire: a valid frame generated from the message's schema, then,
// most of the time, one mutation of it: wrong types, missing and extra fields, boundary numbers, huge and
// deep values, bad UTF-8, duplicate keys, values that are not objects. Huge and deep values are bounded
// (HUGE_MAX_BYTES, DEEP_MAX) so that the harness itself stays small while the peer is stressed.

import fc from 'fast-check';
import { MESSAGE_TYPES, type Direction, type MessageType } from '../wire/message-types.ts';
import { messageDirections, messageSchemaFile, wireSchema } from '../wire/schema-store.ts';
import { schemaArbitrary } from './schema-arbitrary.ts';

/** One WebSocket message as the fuzz lane sends it. `text` frames may carry invalid UTF-8 (bytes as hex). */
export type FuzzFrame = { kind: 'text'; mutation: Mutation; text: string } | { kind: 'bytes'; mutation: Mutation; hex: string; binary: boolean };

export const MUTATIONS = [
  'valid',
  'wrong-type',
  'missing-field',
  'extra-field',
  'boundary-number',
  'huge-value',
  'deep-value',
  'bad-utf8',
  'duplicate-key',
  'not-an-object',
  'binary-json',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

export const HUGE_MAX_BYTES = 256 * 1024;
export const DEEP_MAX = 1000;

/**
 * A JSON object drawn from a message's schema. Not typed as that message: the conditional rules are not
 * generated, so a few are invalid (and the mutations below are invalid on purpose).
 */
export type SchemaDrawnFrame = Record<string, unknown>;

/** The schema node a message of `type` is checked against in `direction` (variant when it has one). */
function directionSchema(type: MessageType, direction: Direction): unknown {
  const file = messageSchemaFile(type);
  const root = wireSchema(file);
  const defs = (root.$defs ?? {}) as Record<string, unknown>;
  const variant = direction === 'worker->engine' ? defs.toEngine : defs.toWorker;
  return variant ?? root;
}

/** Message types a peer may receive in `direction`, minus those the protocol makes fatal on purpose. */
export function fuzzedTypes(direction: Direction, exclude: readonly string[] = []): MessageType[] {
  return MESSAGE_TYPES.filter((t) => !exclude.includes(t)).filter((t) => {
    const dirs = messageDirections(t);
    return dirs.length === 0 || dirs.includes(direction);
  });
}

/** Valid frames (per the schemas, conditions aside) of the given types. */
export function validFrameArbitrary(direction: Direction, types: readonly MessageType[]): fc.Arbitrary<SchemaDrawnFrame> {
  return fc.oneof(...types.map((t) => schemaArbitrary(directionSchema(t, direction), messageSchemaFile(t)).map((v) => v as SchemaDrawnFrame)));
}

const WRONG_VALUES: unknown[] = [42, -1, true, false, null, '', 'x', [], [1, 'a'], {}, { nested: { x: 1 } }, 1.5];
const BOUNDARY_TEXT = [
  '0',
  '-0',
  '-1',
  '2147483647',
  '2147483648',
  '-2147483649',
  '4294967296',
  '9007199254740991',
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551616',
  '1e308',
  '-1e308',
  '1e400',
  '5e-324',
  '1.7976931348623157e308',
  '0.1e-400',
  '123456789012345678901234567890',
];

function pickKey(frame: SchemaDrawnFrame, n: number, keepType: boolean): string | undefined {
  const keys = Object.keys(frame).filter((k) => !keepType || k !== 'type');
  return keys.length === 0 ? undefined : keys[n % keys.length];
}

/** JSON text with `key`'s value replaced by raw JSON text (numbers JSON.stringify cannot write, deep nesting). */
function withRawValue(frame: SchemaDrawnFrame, key: string, raw: string): string {
  const marker = `\u0000fuzz-${key}\u0000`;
  return JSON.stringify({ ...frame, [key]: marker }).replace(JSON.stringify(marker), raw);
}

const mutationInput = fc.record({ mutation: fc.constantFrom(...MUTATIONS), pick: fc.nat(), size: fc.nat(), wrong: fc.nat() });

/** Applies one mutation to a valid frame; deterministic in its inputs, so fast-check can shrink it. */
export function mutate(frame: SchemaDrawnFrame, m: { mutation: Mutation; pick: number; size: number; wrong: number }): FuzzFrame {
  const text = (t: string): FuzzFrame => ({ kind: 'text', mutation: m.mutation, text: t });
  const key = pickKey(frame, m.pick, m.mutation !== 'missing-field') ?? 'type';
  switch (m.mutation) {
    case 'valid':
      return text(JSON.stringify(frame));
    case 'wrong-type':
      return text(JSON.stringify({ ...frame, [key]: WRONG_VALUES[m.wrong % WRONG_VALUES.length] }));
    case 'missing-field': {
      const { [key]: _gone, ...rest } = frame;
      return text(JSON.stringify(rest));
    }
    case 'extra-field':
      return text(
        JSON.stringify({
          ...frame,
          [`fuzz_extra_${m.pick % 7}`]: WRONG_VALUES[m.wrong % WRONG_VALUES.length],
          ...(m.wrong % 3 === 0 ? { __proto__x: 1, constructor: 'x' } : {}),
        }),
      );
    case 'boundary-number':
      return text(withRawValue(frame, key, BOUNDARY_TEXT[m.wrong % BOUNDARY_TEXT.length]!));
    case 'huge-value': {
      // One huge value in four is up to HUGE_MAX_BYTES, the rest up to 8 KiB: the lane's own memory stays small.
      const bytes = 1024 * (1 + (m.size % (m.pick % 4 === 0 ? HUGE_MAX_BYTES / 1024 : 8)));
      return text(m.wrong % 2 === 0 ? JSON.stringify({ ...frame, [key]: 'x'.repeat(bytes) }) : withRawValue(frame, key, `[${'1,'.repeat(bytes / 2 - 1)}1]`));
    }
    case 'deep-value': {
      const depth = 100 + (m.size % (DEEP_MAX - 100));
      const nest = m.wrong % 2 === 0 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      return text(withRawValue(frame, key, nest));
    }
    case 'bad-utf8': {
      // Invalid UTF-8 inside a binary frame (text frames with invalid UTF-8 must fail the connection, RFC 6455 §8.1),
      // and lone surrogates as JSON escapes in a text frame (valid UTF-8, invalid Unicode after decoding).
      if (m.wrong % 2 === 0) return text(withRawValue(frame, key, ['"\\ud800"', '"\\udfff\\ud800"', '"a\\ud83d"'][m.pick % 3]!));
      const json = Buffer.from(JSON.stringify({ ...frame, [key]: 'BAD' }));
      const at = json.indexOf('BAD');
      const bad = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xc0, 0xaf])][
        m.pick % 5
      ]!;
      const bytes = Buffer.concat([json.subarray(0, at), bad, json.subarray(at + 3)]);
      return { kind: 'bytes', mutation: m.mutation, hex: bytes.toString('hex'), binary: true };
    }
    case 'duplicate-key': {
      // Raw text: JSON.stringify cannot write a key twice. The later value is of another type.
      const json = JSON.stringify(frame);
      const dup = `${JSON.stringify(key)}:${JSON.stringify(WRONG_VALUES[m.wrong % WRONG_VALUES.length])}`;
      return text(m.pick % 2 === 0 ? `{${dup},${json.slice(1)}` : `${json.slice(0, -1)}${json.length > 2 ? ',' : ''}${dup}}`);
    }
    case 'not-an-object': {
      const json = JSON.stringify(frame);
      const options = [
        'null',
        '[]',
        `[${json}]`,
        '42',
        '"invokefunction"',
        'true',
        '',
        ' ',
        json.slice(0, Math.max(1, m.size % json.length)),
        `${json}${json}`,
        `${json} trailing`,
      ];
      return text(options[m.wrong % options.length]!);
    }
    case 'binary-json':
      return { kind: 'bytes', mutation: m.mutation, hex: Buffer.from(JSON.stringify(frame)).toString('hex'), binary: true };
  }
}

/** Fuzz frames for peers receiving in `direction`: a schema-valid frame, then one mutation of it. */
export function fuzzFrameArbitrary(direction: Direction, exclude: readonly string[] = []): fc.Arbitrary<FuzzFrame> {
  return fc.tuple(validFrameArbitrary(direction, fuzzedTypes(direction, exclude)), mutationInput).map(([frame, m]) => mutate(frame, m));
}

/** The payload and frame kind a FuzzFrame goes out as. */
export function wirePayload(f: FuzzFrame): { data: string | Uint8Array; binary: boolean } {
  return f.kind === 'text' ? { data: f.text, binary: false } : { data: Buffer.from(f.hex, 'hex'), binary: f.binary };
}

/** A short, printable description of a frame for summaries (never the raw bytes). */
export function describeFrame(f: FuzzFrame): string {
  const body = f.kind === 'text' ? f.text : `${f.binary ? 'binary' : 'text'} frame of ${f.hex.length / 2} bytes`;
  const shown = body.length > 120 ? `${body.slice(0, 120)}… (${body.length} chars)` : body;
  return `${f.mutation}: ${JSON.stringify(shown)}`;
}
