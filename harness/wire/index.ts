// Public face of the wire layer: the validator every peer and case uses.
// PLACEHOLDER IMPLEMENTATION: the schema work (issue 2) replaces the body of validateFrame with ajv over
// schemas/ and the loose Frame type with types generated from the schemas. The signatures stay.

export const ENGINE_MESSAGE_TYPES = [
  'registertriggertype',
  'registertrigger',
  'triggerregistrationresult',
  'unregistertrigger',
  'registerfunction',
  'unregisterfunction',
  'invokefunction',
  'invocationresult',
  'registerservice',
  'ping',
  'pong',
  'reattach',
  'workerregistered',
  'registrationrejected',
] as const;
export type EngineMessageType = (typeof ENGINE_MESSAGE_TYPES)[number];
/** Types outside the engine's enum that real peers send: the auth `error` frame, Node's unregistertriggertype. */
export type NonStandardMessageType = 'error' | 'unregistertriggertype';
export type MessageType = EngineMessageType | NonStandardMessageType;

/** Loose frame type until generated wire types land. */
export interface Frame {
  type: string;
  [key: string]: unknown;
}

export interface Violation {
  /** JSON pointer inside the frame ("" for the frame itself). */
  path: string;
  /** ajv keyword, or one of: json, object, type. */
  keyword: string;
  /** A sentence a person can read. */
  message: string;
}

export type FrameVerdict =
  | {
      ok: true;
      type: MessageType;
      frame: Frame;
      /** Non-standard: the engine does not know this type (it would drop it). */
      nonStandard: boolean;
      /** Strict level: unknown fields and other non-fatal findings. */
      strict: Violation[];
    }
  | {
      ok: false;
      reason: 'malformed-json' | 'not-an-object' | 'missing-type' | 'unknown-type' | 'schema';
      type?: string;
      frame?: unknown;
      violations: Violation[];
    };

export function validateFrame(input: string | Uint8Array | unknown): FrameVerdict {
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, reason: 'malformed-json', violations: [{ path: '', keyword: 'json', message: String(e) }] };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not-an-object', frame: value, violations: [{ path: '', keyword: 'object', message: 'frame is not a JSON object' }] };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, reason: 'missing-type', frame: value, violations: [{ path: '/type', keyword: 'type', message: 'frame has no string "type"' }] };
  }
  const known = (ENGINE_MESSAGE_TYPES as readonly string[]).includes(type);
  const nonStandard = type === 'error' || type === 'unregistertriggertype';
  if (!known && !nonStandard) {
    return { ok: false, reason: 'unknown-type', type, frame: value, violations: [{ path: '/type', keyword: 'enum', message: `unknown message type "${type}"` }] };
  }
  return { ok: true, type: type as MessageType, frame: value as Frame, nonStandard, strict: [] };
}
