// Turns a frame the wire validator accepted into a typed inbound message, with the engine's serde
// rules (engine-protocol.md §2): a required field missing or of the wrong JSON type makes the whole
// frame undecodable; an optional field that is null counts as absent; unknown extra fields are ignored.
// The validator decides first; this second pass keeps the engine safe whatever the validator lets by.

import type { Frame } from '../wire/index.ts';
import type { ErrorBody, HttpInvocationRef, JsonValue, MessageByType, TriggerAction } from '../wire/types.generated.ts';

type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
/**
 * A wire type (generated from schemas/) as the engine holds it once decoded: an optional field that was
 * null is absent (serde Option), so the protocol code never tells null from missing.
 */
type Decoded<T> = Omit<T, OptionalKeys<T>> & { [K in OptionalKeys<T>]?: Exclude<T[K], null> };

/** The decoded form of a worker message of type K; `With` replaces the fields decoding changes otherwise. */
type InboundOf<K extends keyof MessageByType, With = unknown> = Omit<Decoded<MessageByType[K]>, keyof With> & With;

export type Inbound =
  | { type: 'ping' }
  /** pong, workerregistered, registrationrejected: accepted from a worker and ignored (§2). */
  | { type: 'ignored'; original: string }
  | InboundOf<'registerfunction'>
  | InboundOf<'unregisterfunction'>
  /** `name` defaults to the id (serde default ""). */
  | InboundOf<'registerservice', { name: string }>
  | InboundOf<'registertriggertype'>
  | InboundOf<'registertrigger'>
  | InboundOf<'unregistertrigger'>
  | InboundOf<'triggerregistrationresult'>
  | InboundOf<'invokefunction'>
  | InboundOf<'invocationresult'>
  | InboundOf<'reattach'>;

/** Registration messages that wait in the namespace buffer while the connection's namespace is pending. */
export type BufferedRegistration = Extract<
  Inbound,
  { type: 'registerfunction' | 'unregisterfunction' | 'registerservice' | 'registertriggertype' | 'registertrigger' | 'unregistertrigger' }
>;

export function isBufferedRegistration(m: Inbound): m is BufferedRegistration {
  return (
    m.type === 'registerfunction' ||
    m.type === 'unregisterfunction' ||
    m.type === 'registerservice' ||
    m.type === 'registertriggertype' ||
    m.type === 'registertrigger' ||
    m.type === 'unregistertrigger'
  );
}

class Undecodable extends Error {}

function reqString(f: Frame, key: string): string {
  const v = f[key];
  if (typeof v !== 'string') throw new Undecodable(`"${key}" must be a string`);
  return v;
}

