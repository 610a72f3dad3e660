// The reference engine: a faithful TypeScript rendering of the iii engine's worker protocol, written from
// engine-protocol.md (§1-§7) and its rule list §11.1. This file is the protocol (connections, namespaces,
// functions, invocations, triggers, reattach, cleanup); transport.ts is the listener and the frames.
//
// The protected methods are the seams the mutant engines in fixtures/mutants/engine/ override, one
// seeded bug each; keep each of them a single protocol duty.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { ErrorBody } from '../wire/types.generated.ts';
import { isBlankNamespace, isBufferedRegistration, type BufferedRegistration, type Inbound } from './decode.ts';
import {
  addTo,
  Connection,
  DEFAULT_NAMESPACE,
  ENGINE_PROVIDER,
  registryKey,
  splitKey,
  type Binding,
  type FunctionEntry,
  type InvocationEntry,
  type ResultBody,
  type TriggerTypeEntry,
  type WorkerLink,
  type WorkerMeta,
} from './state.ts';
import { BUILTIN_IDS, callBuiltin, type BuiltinHost } from './builtins.ts';
import { EngineTransport, WebSocketLink, type LogLevel, type ReferenceEngineOptions } from './transport.ts';

export type { EngineLogger, LogLevel, ReferenceEngineOptions } from './transport.ts';

export interface EngineStats {
  connections: number;
  otelConnections: number;
  functions: number;
  triggerTypes: number;
  triggers: number;
  invocations: number;
  workerNames: number;
}

const WORKERS_AVAILABLE = 'engine::workers-available';
const FUNCTIONS_AVAILABLE = 'engine::functions-available';

function defaultGraceMs(): number {
  const fromEnv = Number(process.env.III_NAMESPACE_GRACE_MS);
  return Number.isFinite(fromEnv) && fromEnv >= 0 && process.env.III_NAMESPACE_GRACE_MS !== '' ? fromEnv : 5000;
}

export class ReferenceEngine extends EngineTransport implements BuiltinHost {
  readonly connections = new Map<string, Connection>();
  readonly functions = new Map<string, FunctionEntry>();
  readonly triggerTypes = new Map<string, TriggerTypeEntry>();
  readonly bindings = new Map<string, Binding>();
  readonly invocations = new Map<string, InvocationEntry>();
  /** (namespace, worker name) -> connection id holding the lease. */
  readonly workerNames = new Map<string, string>();
  private readonly bindingsByType = new Map<string, Set<string>>();
  readonly graceMs: number;
  readonly startedAtMs = Date.now();

  constructor(options: ReferenceEngineOptions = {}) {
    super(options);
    this.graceMs = options.namespaceGraceMs ?? defaultGraceMs();
    this.triggerTypes.set(registryKey(DEFAULT_NAMESPACE, WORKERS_AVAILABLE), {
      id: WORKERS_AVAILABLE,
      namespace: DEFAULT_NAMESPACE,
      providerId: ENGINE_PROVIDER,
      description: 'Worker connected, disconnected or updated its metadata',
    });
    this.triggerTypes.set(registryKey(DEFAULT_NAMESPACE, FUNCTIONS_AVAILABLE), {
      id: FUNCTIONS_AVAILABLE,
      namespace: DEFAULT_NAMESPACE,
      providerId: ENGINE_PROVIDER,
      description: 'The set of registered functions changed (not fired by the reference engine)',
    });
  }

  protected dropWorkers(): void {
    for (const conn of [...this.connections.values()]) {
      this.cleanup(conn);
      conn.link.terminate();
    }
  }

  stats(): EngineStats {
    let workerBindings = 0;
    for (const b of this.bindings.values()) if (b.ownerId !== ENGINE_PROVIDER) workerBindings++;
    let workerTypes = 0;
    for (const t of this.triggerTypes.values()) if (t.providerId !== ENGINE_PROVIDER) workerTypes++;
    return {
      connections: this.connections.size,
      otelConnections: this.otel.size,
      functions: this.functions.size,
      triggerTypes: workerTypes,
      triggers: workerBindings,
      invocations: this.invocations.size,
      workerNames: this.workerNames.size,
    };
  }

