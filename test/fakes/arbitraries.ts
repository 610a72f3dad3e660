// fast-check generators of hostile input for the peers: arbitrary bytes, arbitrary JSON, and frames
// that look like protocol messages but violate the schema (field removed, wrong type, case-mangled type).

import fc from 'fast-check';

/** Valid-looking templates, one per message type, that mutations start from. */
const TEMPLATES: Record<string, Record<string, unknown>> = {
  registerfunction: { type: 'registerfunction', id: 'x::f', description: 'd' },
  unregisterfunction: { type: 'unregisterfunction', id: 'x::f' },
  registertriggertype: { type: 'registertriggertype', id: 'tt', description: 'd' },
  registertrigger: { type: 'registertrigger', id: 't', trigger_type: 'tt', function_id: 'x::f', config: {} },
  unregistertrigger: { type: 'unregistertrigger', id: 't', trigger_type: 'tt' },
  triggerregistrationresult: { type: 'triggerregistrationresult', id: 't', trigger_type: 'tt', function_id: 'x::f', error: { code: 'c', message: 'm' } },
  registerservice: { type: 'registerservice', id: 's', name: 's' },
  invokefunction: { type: 'invokefunction', invocation_id: '9f3c2a1e-0d7b-4c1a-9a55-2b1f6c8e4d10', function_id: 'x::f', data: {} },
  invocationresult: { type: 'invocationresult', invocation_id: '9f3c2a1e-0d7b-4c1a-9a55-2b1f6c8e4d10', function_id: 'x::f', result: 1 },
  reattach: { type: 'reattach', previous_worker_id: 'w', reattach_token: 't' },
  workerregistered: { type: 'workerregistered', worker_id: 'w', reattach_token: 't' },
  registrationrejected: { type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: 'default', function_id: 'x', owner_worker_id: 'o' },
  ping: { type: 'ping' },
  pong: { type: 'pong' },
};

/** A template with one field removed, retyped, or its type case-mangled: usually invalid, sometimes still valid. */
export const mutatedFrame: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...Object.keys(TEMPLATES)), fc.nat(), fc.constantFrom('remove', 'retype', 'case', 'extra'), fc.jsonValue())
  .map(([type, pick, how, value]) => {
    const frame = structuredClone(TEMPLATES[type]!);
    const keys = Object.keys(frame).filter((k) => k !== 'type');
    const key = keys.length ? keys[pick % keys.length]! : 'type';
    if (how === 'remove') delete frame[key];
    else if (how === 'retype') frame[key] = typeof frame[key] === 'string' ? (typeof value === 'string' ? 7 : value) : 'not-the-right-type';
    else if (how === 'case') frame.type = type.toUpperCase();
    else frame[`extra_${pick % 5}`] = value;
    return frame;
  });

/** One hostile frame: how it is sent plus its payload. */
export type HostileFrame = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array };

export const hostileFrame: fc.Arbitrary<HostileFrame> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'binary' as const, bytes })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'text' as const, text: JSON.stringify(v) ?? 'null' })),
  mutatedFrame.map((f) => ({ kind: 'text' as const, text: JSON.stringify(f) })),
  mutatedFrame.map((f) => ({ kind: 'binary' as const, bytes: new TextEncoder().encode(JSON.stringify(f)) })),
  fc.constantFrom<HostileFrame>(
    { kind: 'text', text: '' },
    { kind: 'text', text: '   ' },
    { kind: 'text', text: '{"type":"ping","type":"pong"}' },
    { kind: 'text', text: '{"type":"invokefunction","function_id":"x","data":null,"invocation_id":"not-a-uuid"}' },
    { kind: 'binary', bytes: new TextEncoder().encode('OTLP{not json') },
    { kind: 'binary', bytes: new TextEncoder().encode('MTRC') },
  ),
);

export function describeHostile(f: HostileFrame): string {
  return f.kind === 'text' ? `text ${JSON.stringify(f.text.slice(0, 60))}` : `binary ${f.bytes.length} bytes`;
}