function optString(f: Frame, key: string): string | undefined {
  const v = f[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Undecodable(`"${key}" must be a string or null`);
  return v;
}

// A frame is parsed JSON text, so each value in it is JSON.

/** Any JSON, required: absent fails, null is a value. */
function reqAny(f: Frame, key: string): JsonValue {
  if (!(key in f)) throw new Undecodable(`"${key}" is required`);
  return f[key] as JsonValue;
}

/** Any JSON, optional: null is absent. */
function optAny(f: Frame, key: string): Exclude<JsonValue, null> | undefined {
  const v = f[key] as JsonValue | undefined;
  return v === null ? undefined : v;
}

function optError(f: Frame, key: string): ErrorBody | undefined {
  const v = f[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new Undecodable(`"${key}" must be an object`);
  const e = v as Frame;
  const body: ErrorBody = { code: reqString(e, 'code'), message: reqString(e, 'message') };
  const stack = optString(e, 'stacktrace');
  if (stack !== undefined) body.stacktrace = stack;
  return body;
}

function optAction(f: Frame): TriggerAction | undefined {
  const v = f.action;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new Undecodable('"action" must be an object');
  const a = v as Frame;
  if (a.type === 'void') return { type: 'void' };
  if (a.type === 'enqueue') return { type: 'enqueue', queue: reqString(a, 'queue') };
  throw new Undecodable('"action.type" must be "void" or "enqueue"');
}

const UUID_HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_SIMPLE = /^[0-9a-f]{32}$/i;

/** The uuid crate's accepted spellings (hyphenated, simple, urn:uuid:, any case), re-serialized lower-case hyphenated. */
export function normalizeUuid(text: string): string | undefined {
  let t = text;
  if (t.toLowerCase().startsWith('urn:uuid:')) t = t.slice('urn:uuid:'.length);
  if (UUID_HYPHENATED.test(t)) return t.toLowerCase();
  if (UUID_SIMPLE.test(t)) {
    const s = t.toLowerCase();
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  return undefined;
}

function uuidField(f: Frame, key: string, required: boolean): string | undefined {
  const v = required ? reqString(f, key) : optString(f, key);
  if (v === undefined) return undefined;
  const n = normalizeUuid(v);
  if (n === undefined) throw new Undecodable(`"${key}" is not a UUID`);
  return n;
}

/** Copies only the keys whose value is defined, so optional fields stay absent rather than undefined. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export type DecodeResult = { ok: true; message: Inbound } | { ok: false; reason: string };

export function decodeInbound(f: Frame): DecodeResult {
  try {
    return { ok: true, message: decodeOrThrow(f) };
  } catch (e) {
    if (e instanceof Undecodable) return { ok: false, reason: e.message };
    throw e;
  }
}

function decodeOrThrow(f: Frame): Inbound {
  switch (f.type) {
    case 'ping':
      return { type: 'ping' };
    case 'pong':
    case 'workerregistered':
    case 'registrationrejected':
      return { type: 'ignored', original: f.type };
    case 'registerfunction':
      return defined({
        type: 'registerfunction' as const,
        id: reqString(f, 'id'),
        description: optString(f, 'description'),
        request_format: optAny(f, 'request_format'),
        response_format: optAny(f, 'response_format'),
        metadata: optAny(f, 'metadata'),
        // Its shape is the wire validator's to judge; the engine only needs to know it is there (§3.1).
        invocation: optAny(f, 'invocation') as HttpInvocationRef | undefined,
      });
    case 'unregisterfunction':
      return { type: 'unregisterfunction', id: reqString(f, 'id') };
    case 'registerservice': {
      const id = reqString(f, 'id');
      const name = optString(f, 'name');
      return defined({
        type: 'registerservice' as const,
        id,
        name: name === undefined || name === '' ? id : name,
        description: optString(f, 'description'),
        parent_service_id: optString(f, 'parent_service_id'),
      });
    }
    case 'registertriggertype':
      return defined({
        type: 'registertriggertype' as const,
        id: reqString(f, 'id'),
        description: reqString(f, 'description'),
        trigger_request_format: optAny(f, 'trigger_request_format'),
        call_request_format: optAny(f, 'call_request_format'),
        namespace: optString(f, 'namespace'),
      });
    case 'registertrigger':
      return defined({
        type: 'registertrigger' as const,
        id: reqString(f, 'id'),
        trigger_type: reqString(f, 'trigger_type'),
        function_id: reqString(f, 'function_id'),
        config: reqAny(f, 'config'),
        metadata: optAny(f, 'metadata'),
        namespace: optString(f, 'namespace'),
        trigger_namespace: optString(f, 'trigger_namespace'),
      });
    case 'unregistertrigger':
      return defined({ type: 'unregistertrigger' as const, id: reqString(f, 'id'), trigger_type: optString(f, 'trigger_type') });
    case 'triggerregistrationresult':
      return defined({
        type: 'triggerregistrationresult' as const,
        id: reqString(f, 'id'),
        trigger_type: reqString(f, 'trigger_type'),
        function_id: reqString(f, 'function_id'),
        error: optError(f, 'error'),
      });
    case 'invokefunction':
      return defined({
        type: 'invokefunction' as const,
        invocation_id: uuidField(f, 'invocation_id', false),
        function_id: reqString(f, 'function_id'),
        data: reqAny(f, 'data'),
        traceparent: optString(f, 'traceparent'),
        baggage: optString(f, 'baggage'),
        action: optAction(f),
        metadata: optAny(f, 'metadata'),
        namespace: optString(f, 'namespace'),
      });
    case 'invocationresult': {
      const id = uuidField(f, 'invocation_id', true);
      if (id === undefined) throw new Undecodable('"invocation_id" is required');
      return defined({
        type: 'invocationresult' as const,
        invocation_id: id,
        function_id: reqString(f, 'function_id'),
        result: optAny(f, 'result'),
        error: optError(f, 'error'),
        traceparent: optString(f, 'traceparent'),
        baggage: optString(f, 'baggage'),
      });
    }
    case 'reattach':
      return defined({
        type: 'reattach' as const,
        previous_worker_id: reqString(f, 'previous_worker_id'),
        reattach_token: optString(f, 'reattach_token'),
      });
    default:
      throw new Undecodable(`"${String(f.type)}" is not an engine message type`);
  }
}

/** Whitespace-only (or empty) namespaces are refused where a namespace is named (engine `is_blank_namespace`). */
export function isBlankNamespace(ns: string | undefined): boolean {
  return ns !== undefined && ns.trim() === '';
}