  protected acceptWorker(ws: WebSocket, req: IncomingMessage): void {
    const conn = this.openWorker(new WebSocketLink(ws), req.socket.remoteAddress ?? null);
    ws.on('message', (data, isBinary) => this.onRawFrame(conn, data, isBinary));
    ws.on('close', (code) => this.onSocketClosed(conn, code));
  }

  /**
   * A worker connection opened on `/`, through any transport: held, greeted and announced. `identity`
   * fixes its worker id and reattach token (the fake engine chooses them itself); default: fresh ones.
   */
  openWorker(link: WorkerLink, remoteAddress: string | null, identity?: { id: string; token: string }): Connection {
    const conn = new Connection(identity?.id ?? this.newWorkerId(), identity?.token ?? randomUUID(), link, Date.now(), performance.now(), remoteAddress);
    this.connections.set(conn.id, conn);
    this.greet(conn);
    this.fireWorkersAvailable('worker_connected', conn.id);
    return conn;
  }

  /** A worker's socket is gone, for transports other than the lean one (which listens to `ws` itself). */
  workerClosed(conn: Connection, code: number): void {
    this.onSocketClosed(conn, code);
  }

  /** The socket is gone (close frame, EOF or error): the connection is cleaned up (§4.6). */
  protected onSocketClosed(conn: Connection, _code: number): void {
    this.cleanup(conn);
  }

  protected newWorkerId(): string {
    return randomUUID();
  }

  /** The first frame on every accepted connection (§3.10, §11.1 #3). */
  protected greet(conn: Connection): void {
    this.send(conn, { type: 'workerregistered', worker_id: conn.id, reattach_token: conn.token });
  }

  protected dispatch(conn: Connection, msg: Inbound): void {
    switch (msg.type) {
      case 'ping':
        return this.onPing(conn);
      case 'ignored':
        return;
      case 'invokefunction':
        return this.onInvoke(conn, msg);
      case 'invocationresult':
        return this.onInvocationResult(conn, msg);
      case 'triggerregistrationresult':
        return this.onTriggerRegistrationResult(conn, msg);
      case 'reattach':
        return this.onReattach(conn, msg);
      default:
        if (isBufferedRegistration(msg)) return this.onRegistration(conn, msg);
    }
  }

  protected onPing(conn: Connection): void {
    this.send(conn, { type: 'pong' });
  }

  // ---- namespaces and buffering (§4.2) -----------------------------------------------------------

  protected graceExpired(conn: Connection): boolean {
    return performance.now() - conn.connectedAtMono >= this.graceMs;
  }

  /** The namespace registrations land in, or null while they are still buffered. */
  private connectionNamespace(conn: Connection): string | null {
    if (conn.namespace === null && this.graceExpired(conn)) this.fixNamespace(conn, DEFAULT_NAMESPACE);
    return conn.namespace;
  }

  protected onRegistration(conn: Connection, msg: BufferedRegistration): void {
    if (this.connectionNamespace(conn) !== null) return this.applyRegistration(conn, msg);
    (conn.buffer ??= []).push(msg);
    conn.drainTimer ??= setTimeout(
      () => {
        conn.drainTimer = null;
        if (!conn.retired && conn.namespace === null) this.fixNamespace(conn, DEFAULT_NAMESPACE);
      },
      Math.max(0, this.graceMs - (performance.now() - conn.connectedAtMono)),
    );
  }

  /** Fixes the connection namespace and applies the buffered registrations in arrival order. */
  protected fixNamespace(conn: Connection, namespace: string): void {
    conn.namespace = namespace;
    if (conn.drainTimer) clearTimeout(conn.drainTimer);
    conn.drainTimer = null;
    const buffered = conn.buffer;
    conn.buffer = null;
    for (const msg of buffered ?? []) {
      if (conn.retired) return;
      try {
        this.applyRegistration(conn, msg);
      } catch (e) {
        this.log('warn', 'buffered registration failed', { worker_id: conn.id, error: String(e) });
      }
    }
  }

