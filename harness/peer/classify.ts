// Turns a payload (as received or about to be sent) into what the transcript records: the bytes (or a
// prefix of them), the parsed value, the telemetry prefix, and the wire validator's verdict. Never throws.

import { compileAll, validateFrame, type FrameVerdict } from '../wire/index.ts';
import type { FrameRecord, RecordedVerdict, TelemetryInfo } from '../transcript/records.ts';
import type { Direction } from '../wire/index.ts';
import type { TranscriptLimits } from '../transcript/recorder.ts';
import { jsonShape, keyCount, pruneDeep } from '../util/json-depth.ts';

export { keyCount };

export interface ClassifiedPayload {
  /** Fields for the frame record (payload, verdict, telemetry). */
  fields: Pick<FrameRecord, 'encoding' | 'length' | 'text' | 'base64' | 'truncated' | 'frame' | 'verdict' | 'telemetry'>;
  /** The parsed value, always (even when too large to keep in the record); undefined when it did not parse. */
  value: unknown;
  /** The protocol type the fault schedule counts it as. */
  type: string;
  telemetry?: TelemetryInfo;
  /** Set for text frames kept whole: the record is a LazyFrameRecord over `text` (and `fields` is unused). */
  lazy?: { text: string; keepParsed: boolean; verdict: RecordedVerdict | undefined };
}

let warmed = false;

/**
 * Compiles every wire schema once per process, so the first frame of a case is not judged 300 ms late
 * (a delay an SDK would see as a slow engine). A schema that fails to compile surfaces later, per frame.
 */
export function warmValidator(): void {
  if (warmed) return;
  warmed = true;
  try {
    compileAll();
  } catch {
    // validateFrame reports it as a validator-crashed violation on each frame
  }
}

const TELEMETRY_PREFIXES = ['OTLP', 'MTRC', 'LOGS'] as const;

/**
 * `dir` is the frame's direction (the validator judges direction-specific forms); `parsed` is the value a
 * peer serialised itself, which spares a second parse (JSON.stringify cannot produce duplicate keys).
 */
export function classifyPayload(payload: Buffer | string, isBinary: boolean, limits: TranscriptLimits, dir: Direction, parsed?: unknown): ClassifiedPayload {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const keepParsed = length <= limits.maxParsedBytes;
  if (isBinary) {
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const bytes = binaryFields(buf, limits);
    const prefix = buf.subarray(0, 4).toString('latin1');
    if ((TELEMETRY_PREFIXES as readonly string[]).includes(prefix)) {
      const telemetry: TelemetryInfo = { prefix: prefix as TelemetryInfo['prefix'] };
      let body: unknown;
      try {
        body = JSON.parse(buf.subarray(4).toString('utf8'));
        if (keepParsed) telemetry.body = body;
      } catch (e) {
        telemetry.error = e instanceof Error ? e.message : String(e);
      }
      const verdict: RecordedVerdict = { base: 'telemetry', violations: [], strict: [] };
      return { fields: { encoding: 'binary', length, ...bytes, verdict, telemetry }, value: body, type: '(telemetry)', telemetry };
    }
    // Protocol messages may arrive as binary frames: they decode like text (engine-protocol §1.3).
    const judged = judge(buf, dir);
    return {
      fields: {
        encoding: 'binary',
        length,
        ...bytes,
        ...(judged.value !== undefined && keepParsed && !judged.tooDeep ? { frame: judged.value } : {}),
        verdict: judged.verdict,
      },
      value: judged.value,
      type: judged.type ?? '(binary)',
    };
  }
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  if (text.length <= limits.maxTextChars) {
    // Kept whole: the record holds the text; its parsed value (and a built frame's verdict) come on demand.
    if (parsed !== undefined) return lazyText(text, length, parsed, keepParsed, undefined);
    const judged = judge(text, dir);
    return lazyText(text, length, judged.value, keepParsed && !judged.tooDeep, judged.verdict);
  }
  const judged = parsed === undefined ? judge(text, dir) : judgeValue(parsed, dir);
  const shown = text.length > limits.maxTextChars ? { text: text.slice(0, limits.maxTextChars), truncated: true as const } : { text };
  return {
    fields: {
      encoding: 'text',
      length,
      ...shown,
      ...(judged.value !== undefined && keepParsed && !judged.tooDeep ? { frame: judged.value } : {}),
      verdict: judged.verdict,
    },
    value: judged.value,
    type: judged.type ?? '(invalid)',
  };
}

/**
 * A text frame the transcript keeps whole: the record gets the text now and its `frame` (and, for a frame
 * the harness built, its `verdict`) when first read (see transcript/lazy.ts). `value` is the live parse.
 */
function lazyText(text: string, length: number, value: unknown, keepParsed: boolean, verdict: RecordedVerdict | undefined): ClassifiedPayload {
  const lazy = { text, keepParsed, verdict };
  const type =
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' ? (value as { type: string }).type : '(invalid)';
  return { fields: { encoding: 'text', length, verdict: SKIPPED }, value, type, lazy };
}

