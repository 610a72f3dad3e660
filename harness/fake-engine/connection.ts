// One accepted connection as the fake engine holds it: handshake facts, the identity it was given,
// what the worker registered on it, and the script actions a case takes on it.

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Frame } from '../wire/index.ts';
import type { FrameRecord } from '../transcript/records.ts';
import { Endpoint, type CloseInfo, type EndpointInit, type ReceivedFrame } from './endpoint.ts';
import { PendingCalls } from './pending-calls.ts';

export interface ErrorBody {
  code: string;
  message: string;
  stacktrace?: string;
}

/** What an invocation came back with. */
export type InvocationOutcome =
  | { ok: true; result: unknown; frame: Frame; elapsedMs: number }
  | { ok: false; error: ErrorBody; frame: Frame; elapsedMs: number };

export interface InvokeOptions {
  timeoutMs?: number;
  /** Default: a fresh lower-case v4 UUID. */
  invocationId?: string;
  metadata?: unknown;
  traceparent?: string;
  baggage?: string;
}

/** The payload of `engine::workers::register`, as stored (engine-protocol §4.2). */
export interface WorkerMetadata {
  runtime?: string;
  version?: string;
  name?: string;
  description?: string;
  os?: string;
  pid?: number;
  isolation?: string | null;
  namespace?: string;
  telemetry?: unknown;
  [key: string]: unknown;
}

/** The engine-side logic the connection hands its frames to (implemented by FakeEngine). */
export interface ConnectionHost {
  dispatch(conn: EngineConnection, value: unknown, record: FrameRecord): void;
  closed(conn: EngineConnection, info: CloseInfo): void;
}

export interface EngineConnectionInit extends EndpointInit {
  host: ConnectionHost;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** Upgrade attempt number that produced this connection. */
  attempt: number;
  reattachToken: boolean;
}

export class EngineConnection extends Endpoint {
  /** Same as `conn`: 1-based, in accept order, over every path. */
  readonly id: number;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  readonly attempt: number;
  /** ms since the epoch when accepted (WorkerSummary.connected_at_ms). */
  readonly connectedAtMs = Date.now();
  /** The identity `workerregistered` carries (sent or still held). */
  readonly workerId: string = randomUUID();
  readonly reattachToken: string | undefined;
  workerRegisteredSent = false;
  /** Set by `engine::workers::register`. */
  metadata: WorkerMetadata | undefined;
  /** Connection namespace: "default" until `engine::workers::register` declares one. */
  namespace = 'default';
  /** What this worker registered, keyed by id, as the frames it sent (latest wins). */
  readonly functions = new Map<string, Frame>();
  readonly triggers = new Map<string, Frame>();
  readonly triggerTypes = new Map<string, Frame>();
  readonly services = new Map<string, Frame>();
  /** Invocation ids this worker is executing for someone, or made and is still owed an answer for. */
  readonly inFlight = new Set<string>();
  /** Set when a `reattach` from a newer connection retired this one. */
  retiredBy: number | undefined;
  private readonly host: ConnectionHost;
  private readonly calls: PendingCalls;

  constructor(init: EngineConnectionInit) {
    super(init);
    this.id = init.conn;
    this.host = init.host;
    this.headers = init.headers;
    this.remoteAddress = init.remoteAddress;
    this.attempt = init.attempt;
    this.reattachToken = init.reattachToken ? randomUUID() : undefined;
    this.calls = new PendingCalls(init.timers, this);
  }

  /** Sends `workerregistered` with this connection's identity (use when the engine holds it back). */
  sendWorkerRegistered(overrides: Partial<{ worker_id: string; reattach_token: string }> = {}): Promise<boolean> {
    this.workerRegisteredSent = true;
    return this.send({
      type: 'workerregistered',
      worker_id: this.workerId,
      ...(this.reattachToken === undefined ? {} : { reattach_token: this.reattachToken }),
      ...overrides,
    });
  }

  /**
   * Asks this worker to run `functionId` and waits for its `invocationresult` (matched by id, case-
   * insensitively). Rejects after the deadline (listing what arrived instead) or when the socket closes.
   */
  invoke(functionId: string, data: unknown = null, options: InvokeOptions = {}): Promise<InvocationOutcome> {
    const invocationId = options.invocationId ?? randomUUID();
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    // A literal plus assignments, not spreads: JSON.stringify of spread-built objects is ~60% slower.
    const frame: Frame = { type: 'invokefunction', invocation_id: invocationId, function_id: functionId, data };
    if (options.metadata !== undefined) frame.metadata = options.metadata;
    if (options.traceparent !== undefined) frame.traceparent = options.traceparent;
    if (options.baggage !== undefined) frame.baggage = options.baggage;
    const send = (key: string): void => {
      this.inFlight.add(key);
      void this.send(frame);
    };
    return this.calls.call(functionId, invocationId, timeoutMs, send, (expired) => this.inFlight.delete(expired));
  }

  /** Sends a JSON `ping` and waits for the `pong` (the engine itself never does; SDK cases may). */
  async ping(options: { timeoutMs?: number } = {}): Promise<ReceivedFrame> {
    const since = this.mark();
    await this.send({ type: 'ping' });
    return this.waitFor({ type: 'pong' }, { since, ...options });
  }

  /** Summary of what the worker registered, for assertions and reports. */
  get registrations(): { functions: string[]; triggers: string[]; triggerTypes: string[]; services: string[] } {
    return {
      functions: [...this.functions.keys()],
      triggers: [...this.triggers.keys()],
      triggerTypes: [...this.triggerTypes.keys()],
      services: [...this.services.keys()],
    };
  }

  /** @internal Completes an `invoke` when its result arrives; false if the id is not one of ours. */
  settleInvocation(frame: Frame): boolean {
    const id = this.calls.settle(frame);
    if (id === undefined) return false;
    this.inFlight.delete(id);
    return true;
  }

  /** @internal */
  hasPendingInvocation(id: string): boolean {
    return this.calls.has(id);
  }

  protected override onFrame(value: unknown, record: FrameRecord): void {
    this.host.dispatch(this, value, record);
  }

  protected override onClosed(info: CloseInfo): void {
    this.calls.rejectAll(info);
    this.host.closed(this, info);
  }
}