  protected applyRegistration(conn: Connection, msg: BufferedRegistration): void {
    switch (msg.type) {
      case 'registerfunction':
        return this.registerFunction(conn, msg);
      case 'unregisterfunction':
        return this.unregisterFunction(conn, msg.id);
      case 'registerservice':
        return; // services are accepted and not listed by any builtin the reference engine offers
      case 'registertriggertype':
        return this.registerTriggerType(conn, msg);
      case 'registertrigger':
        return this.registerTrigger(conn, msg);
      case 'unregistertrigger':
        return this.unregisterTrigger(msg.id);
    }
  }

  // ---- functions (§3.1, §3.2) --------------------------------------------------------------------

  protected registerFunction(conn: Connection, msg: Extract<BufferedRegistration, { type: 'registerfunction' }>): void {
    const namespace = conn.namespace ?? DEFAULT_NAMESPACE;
    if (msg.invocation !== undefined) {
      this.log('error', 'HTTP-invoked function needs the iii-http-functions worker; dropped', { function_id: msg.id });
      return;
    }
    if (msg.id.startsWith('engine::') && namespace !== DEFAULT_NAMESPACE) {
      return this.rejectFunction(conn, namespace, msg.id, '');
    }
    const key = registryKey(namespace, msg.id);
    const existing = this.functions.get(key);
    if (existing && existing.ownerId !== conn.id && this.connections.get(existing.ownerId)?.live) {
      return this.rejectFunction(conn, namespace, msg.id, existing.ownerId);
    }
    if (existing && existing.ownerId !== conn.id) this.connections.get(existing.ownerId)?.functions?.delete(key);
    const entry: FunctionEntry = { id: msg.id, namespace, ownerId: conn.id };
    if (msg.description !== undefined) entry.description = msg.description;
    if (msg.request_format !== undefined) entry.request_format = msg.request_format;
    if (msg.response_format !== undefined) entry.response_format = msg.response_format;
    if (msg.metadata !== undefined) entry.metadata = msg.metadata;
    this.functions.set(key, entry);
    conn.functions = addTo(conn.functions, key);
  }

  protected rejectFunction(conn: Connection, namespace: string, functionId: string, ownerWorkerId: string): void {
    this.send(conn, { type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace, function_id: functionId, owner_worker_id: ownerWorkerId });
  }

  protected unregisterFunction(conn: Connection, id: string): void {
    const key = registryKey(conn.namespace ?? DEFAULT_NAMESPACE, id);
    if (this.functions.get(key)?.ownerId !== conn.id) return; // only the recorded owner may remove it
    this.functions.delete(key);
    conn.functions?.delete(key);
  }

  // ---- invocations (§3.8, §3.9, §4.3) -----------------------------------------------------------

  protected onInvoke(conn: Connection, msg: Extract<Inbound, { type: 'invokefunction' }>): void {
    const id = msg.invocation_id;
    const answer = (o: ResultBody): void => {
      if (id !== undefined && msg.action?.type !== 'void') this.sendResult(conn, id, msg.function_id, o);
    };
    if (isBlankNamespace(msg.namespace)) {
      if (id !== undefined) {
        this.sendResult(conn, id, msg.function_id, {
          error: {
            code: 'INVALID_NAMESPACE',
            message: '`namespace` is empty: it was named and left blank. Give it a name, or omit it to use `default`.',
          },
        });
      }
      return;
    }
    const namespace = msg.namespace ?? DEFAULT_NAMESPACE;
    if (msg.action?.type === 'enqueue') return this.enqueue(conn, msg, namespace);

    if (namespace === DEFAULT_NAMESPACE && BUILTIN_IDS.has(msg.function_id)) {
      const data = this.withCaller(conn, msg.data);
      // Builtins that change state run before the answer is sent, in arrival order.
      answer(this.runBuiltin(conn, msg.function_id, data));
      return;
    }
    const target = this.resolveFunction(namespace, msg.function_id);
    if (!target) return answer({ error: this.notFound(msg.function_id, namespace) });
    const executor = this.connections.get(target.ownerId);
    if (!executor) return answer({ error: this.notFound(msg.function_id, namespace) });

    const wantsResult = id !== undefined && msg.action?.type !== 'void';
    this.dispatchToExecutor(executor, {
      invocationId: id ?? randomUUID(),
      functionId: msg.function_id,
      data: this.withCaller(conn, msg.data),
      metadata: msg.metadata,
      traceparent: msg.traceparent,
      baggage: msg.baggage,
      caller: wantsResult ? conn : null,
    });
  }

