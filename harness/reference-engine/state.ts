// Per-connection and registry records of the reference engine. A connection holds only ids and lazily
// created sets, so thousands of idle workers cost little more than their sockets.

import type { ErrorBody } from '../wire/types.generated.ts';
import type { BufferedRegistration } from './decode.ts';

export const DEFAULT_NAMESPACE = 'default';

/** Stands for "the engine itself" where a trigger type is provided in-process. */
export const ENGINE_PROVIDER = '(engine)';

/** What `engine::workers::register` stored (engine-protocol.md §4.2 step 4). */
export interface WorkerMeta {
  runtime: string;
  version?: string;
  name?: string;
  description?: string;
  os?: string;
  pid?: number;
  isolation?: string;
  namespace?: string;
  telemetry?: unknown;
}

/**
 * One worker's socket as the protocol sees it. The lean transport wraps a `ws` socket (transport.ts); the
 * fake engine's recording connection is another (harness/fake-engine/connection.ts).
 */
export interface WorkerLink {
  /** Open for sending: not closing, not closed. */
  readonly open: boolean;
  send(frame: Record<string, unknown>): void;
  /** No code: a bare close frame (what the engine sends after WORKER_NAMESPACE_CONFLICT). */
  close(code?: number, reason?: string): void;
  /** Drops the socket without a close frame. */
  terminate(): void;
}

export class Connection {
  /** Fixed namespace; null while registrations are still being buffered (§4.2). */
  namespace: string | null = null;
  buffer: BufferedRegistration[] | null = null;
  drainTimer: NodeJS.Timeout | null = null;
  meta: WorkerMeta | null = null;
  /** Key of the worker-name lease this connection holds, see nameKey(). */
  nameKey: string | null = null;
  /** Function registry keys this connection owns. */
  functions: Set<string> | null = null;
  /** Invocation ids it is executing or waiting on (§4.6 step 3). */
  inflight: Set<string> | null = null;
  /** Trigger ids it registered. */
  triggers: Set<string> | null = null;
  /** Trigger type keys it provides. */
  triggerTypes: Set<string> | null = null;
  /** Cleanup ran (or is running): the connection no longer blocks name or function claims. */
  retired = false;

  constructor(
    readonly id: string,
    readonly token: string,
    readonly link: WorkerLink,
    readonly connectedAtMs: number,
    readonly connectedAtMono: number,
    readonly ip: string | null,
  ) {}

  /** Live and not tearing down: only such a connection can win a conflict against a newcomer. */
  get live(): boolean {
    return !this.retired && this.link.open;
  }
}

export function addTo(set: Set<string> | null, value: string): Set<string> {
  const s = set ?? new Set<string>();
  s.add(value);
  return s;
}

export function registryKey(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}

export function splitKey(key: string): { namespace: string; id: string } {
  const at = key.indexOf('\u0000');
  return { namespace: key.slice(0, at), id: key.slice(at + 1) };
}

export interface FunctionEntry {
  id: string;
  namespace: string;
  ownerId: string;
  description?: string;
  request_format?: unknown;
  response_format?: unknown;
  metadata?: unknown;
}

export interface TriggerTypeEntry {
  id: string;
  namespace: string;
  /** Connection id of the providing worker, or ENGINE_PROVIDER. */
  providerId: string;
  description: string;
  trigger_request_format?: unknown;
  call_request_format?: unknown;
}

export interface Binding {
  id: string;
  trigger_type: string;
  function_id: string;
  config: unknown;
  metadata?: unknown;
  /** Namespace the target function resolves in; absent = default. */
  targetNamespace?: string;
  /** Strict provider namespace, when the registration named one. */
  triggerNamespace?: string;
  /** The registering connection's namespace: first place to look for a provider. */
  homeNamespace: string;
  ownerId: string;
  /** Trigger type key of the provider serving it; null = parked (pending). */
  providerKey: string | null;
}

/** What an invocation ends with, as the engine forwards it in an `invocationresult`: a result or an error. */
export type ResultBody = { result?: unknown; error?: ErrorBody };

export interface InvocationEntry {
  functionId: string;
  executorId: string;
  /** Connection waiting for the result; null for void and id-less calls. */
  callerId: string | null;
  /** The engine itself waits on it (enqueue through a queue worker). */
  internal?: (o: ResultBody) => void;
}