/** Placeholder verdict in the fields of a lazily recorded frame (the record judges its own text). */
const SKIPPED: RecordedVerdict = Object.freeze({ base: 'skipped', violations: [], strict: [] }) as RecordedVerdict;

export function judgeText(text: string, dir: Direction): { value: unknown; verdict: RecordedVerdict } {
  return judge(text, dir);
}

function binaryFields(buf: Buffer, limits: TranscriptLimits): Pick<FrameRecord, 'base64' | 'truncated'> {
  return buf.length > limits.maxBinaryBytes
    ? { base64: buf.subarray(0, limits.maxBinaryBytes).toString('base64'), truncated: true }
    : { base64: buf.toString('base64') };
}

/** serde_json's default recursion limit: the engine refuses a frame nested deeper. */
export const FRAME_DEPTH_LIMIT = 128;

interface Judged {
  /** Nested deeper than FRAME_DEPTH_LIMIT: `value` is cut down, and the record keeps only the text. */
  tooDeep?: boolean;
  value: unknown;
  type?: string;
  verdict: RecordedVerdict;
}

/**
 * One parse per frame. The validator's text path parses again and scans for repeated keys (the engine
 * rejects a frame whose typed fields repeat one); most frames have none, and that is cheap to prove: a
 * colon outside a string is a member separator, so the text has repeated keys exactly when it holds more
 * colons than the parsed value has keys. Frames with none go to the validator as a value (same verdict,
 * ~2 µs less); the rest, malformed text and binary payloads take the validator's text path.
 */
function judge(input: string | Buffer, dir: Direction): Judged {
  if (typeof input === 'string') {
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(input);
      parsed = true;
    } catch {
      // malformed: the validator words the verdict
    }
    const shape = parsed && typeof value === 'object' && value !== null ? jsonShape(value, FRAME_DEPTH_LIMIT) : undefined;
    if (shape && shape.depth > FRAME_DEPTH_LIMIT) {
      // Deeper than the engine decodes (serde_json's recursion limit): named as the violation, and cut
      // down so nothing downstream (matching, summaries, the transcript) recurses through it.
      pruneDeep(value, FRAME_DEPTH_LIMIT);
      const violation = {
        path: '',
        keyword: 'depth',
        message: `nested deeper than ${FRAME_DEPTH_LIMIT} levels (serde_json's recursion limit: the engine cannot decode it); deeper values left out`,
      };
      return { ...withType(value, { ok: false, reason: 'schema', violations: [violation] } as FrameVerdict), tooDeep: true };
    }
    if (shape && colonsOutsideStrings(input) === shape.keys) {
      return withType(value, safeValidate(value, dir));
    }
  }
  const verdict = safeValidate(input, dir);
  return withType(verdict.frame, verdict);
}

/** Colons outside string literals in a JSON text (= members of all its objects, repeated keys included). */
export function colonsOutsideStrings(text: string): number {
  let colons = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 58 /* : */) colons++;
  }
  return colons;
}

function judgeValue(value: unknown, dir: Direction): Judged {
  // validateFrame reads a string argument as JSON text; a JSON string value must go in as its text.
  return withType(value, safeValidate(typeof value === 'string' ? JSON.stringify(value) : value, dir));
}

function withType(value: unknown, verdict: FrameVerdict): Judged {
  const type =
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' ? (value as { type: string }).type : undefined;
  return { value, ...(type === undefined ? {} : { type }), verdict: toRecorded(verdict) };
}

function safeValidate(input: unknown, dir: Direction): FrameVerdict {
  try {
    return validateFrame(input, dir);
  } catch (e) {
    return { ok: false, reason: 'schema', violations: [{ path: '', keyword: 'validator-crashed', message: e instanceof Error ? e.message : String(e) }] };
  }
}

const NO_VIOLATIONS: never[] = Object.freeze([]) as unknown as never[];
/** One frozen verdict per type for the common case (valid, no strict findings): nothing to allocate per frame. */
const CLEAN_VERDICTS = new Map<string, RecordedVerdict>();

export function toRecorded(v: FrameVerdict): RecordedVerdict {
  if (v.ok) {
    if (v.strict.length === 0 && !v.nonStandard) {
      let clean = CLEAN_VERDICTS.get(v.type);
      if (!clean) {
        clean = Object.freeze({ base: 'valid', type: v.type, violations: NO_VIOLATIONS, strict: NO_VIOLATIONS }) as RecordedVerdict;
        CLEAN_VERDICTS.set(v.type, clean);
      }
      return clean;
    }
    return { base: 'valid', type: v.type, ...(v.nonStandard ? { nonStandard: true } : {}), violations: NO_VIOLATIONS, strict: v.strict };
  }
  return { base: 'invalid', reason: v.reason, ...(v.type === undefined ? {} : { type: v.type }), violations: v.violations, strict: [] };
}