  /** Runs an in-process `engine::*` builtin for `conn` (§5). */
  protected runBuiltin(conn: Connection, functionId: string, data: unknown): ResultBody {
    return callBuiltin(this, conn, functionId, data);
  }

  protected resolveFunction(namespace: string, functionId: string): FunctionEntry | undefined {
    return this.functions.get(registryKey(namespace, functionId));
  }

  /** `_caller_worker_id` is added to object payloads, overwriting any such key (§3.8). */
  protected withCaller(conn: Connection, data: unknown): unknown {
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) return { ...data, _caller_worker_id: conn.id };
    return data;
  }

  protected notFound(functionId: string, namespace: string): ErrorBody {
    const elsewhere = new Set<string>();
    for (const f of this.functions.values()) if (f.id === functionId && f.namespace !== namespace) elsewhere.add(f.namespace);
    const suffix = elsewhere.size > 0 ? ` It is registered in namespace(s): ${[...elsewhere].sort().join(', ')}.` : '';
    return { code: 'function_not_found', message: `Function ${functionId} not found in namespace ${namespace}.${suffix}` };
  }

  protected dispatchToExecutor(
    executor: Connection,
    call: {
      invocationId: string;
      functionId: string;
      data: unknown;
      metadata?: unknown;
      traceparent?: string;
      baggage?: string;
      caller: Connection | null;
      internal?: (o: ResultBody) => void;
    },
  ): void {
    const previous = this.invocations.get(call.invocationId);
    if (previous) {
      // Two calls reused one id: the first one's pending result is orphaned (§6.1 invocation_error).
      this.settle(call.invocationId, { error: { code: 'invocation_error', message: 'invocation id reused; result channel lost' } });
    }
    const entry: InvocationEntry = { functionId: call.functionId, executorId: executor.id, callerId: call.caller?.id ?? null };
    if (call.internal) entry.internal = call.internal;
    this.invocations.set(call.invocationId, entry);
    executor.inflight = addTo(executor.inflight, call.invocationId);
    if (call.caller) call.caller.inflight = addTo(call.caller.inflight, call.invocationId);
    const frame: Record<string, unknown> = { type: 'invokefunction', invocation_id: call.invocationId, function_id: call.functionId, data: call.data };
    if (call.metadata !== undefined) frame.metadata = call.metadata;
    if (call.traceparent !== undefined) frame.traceparent = call.traceparent;
    if (call.baggage !== undefined) frame.baggage = call.baggage;
    this.send(executor, frame);
  }

  protected onInvocationResult(_conn: Connection, msg: Extract<Inbound, { type: 'invocationresult' }>): void {
    // Any connection that knows the id may complete it, as in the engine (§3.9); unknown ids are ignored.
    const outcome: ResultBody = msg.error ? { error: msg.error } : msg.result === undefined ? {} : { result: msg.result };
    this.settle(msg.invocation_id, outcome, { traceparent: msg.traceparent, baggage: msg.baggage });
  }

  /** Completes a pending invocation: forgets it on both sides and tells whoever waits. */
  protected settle(invocationId: string, o: ResultBody, trace: { traceparent?: string; baggage?: string } = {}): void {
    const entry = this.invocations.get(invocationId);
    if (!entry) return;
    this.invocations.delete(invocationId);
    this.connections.get(entry.executorId)?.inflight?.delete(invocationId);
    if (entry.internal) entry.internal(o);
    if (entry.callerId === null) return;
    const caller = this.connections.get(entry.callerId);
    if (!caller) return;
    caller.inflight?.delete(invocationId);
    this.sendResult(caller, invocationId, entry.functionId, o, trace);
  }

  protected sendResult(to: Connection, invocationId: string, functionId: string, o: ResultBody, trace: { traceparent?: string; baggage?: string } = {}): void {
    const frame: Record<string, unknown> = { type: 'invocationresult', invocation_id: invocationId, function_id: functionId };
    if (o.error) frame.error = o.error;
    else if (o.result !== undefined && o.result !== null) frame.result = o.result;
    if (trace.traceparent !== undefined) frame.traceparent = trace.traceparent;
    if (trace.baggage !== undefined) frame.baggage = trace.baggage;
    this.send(to, frame);
  }

  /** `action.enqueue`: through a worker providing `engine::queue::enqueue`, else `enqueue_error` (§3.8 step 5). */
  protected enqueue(conn: Connection, msg: Extract<Inbound, { type: 'invokefunction' }>, namespace: string): void {
    const id = msg.invocation_id;
    const queue = msg.action?.type === 'enqueue' ? msg.action.queue : '';
    const provider = this.resolveFunction(DEFAULT_NAMESPACE, 'engine::queue::enqueue');
    const executor = provider ? this.connections.get(provider.ownerId) : undefined;
    if (!executor) {
      if (id !== undefined) {
        this.sendResult(conn, id, msg.function_id, {
          error: { code: 'enqueue_error', message: 'No queue provider: engine::queue::enqueue is not registered. Install a queue worker (iii-queue).' },
        });
      }
      return;
    }
    const receipt = randomUUID();
    const data: Record<string, unknown> = { queue, function_id: msg.function_id, data: msg.data, messageReceiptId: receipt };
    if (msg.traceparent !== undefined) data.traceparent = msg.traceparent;
    if (msg.baggage !== undefined) data.baggage = msg.baggage;
    if (namespace !== DEFAULT_NAMESPACE) data.namespace = namespace;
    this.dispatchToExecutor(executor, {
      invocationId: randomUUID(),
      functionId: 'engine::queue::enqueue',
      data,
      caller: null,
      internal: (o) => {
        if (id === undefined) return;
        if (o.error) this.sendResult(conn, id, msg.function_id, { error: { code: 'enqueue_error', message: `${o.error.code}: ${o.error.message}` } });
        else this.sendResult(conn, id, msg.function_id, { result: { messageReceiptId: receipt } });
      },
    });
  }

  // ---- trigger types and triggers (§3.3-§3.6, §4.4) ---------------------------------------------

  protected registerTriggerType(conn: Connection, msg: Extract<BufferedRegistration, { type: 'registertriggertype' }>): void {
    if (isBlankNamespace(msg.namespace)) {
      this.log('error', 'registertriggertype with a blank namespace; nothing registered', { worker_id: conn.id, id: msg.id });
      return;
    }
    const namespace = msg.namespace ?? conn.namespace ?? DEFAULT_NAMESPACE;
    const key = registryKey(namespace, msg.id);
    const previous = this.triggerTypes.get(key);
    if (previous && previous.providerId !== conn.id) this.connections.get(previous.providerId)?.triggerTypes?.delete(key);
    const entry: TriggerTypeEntry = { id: msg.id, namespace, providerId: conn.id, description: msg.description };
    if (msg.trigger_request_format !== undefined) entry.trigger_request_format = msg.trigger_request_format;
    if (msg.call_request_format !== undefined) entry.call_request_format = msg.call_request_format;
    this.triggerTypes.set(key, entry);
    conn.triggerTypes = addTo(conn.triggerTypes, key);
    // Replay bindings already served by this key, activate parked ones, re-home those it now serves better.
    for (const b of this.bindingsOfType(msg.id)) {
      const wanted = this.resolveProvider(b);
      if (b.providerKey === key || wanted === key) this.moveBinding(b, wanted, b.providerKey === key);
    }
  }

  private bindingsOfType(triggerType: string): Binding[] {
    const ids = this.bindingsByType.get(triggerType);
    if (!ids) return [];
    return [...ids].map((id) => this.bindings.get(id)).filter((b): b is Binding => b !== undefined);
  }

  /** Provider lookup: `trigger_namespace` strictly, else the registering connection's namespace, then `default`. */
  protected resolveProvider(b: Binding): string | null {
    const candidates = b.triggerNamespace !== undefined ? [b.triggerNamespace] : [b.homeNamespace, DEFAULT_NAMESPACE];
    for (const ns of candidates) {
      const key = registryKey(ns, b.trigger_type);
      if (this.triggerTypes.has(key)) return key;
    }
    return null;
  }

  /** Points a binding at a provider (or parks it), telling the old and new worker providers. */
  private moveBinding(b: Binding, to: string | null, redeliver: boolean): void {
    if (b.providerKey !== null && b.providerKey !== to) this.tellProviderUnregister(b);
    const changed = b.providerKey !== to;
    b.providerKey = to;
    if (to !== null && (changed || redeliver)) this.deliverBinding(b);
  }

  protected deliverBinding(b: Binding): void {
    if (b.providerKey === null) return;
    const type = this.triggerTypes.get(b.providerKey);
    if (!type || type.providerId === ENGINE_PROVIDER) return;
    const provider = this.connections.get(type.providerId);
    if (!provider) return;
    const frame: Record<string, unknown> = {
      type: 'registertrigger',
      id: b.id,
      trigger_type: b.trigger_type,
      function_id: b.function_id,
      config: b.config,
    };
    if (b.metadata !== undefined) frame.metadata = b.metadata;
    if (b.targetNamespace !== undefined && b.targetNamespace !== DEFAULT_NAMESPACE) frame.namespace = b.targetNamespace;
    if (type.namespace !== DEFAULT_NAMESPACE) frame.trigger_namespace = type.namespace;
    this.send(provider, frame);
  }

  private tellProviderUnregister(b: Binding): void {
    if (b.providerKey === null) return;
    const type = this.triggerTypes.get(b.providerKey);
    if (!type || type.providerId === ENGINE_PROVIDER) return;
    const provider = this.connections.get(type.providerId);
    if (provider) this.send(provider, { type: 'unregistertrigger', id: b.id, trigger_type: b.trigger_type });
  }

  protected registerTrigger(conn: Connection, msg: Extract<BufferedRegistration, { type: 'registertrigger' }>): void {
    for (const field of ['namespace', 'trigger_namespace'] as const) {
      if (isBlankNamespace(msg[field])) {
        this.send(conn, {
          type: 'triggerregistrationresult',
          id: msg.id,
          trigger_type: msg.trigger_type,
          function_id: msg.function_id,
          error: { code: 'INVALID_NAMESPACE', message: `\`${field}\` is empty: it was named and left blank. Give it a name, or omit it.` },
        });
        return;
      }
    }
    const old = this.bindings.get(msg.id);
    if (old) this.removeBinding(old);
    const b: Binding = {
      id: msg.id,
      trigger_type: msg.trigger_type,
      function_id: msg.function_id,
      config: msg.config,
      homeNamespace: conn.namespace ?? DEFAULT_NAMESPACE,
      ownerId: conn.id,
      providerKey: null,
    };
    if (msg.metadata !== undefined) b.metadata = msg.metadata;
    if (msg.namespace !== undefined) b.targetNamespace = msg.namespace;
    if (msg.trigger_namespace !== undefined) b.triggerNamespace = msg.trigger_namespace;
    this.bindings.set(b.id, b);
    this.bindingsByType.set(b.trigger_type, addTo(this.bindingsByType.get(b.trigger_type) ?? null, b.id));
    conn.triggers = addTo(conn.triggers, b.id);
    // No provider yet: parked without any reply, delivered when the type registers (§11.1 #29).
    this.moveBinding(b, this.resolveProvider(b), false);
  }

  /** Any worker may remove any trigger id (§3.6). */
  protected unregisterTrigger(id: string): void {
    const b = this.bindings.get(id);
    if (b) this.removeBinding(b);
  }

  private removeBinding(b: Binding): void {
    this.tellProviderUnregister(b);
    this.bindings.delete(b.id);
    const ofType = this.bindingsByType.get(b.trigger_type);
    ofType?.delete(b.id);
    if (ofType?.size === 0) this.bindingsByType.delete(b.trigger_type);
    this.connections.get(b.ownerId)?.triggers?.delete(b.id);
  }

  protected onTriggerRegistrationResult(conn: Connection, msg: Extract<Inbound, { type: 'triggerregistrationresult' }>): void {
    const b = this.bindings.get(msg.id);
    if (!b || b.providerKey === null) return;
    if (this.triggerTypes.get(b.providerKey)?.providerId !== conn.id) return; // only the provider may answer
    if (!msg.error) return; // successes are not forwarded (§3.5)
    b.providerKey = null; // parked; retried when the type registers again
    const owner = this.connections.get(b.ownerId);
    if (owner) this.send(owner, { type: 'triggerregistrationresult', id: b.id, trigger_type: b.trigger_type, function_id: b.function_id, error: msg.error });
  }

  /** Invokes the functions bound to `engine::workers-available` (§4.4). */
  protected fireWorkersAvailable(event: 'worker_connected' | 'worker_disconnected' | 'worker_metadata_updated', workerId: string): void {
    for (const b of this.bindingsOfType(WORKERS_AVAILABLE)) {
      if (b.providerKey === null) continue;
      const target = this.resolveFunction(b.targetNamespace ?? DEFAULT_NAMESPACE, b.function_id);
      const executor = target ? this.connections.get(target.ownerId) : undefined;
      if (!executor || executor.retired) continue;
      this.dispatchToExecutor(executor, {
        invocationId: randomUUID(),
        functionId: b.function_id,
        data: { event, worker_id: workerId },
        metadata: b.metadata,
        caller: null,
      });
    }
  }

  // ---- reattach (§3.11) and disconnect (§4.6) ---------------------------------------------------

  protected onReattach(conn: Connection, msg: Extract<Inbound, { type: 'reattach' }>): void {
    const previous = this.connections.get(msg.previous_worker_id);
    if (!previous || previous === conn || !this.reattachTokenMatches(previous, msg.reattach_token)) {
      this.log('warn', 'reattach ignored', { worker_id: conn.id, previous_worker_id: msg.previous_worker_id });
      return;
    }
    this.retire(previous);
  }

  protected reattachTokenMatches(previous: Connection, token: string | undefined): boolean {
    return token !== undefined && token === previous.token;
  }

  /** Evicts a connection: cleanup now, then drop its socket (§3.11: later frames land on a clean slate). */
  protected retire(conn: Connection): void {
    this.cleanup(conn);
    conn.link.terminate();
  }

  /** Runs exactly once per connection (§4.6). */
  protected cleanup(conn: Connection): void {
    if (conn.retired) return;
    conn.retired = true;
    if (conn.drainTimer) clearTimeout(conn.drainTimer);
    conn.drainTimer = null;
    conn.buffer = null;
    this.releaseFunctions(conn);
    this.haltInvocations(conn);
    this.releaseTriggers(conn);
    this.releaseTriggerTypes(conn);
    if (conn.nameKey !== null && this.workerNames.get(conn.nameKey) === conn.id) this.workerNames.delete(conn.nameKey);
    conn.nameKey = null;
    this.connections.delete(conn.id);
    this.fireWorkersAvailable('worker_disconnected', conn.id);
  }

  protected releaseFunctions(conn: Connection): void {
    for (const key of conn.functions ?? []) {
      if (this.functions.get(key)?.ownerId === conn.id) this.functions.delete(key); // a successor keeps its copy
    }
    conn.functions = null;
  }

  protected haltInvocations(conn: Connection): void {
    for (const id of conn.inflight ?? []) {
      const entry = this.invocations.get(id);
      if (!entry) continue;
      if (entry.callerId === conn.id) {
        // It made this call and left: forget the wait; a late result from the executor is ignored.
        this.invocations.delete(id);
        this.connections.get(entry.executorId)?.inflight?.delete(id);
        continue;
      }
      this.settle(id, { error: { code: 'invocation_stopped', message: 'Invocation stopped' } });
    }
    conn.inflight = null;
  }

  protected releaseTriggers(conn: Connection): void {
    for (const id of conn.triggers ?? []) {
      const b = this.bindings.get(id);
      if (b && b.ownerId === conn.id) this.removeBinding(b);
    }
    conn.triggers = null;
  }

  protected releaseTriggerTypes(conn: Connection): void {
    const keys = conn.triggerTypes ?? [];
    conn.triggerTypes = null;
    for (const key of keys) {
      if (this.triggerTypes.get(key)?.providerId !== conn.id) continue;
      this.triggerTypes.delete(key);
      for (const b of this.bindingsOfType(splitKey(key).id)) {
        if (b.providerKey !== key) continue;
        b.providerKey = null; // the provider is gone: nothing to tell it
        this.moveBinding(b, this.resolveProvider(b), false);
      }
    }
  }

  // ---- what the builtins need (BuiltinHost) ------------------------------------------------------

  /**
   * `engine::workers::register` steps 2-7 (§4.2), after input decoding. Returns false when the name is
   * held by another live connection: the caller is then refused and closed.
   */
  registerWorker(conn: Connection, input: WorkerMeta): boolean {
    const declared = input.namespace ?? DEFAULT_NAMESPACE;
    const fixed = this.connectionNamespace(conn);
    if (fixed !== null && fixed !== declared) {
      this.log('warn', 'namespace already fixed; the fixed one wins', { worker_id: conn.id, fixed, declared });
    }
    const namespace = fixed ?? declared;
    const name = input.name;
    if (name !== undefined) {
      const key = registryKey(namespace, name);
      if (!this.claimWorkerName(conn, key)) {
        const owner = this.workerNames.get(key) ?? '';
        this.send(conn, { type: 'registrationrejected', code: 'WORKER_NAMESPACE_CONFLICT', namespace, worker_name: name, owner_worker_id: owner });
        return false;
      }
    }
    const previous = conn.meta;
    conn.meta = { ...(previous ?? {}), ...input, runtime: input.runtime };
    if (input.telemetry === undefined) delete conn.meta.telemetry;
    if (conn.namespace === null) this.fixNamespace(conn, namespace);
    this.fireWorkersAvailable('worker_metadata_updated', conn.id);
    return true;
  }

  protected claimWorkerName(conn: Connection, key: string): boolean {
    const holder = this.workerNames.get(key);
    if (holder !== undefined && holder !== conn.id && this.connections.get(holder)?.live) return false;
    if (conn.nameKey !== null && conn.nameKey !== key && this.workerNames.get(conn.nameKey) === conn.id) this.workerNames.delete(conn.nameKey);
    this.workerNames.set(key, conn.id);
    conn.nameKey = key;
    return true;
  }

  /** Refused by WORKER_NAMESPACE_CONFLICT: the engine sends a bare Close frame (§3.12). */
  closeAfterRejection(conn: Connection): void {
    setImmediate(() => conn.link.close());
  }

  namespaceOf(conn: Connection): string {
    return conn.namespace ?? DEFAULT_NAMESPACE;
  }

  logMessage(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.log(level, message, fields);
  }
}
