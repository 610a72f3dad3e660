// The built-in `engine::*` functions the reference engine serves in namespace `default`
// (engine-protocol.md §5): register/list workers, list functions, trigger types and registered triggers,
// plus the logging and health calls real SDK workers make. Input decoding follows the `#[function]`
// macro: a payload that does not decode is answered with `deserialization_error`.

// WorkerInfo: one row of engine::workers::list (the engine's WorkerSummary), typed from schemas/builtins.schema.json.
import type { WorkerInfo } from '../wire/types.generated.ts';
import type { Connection, Binding, FunctionEntry, TriggerTypeEntry, WorkerMeta, ResultBody } from './state.ts';
import { DEFAULT_NAMESPACE, ENGINE_PROVIDER } from './state.ts';
import { isBlankNamespace } from './decode.ts';

export interface BuiltinHost {
  readonly connections: ReadonlyMap<string, Connection>;
  readonly functions: ReadonlyMap<string, FunctionEntry>;
  readonly triggerTypes: ReadonlyMap<string, TriggerTypeEntry>;
  readonly bindings: ReadonlyMap<string, Binding>;
  readonly startedAtMs: number;
  registerWorker(conn: Connection, input: WorkerMeta): boolean;
  closeAfterRejection(conn: Connection): void;
  namespaceOf(conn: Connection): string;
  logMessage(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

/** The in-process worker that owns the builtins, as workers::list shows it. */
export const ENGINE_WORKER_ID = '00000000-0000-4000-8000-000000000001';
export const ENGINE_WORKER_NAME = 'iii-engine-functions';
export const ENGINE_VERSION = '0.23.0-reference';

type Input = Record<string, unknown>;
type Builtin = (host: BuiltinHost, conn: Connection, input: Input) => ResultBody;

class BadInput extends Error {}

const LOG_LEVELS = ['info', 'warn', 'error', 'debug', 'trace'] as const;

const BUILTINS: Record<string, Builtin> = {
  'engine::workers::register': registerWorker,
  'engine::workers::list': listWorkers,
  'engine::functions::list': listFunctions,
  'engine::triggers::list': listTriggerTypes,
  'engine::registered-triggers::list': listRegisteredTriggers,
  'engine::health::check': () => ({ result: { status: 'healthy' } }),
  ...Object.fromEntries(
    LOG_LEVELS.map((level): [string, Builtin] => [
      `engine::log::${level}`,
      (host, conn, input) => {
        host.logMessage(level === 'trace' ? 'debug' : level, String(input.message ?? ''), { worker_id: conn.id });
        return {};
      },
    ]),
  ),
};

export const BUILTIN_IDS: ReadonlySet<string> = new Set(Object.keys(BUILTINS));

export function callBuiltin(host: BuiltinHost, conn: Connection, id: string, data: unknown): ResultBody {
  const fn = BUILTINS[id];
  if (!fn) return { error: { code: 'function_not_found', message: `Function ${id} not found in namespace ${DEFAULT_NAMESPACE}.` } };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return deserializationError(id, `invalid type: ${data === null ? 'null' : Array.isArray(data) ? 'sequence' : typeof data}, expected a map`);
  }
  try {
    return fn(host, conn, data as Input);
  } catch (e) {
    if (e instanceof BadInput) return deserializationError(id, e.message);
    throw e;
  }
}

function deserializationError(id: string, detail: string): ResultBody {
  return { error: { code: 'deserialization_error', message: `Failed to deserialize input for ${id}: ${detail}` } };
}

function optString(input: Input, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadInput(`invalid type for \`${key}\`, expected a string`);
  return v;
}

function optBool(input: Input, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BadInput(`invalid type for \`${key}\`, expected a boolean`);
  return v;
}

function optStringList(input: Input, key: string): string[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new BadInput(`invalid type for \`${key}\`, expected a list of strings`);
  return v as string[];
}

/** Control and bidi characters stripped, trimmed, at most 280 characters; empty means no name (§4.2 step 3). */
export function sanitizeWorkerName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = [...name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')].slice(0, 280).join('').trim();
  return cleaned === '' ? undefined : cleaned;
}

function registerWorker(host: BuiltinHost, conn: Connection, input: Input): ResultBody {
  const namespace = optString(input, 'namespace');
  const pidValue = input.pid;
  if (pidValue !== undefined && pidValue !== null && !(Number.isInteger(pidValue) && (pidValue as number) >= 0 && (pidValue as number) <= 0xffffffff)) {
    throw new BadInput('invalid value for `pid`, expected u32');
  }
  const meta: WorkerMeta = { runtime: optString(input, 'runtime') ?? 'unknown' };
  const fields: Partial<WorkerMeta> = {
    version: optString(input, 'version'),
    name: sanitizeWorkerName(optString(input, 'name')),
    description: optString(input, 'description'),
    os: optString(input, 'os'),
    isolation: optString(input, 'isolation'),
    namespace,
    pid: pidValue === undefined || pidValue === null ? undefined : (pidValue as number),
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (meta as unknown as Record<string, unknown>)[k] = v;
  const telemetry = input.telemetry;
  if (telemetry !== undefined && telemetry !== null) {
    if (typeof telemetry !== 'object' || Array.isArray(telemetry)) throw new BadInput('invalid type for `telemetry`, expected a map');
    meta.telemetry = telemetry;
  }
  if (isBlankNamespace(namespace)) {
    return { error: { code: 'INVALID_NAMESPACE', message: '`namespace` is empty: it was named and left blank. Give it a name, or omit it to use `default`.' } };
  }
  if (!host.registerWorker(conn, meta)) {
    host.closeAfterRejection(conn);
    return { result: { success: false } };
  }
  return { result: { success: true } };
}

function summarize(host: BuiltinHost, conn: Connection): WorkerInfo {
  const m = conn.meta;
  return {
    name: m?.name ?? null,
    description: m?.description ?? null,
    version: m?.version ?? null,
    id: conn.id,
    namespace: host.namespaceOf(conn),
    runtime: m?.runtime ?? null,
    os: m?.os ?? null,
    status: 'connected',
    function_count: conn.functions?.size ?? 0,
    connected_at_ms: conn.connectedAtMs,
    active_invocations: conn.inflight?.size ?? 0,
    isolation: m?.isolation ?? null,
    ip_address: conn.ip,
  };
}

function engineWorkerSummary(host: BuiltinHost): WorkerInfo {
  return {
    name: ENGINE_WORKER_NAME,
    description: null,
    version: ENGINE_VERSION,
    id: ENGINE_WORKER_ID,
    namespace: DEFAULT_NAMESPACE,
    runtime: 'engine',
    os: null,
    status: 'available',
    function_count: BUILTIN_IDS.size,
    connected_at_ms: host.startedAtMs,
    active_invocations: 0,
    isolation: 'in-process',
    ip_address: null,
  };
}

/** Connections that never reported a `pid` are hidden (telemetry ghosts, §5). */
function listWorkers(host: BuiltinHost, _conn: Connection, input: Input): ResultBody {
  const search = optString(input, 'search')?.toLowerCase();
  const runtime = optString(input, 'runtime');
  const status = optString(input, 'status');
  const rows = [engineWorkerSummary(host)];
  for (const c of host.connections.values()) if (!c.retired && c.meta?.pid !== undefined) rows.push(summarize(host, c));
  const workers = rows
    .filter(
      (w) =>
        (search === undefined || (w.name ?? '').toLowerCase().includes(search)) &&
        (runtime === undefined || w.runtime === runtime) &&
        (status === undefined || w.status === status),
    )
    .sort((a, b) => compare(a.name ?? a.id, b.name ?? b.id) || compare(a.id, b.id));
  return { result: { workers } };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ownerName(host: BuiltinHost, ownerId: string, id: string): string {
  if (ownerId === ENGINE_PROVIDER) return ENGINE_WORKER_NAME;
  return host.connections.get(ownerId)?.meta?.name ?? id.split('::')[0] ?? id;
}

function isInternal(id: string, metadata: unknown): boolean {
  if (id.startsWith('engine::') && !id.startsWith('engine::queue::')) return true;
  return typeof metadata === 'object' && metadata !== null && (metadata as { internal?: unknown }).internal === true;
}

function listFunctions(host: BuiltinHost, _conn: Connection, input: Input): ResultBody {
  const search = optString(input, 'search')?.toLowerCase();
  const prefix = optString(input, 'prefix');
  const worker = optString(input, 'worker');
  const workers = optStringList(input, 'workers');
  const includeInternal = optBool(input, 'include_internal') ?? false;
  type Row = { function_id: string; namespace: string; worker_name: string; description?: string; metadata?: unknown };
  const rows: Row[] = [];
  for (const f of host.functions.values()) {
    const row: Row = { function_id: f.id, namespace: f.namespace, worker_name: ownerName(host, f.ownerId, f.id) };
    if (f.description !== undefined) row.description = f.description;
    if (f.metadata !== undefined) row.metadata = f.metadata;
    if (!includeInternal && isInternal(f.id, f.metadata)) continue;
    rows.push(row);
  }
  if (includeInternal) for (const id of BUILTIN_IDS) rows.push({ function_id: id, namespace: DEFAULT_NAMESPACE, worker_name: ENGINE_WORKER_NAME });
  const functions = rows
    .filter(
      (r) =>
        (search === undefined || r.function_id.toLowerCase().includes(search)) &&
        (prefix === undefined || r.function_id.startsWith(prefix)) &&
        (worker === undefined || r.worker_name === worker) &&
        (workers === undefined || workers.includes(r.worker_name)),
    )
    .sort((a, b) => compare(a.function_id, b.function_id) || compare(a.namespace, b.namespace));
  return { result: { functions } };
}

function listTriggerTypes(host: BuiltinHost, _conn: Connection, input: Input): ResultBody {
  const search = optString(input, 'search')?.toLowerCase();
  const prefix = optString(input, 'prefix');
  const worker = optString(input, 'worker');
  const includeInternal = optBool(input, 'include_internal') ?? false;
  const triggers = [...host.triggerTypes.values()]
    .filter((t) => includeInternal || !t.id.startsWith('engine::'))
    .map((t) => ({ id: t.id, namespace: t.namespace, worker_name: ownerName(host, t.providerId, t.id), description: t.description }))
    .filter(
      (t) =>
        (search === undefined || t.id.toLowerCase().includes(search)) &&
        (prefix === undefined || t.id.startsWith(prefix)) &&
        (worker === undefined || t.worker_name === worker),
    )
    .sort((a, b) => compare(a.id, b.id) || compare(a.namespace, b.namespace));
  return { result: { triggers } };
}

function listRegisteredTriggers(host: BuiltinHost, _conn: Connection, input: Input): ResultBody {
  const search = optString(input, 'search')?.toLowerCase();
  const triggerType = optString(input, 'trigger_type');
  const functionId = optString(input, 'function_id');
  const worker = optString(input, 'worker');
  const includeInternal = optBool(input, 'include_internal') ?? false;
  const registered = [...host.bindings.values()]
    .filter((b) => includeInternal || !b.trigger_type.startsWith('engine::'))
    .map((b) => {
      const config = JSON.stringify(b.config) ?? 'null';
      return {
        id: b.id,
        trigger_type: b.trigger_type,
        function_id: b.function_id,
        worker_name: ownerName(host, b.ownerId, b.function_id),
        config: b.config,
        config_summary: config.length > 80 ? `${config.slice(0, 80)}…` : config,
      };
    })
    .filter(
      (b) =>
        (search === undefined || b.id.toLowerCase().includes(search) || b.function_id.toLowerCase().includes(search)) &&
        (triggerType === undefined || b.trigger_type === triggerType) &&
        (functionId === undefined || b.function_id === functionId) &&
        (worker === undefined || b.worker_name === worker),
    )
    .sort((a, b) => compare(a.id, b.id));
  return { result: { registered_triggers: registered } };
}
