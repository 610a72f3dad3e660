// The engine's built-in functions the fake engine answers faithfully (engine-protocol §5):
// engine::workers::register, engine::workers::list and engine::functions::list. Shapes follow
// engine/src/workers/engine_fn/mod.rs at the snapshot the protocol notes were written from.

import type { EngineConnection, ErrorBody, WorkerMetadata } from './connection.ts';

export const BUILTIN_IDS = ['engine::workers::register', 'engine::workers::list', 'engine::functions::list'] as const;
export type BuiltinId = (typeof BUILTIN_IDS)[number];

export function isBuiltin(id: string): id is BuiltinId {
  return (BUILTIN_IDS as readonly string[]).includes(id);
}

export type BuiltinOutcome =
  | { result: unknown }
  | { error: ErrorBody }
  /** `engine::workers::register` lost a name claim: send this rejection, then close (no result). */
  | { reject: Record<string, unknown> };

export interface BuiltinContext {
  caller: EngineConnection;
  /** Open worker connections on "/" (not /otel, not retired). */
  workers(): EngineConnection[];
}

export function runBuiltin(id: BuiltinId, data: unknown, ctx: BuiltinContext): BuiltinOutcome {
  switch (id) {
    case 'engine::workers::register':
      return register(data, ctx);
    case 'engine::workers::list':
      return listWorkers(data, ctx);
    case 'engine::functions::list':
      return listFunctions(data, ctx);
  }
}

function deserializationError(id: string, why: string): BuiltinOutcome {
  return { error: { code: 'deserialization_error', message: `Failed to deserialize input for ${id}: ${why}` } };
}

function asInput(id: string, data: unknown): { input: Record<string, unknown> } | { refused: BuiltinOutcome } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { refused: deserializationError(id, 'expected an object') };
  return { input: data as Record<string, unknown> };
}

/** Strips control and bidi characters, trims, caps at 280 chars (engine's name sanitising). */
export function sanitizeName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, 280);
}

function register(data: unknown, ctx: BuiltinContext): BuiltinOutcome {
  const parsed = asInput('engine::workers::register', data);
  if ('refused' in parsed) return parsed.refused;
  const input = parsed.input;
  const stringFields = ['runtime', 'version', 'name', 'description', 'os', 'isolation', 'namespace'] as const;
  for (const f of stringFields) {
    const v = input[f];
    if (v !== undefined && v !== null && typeof v !== 'string') return deserializationError('engine::workers::register', `field ${f}: expected a string`);
  }
  if (input.pid !== undefined && input.pid !== null && !(typeof input.pid === 'number' && Number.isInteger(input.pid) && input.pid >= 0)) {
    return deserializationError('engine::workers::register', 'field pid: expected u32');
  }
  const namespace = input.namespace as string | null | undefined;
  if (typeof namespace === 'string' && namespace.trim() === '') {
    return { error: { code: 'INVALID_NAMESPACE', message: '`namespace` is empty: it was named and left blank. Give it a name, or omit it to use `default`.' } };
  }
  const caller = ctx.caller;
  const declared = namespace ?? caller.namespace;
  const name = typeof input.name === 'string' ? sanitizeName(input.name) : undefined;
  if (name) {
    const owner = ctx.workers().find((w) => w !== caller && w.namespace === declared && w.metadata?.name !== undefined && sanitizeName(w.metadata.name) === name);
    if (owner) {
      return { reject: { type: 'registrationrejected', code: 'WORKER_NAMESPACE_CONFLICT', namespace: declared, worker_name: name, owner_worker_id: owner.workerId } };
    }
  }
  const previous = caller.metadata ?? {};
  const stored: WorkerMetadata = { ...previous, runtime: typeof input.runtime === 'string' ? input.runtime : 'unknown' };
  for (const f of ['version', 'description', 'os', 'isolation', 'namespace'] as const) {
    if (typeof input[f] === 'string') stored[f] = input[f] as string;
  }
  if (name) stored.name = name;
  if (typeof input.pid === 'number') stored.pid = input.pid;
  if (input.telemetry !== undefined) stored.telemetry = input.telemetry;
  caller.metadata = stored;
  caller.namespace = declared;
  return { result: { success: true } };
}

function listWorkers(data: unknown, ctx: BuiltinContext): BuiltinOutcome {
  const parsed = asInput('engine::workers::list', data ?? {});
  if ('refused' in parsed) return parsed.refused;
  const input = parsed.input;
  const search = typeof input.search === 'string' ? input.search.toLowerCase() : undefined;
  const rows = ctx
    .workers()
    // The engine hides WS connections that never reported a pid (telemetry ghosts).
    .filter((w) => typeof w.metadata?.pid === 'number')
    .map((w) => ({
      name: w.metadata?.name ?? null,
      description: w.metadata?.description ?? null,
      version: w.metadata?.version ?? null,
      id: w.workerId,
      namespace: w.namespace,
      runtime: w.metadata?.runtime ?? null,
      os: w.metadata?.os ?? null,
      status: 'connected',
      function_count: w.functions.size,
      connected_at_ms: w.connectedAtMs,
      active_invocations: w.inFlight.size,
      isolation: w.metadata?.isolation ?? null,
      ip_address: w.remoteAddress ?? null,
    }))
    .filter((r) => search === undefined || (r.name ?? '').toLowerCase().includes(search))
    .filter((r) => typeof input.runtime !== 'string' || r.runtime === input.runtime)
    .filter((r) => typeof input.status !== 'string' || r.status === input.status)
    .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.id.localeCompare(b.id));
  return { result: { workers: rows } };
}

function listFunctions(data: unknown, ctx: BuiltinContext): BuiltinOutcome {
  const parsed = asInput('engine::functions::list', data ?? {});
  if ('refused' in parsed) return parsed.refused;
  const input = parsed.input;
  const includeInternal = input.include_internal === true;
  const search = typeof input.search === 'string' ? input.search.toLowerCase() : undefined;
  const prefix = typeof input.prefix === 'string' ? input.prefix : undefined;
  const workerNames = new Set<string>([...(typeof input.worker === 'string' ? [input.worker] : []), ...(Array.isArray(input.workers) ? input.workers.filter((w): w is string => typeof w === 'string') : [])]);
  const rows: Array<{ function_id: string; namespace: string; worker_name: string; description?: string; metadata?: unknown }> = [];
  for (const w of ctx.workers()) {
    for (const [id, frame] of w.functions) {
      const metadata = frame.metadata;
      const internal = (id.startsWith('engine::') && !id.startsWith('engine::queue::')) || (typeof metadata === 'object' && metadata !== null && (metadata as { internal?: unknown }).internal === true);
      if (internal && !includeInternal) continue;
      rows.push({
        function_id: id,
        namespace: w.namespace,
        worker_name: w.metadata?.name ?? id.split('::')[0] ?? id,
        ...(typeof frame.description === 'string' ? { description: frame.description } : {}),
        ...(metadata === undefined || metadata === null ? {} : { metadata }),
      });
    }
  }
  if (includeInternal) for (const id of BUILTIN_IDS) rows.push({ function_id: id, namespace: 'default', worker_name: 'iii-engine-functions' });
  const filtered = rows
    .filter((r) => search === undefined || r.function_id.toLowerCase().includes(search))
    .filter((r) => prefix === undefined || r.function_id.startsWith(prefix))
    .filter((r) => workerNames.size === 0 || workerNames.has(r.worker_name))
    .sort((a, b) => a.function_id.localeCompare(b.function_id) || a.namespace.localeCompare(b.namespace));
  return { result: { functions: filtered } };
}
