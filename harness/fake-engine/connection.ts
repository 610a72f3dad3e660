// One accepted connection as the fake engine holds it: handshake facts, the identity it was given,
// what the worker registered on it, and the script actions a case takes on it.

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Frame } from '../wire/index.ts';
import type { FrameRecord } from '../transcript/records.ts';
import { Endpoint, type CloseInfo, type EndpointInit, type ReceivedFrame } from '../peer/endpoint.ts';
import { PendingCalls, type ErrorBody, type InvocationOutcome } from '../peer/pending-calls.ts';
import type { Connection, WorkerLink, WorkerMeta } from '../reference-engine/state.ts';

export type { ErrorBody, InvocationOutcome };

export interface InvokeOptions {
  timeoutMs?: number;
  /** Default: a fresh lower-case v4 UUID. */
  invocationId?: string;
  metadata?: unknown;
  traceparent?: string;
  baggage?: string;
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

/**
 * A worker connection as the fake engine holds it. It is the protocol's WorkerLink (the reference
 * engine sends through it, so every frame is recorded and passes the fault schedule), and keeps what the
 * worker sent on it for the cases to inspect; the engine's own state is the protocol's (`protocol`).
 */
export class EngineConnection extends Endpoint implements WorkerLink {
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
  /** The reference engine's record of this worker (on "/"; set when the protocol took the connection on). */
  protocol: Connection | undefined;
  /**
   * What the worker registered on this connection, keyed by id, as the frames it sent (latest wins;
   * unregistered ones removed; cleared when it closes). This is the worker's side of the story: whether
   * the engine accepted a registration is the protocol's (`protocol`, `engine.protocol`).
   */
  readonly functions = new Map<string, Frame>();
  readonly triggers = new Map<string, Frame>();
  readonly triggerTypes = new Map<string, Frame>();
  readonly services = new Map<string, Frame>();
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
    return this.calls.call(functionId, invocationId, timeoutMs, () => void this.send(frame));
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

  /** The connection namespace: `default` until the protocol fixes one (engine::workers::register or the grace). */
  get namespace(): string {
    return this.protocol?.namespace ?? 'default';
  }

  /** What `engine::workers::register` stored for this worker, as the protocol holds it. */
  get metadata(): WorkerMeta | undefined {
    return this.protocol?.meta ?? undefined;
  }

  /** WorkerLink: open for sending. */
  get open(): boolean {
    return this.isOpen;
  }

  /** @internal Completes an `invoke` when its result arrives; false if the id is not one of ours. */
  settleInvocation(frame: Frame): boolean {
    return this.calls.settle(frame) !== undefined;
  }

  /** @internal */
  hasPendingInvocation(id: string): boolean {
    return this.calls.has(id);
  }

  /** @internal Keeps what the worker registered or removed (a frame the validator accepted). */
  observe(frame: Frame): void {
    const id = String(frame.id);
    switch (frame.type) {
      case 'registerfunction':
        this.functions.set(id, frame);
        return;
      case 'unregisterfunction':
        this.functions.delete(id);
        return;
      case 'registertriggertype':
        this.triggerTypes.set(id, frame);
        return;
      case 'registertrigger':
        this.triggers.set(id, frame);
        return;
      case 'unregistertrigger':
        this.triggers.delete(id);
        return;
      case 'registerservice':
        this.services.set(id, frame);
        return;
    }
  }

  /** @internal The socket is gone: nothing is registered on it any more. */
  forgetRegistrations(): void {
    this.functions.clear();
    this.triggers.clear();
    this.triggerTypes.clear();
    this.services.clear();
  }

  protected override onFrame(value: unknown, record: FrameRecord): void {
    this.host.dispatch(this, value, record);
  }

  protected override onClosed(info: CloseInfo): void {
    this.calls.rejectAll(info);
    this.host.closed(this, info);
  }
}
