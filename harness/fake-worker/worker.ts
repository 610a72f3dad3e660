// The scriptable fake worker: one `ws` client connection to an engine (fake or real) with the same
// recording, validation, fault and waiting API as the fake engine's connections. Faithful by default
// (answers every invokefunction exactly once, answers pings), misbehaving on request.
//
//   const worker = await FakeWorker.connect(engine.url);
//   const { workerId } = await worker.registered();
//   await worker.registerFunction('demo::echo', (data) => data);
//   const out = await worker.invoke('demo::echo', { a: 1 });

import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Frame } from '../wire/index.ts';
import type { FrameRecord } from '../transcript/records.ts';
import { TranscriptRecorder } from '../transcript/recorder.ts';
import { FaultInjector } from '../faults/injector.ts';
import { parseFaultSchedule, type FaultSchedule } from '../faults/schedule.ts';
import { Endpoint, type CloseInfo, type ReceivedFrame } from '../peer/endpoint.ts';
import type { ErrorBody, InvocationOutcome } from '../peer/pending-calls.ts';
import type { WorkersRegisterRequest } from '../wire/types.generated.ts';
import { ConnectFailedError, InvocationError } from '../peer/errors.ts';
import { TimerSet } from '../peer/timers.ts';
import { PendingCalls } from '../peer/pending-calls.ts';
import { warmValidator } from '../peer/classify.ts';
import { DEFAULT_MAX_PAYLOAD } from '../peer/endpoint.ts';

/** The payload of `engine::workers::register` a fake worker sends (extra keys allowed: a worker may send them). */
export type WorkerMetadata = WorkersRegisterRequest & { [key: string]: unknown };

export interface FakeWorkerOptions {
  /** Appended to the URL's path (default "/"). */
  path?: string;
  /** Extra handshake headers. */
  headers?: Record<string, string>;
  transcript?: TranscriptRecorder;
  /** Name in transcript records (default "worker"). */
  peerName?: string;
  /** Fault schedule (JSON data), applied on send and receipt. Share a FaultInjector to keep counts across reconnects. */
  faults?: FaultSchedule | FaultInjector | unknown;
  maxPayload?: number;
  /** Deadline for waits that name none (default 5000 ms). */
  defaultTimeoutMs?: number;
  /** Handshake deadline (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Send `reattach` with this identity as the first frame after open. */
  reattach?: { workerId: string; reattachToken?: string };
  /** Answer the engine's JSON `ping` with `pong` (default true). */
  answerPings?: boolean;
  /** Answer WebSocket pings with pongs (default true). */
  autoPong?: boolean;
}

/** What a function does when the engine invokes it. Throw InvocationError for a chosen error code. */
export type FunctionHandler = (data: unknown, call: WorkerCall) => unknown;

export interface WorkerCall {
  invocationId: string;
  functionId: string;
  metadata: unknown;
  frame: Frame;
}

/** Deliberate misbehaviour of one function's answers. */
export type AnswerMode =
  | 'normal'
  /** Never send an invocationresult. */
  | 'never'
  /** Send the invocationresult twice. */
  | 'twice'
  /** Answer with a fresh invocation_id the engine never issued. */
  | 'unknown-id'
  /** Leave out function_id (the engine drops such a frame). */
  | 'omit-function-id';

export interface RegisterFunctionOptions {
  description?: string;
  request_format?: unknown;
  response_format?: unknown;
  metadata?: unknown;
  /** HTTP-invoked function config (`invocation`), sent as given. */
  invocation?: unknown;
  answer?: AnswerMode;
  /** Any other fields to put on the frame as they are. */
  extra?: Record<string, unknown>;
}

export interface TriggerTypeHandlers {
  /** Called for each binding the engine delivers; throw to refuse it (sent as trigger_registration_failed). */
  register?: (trigger: Frame) => void | Promise<void>;
  unregister?: (trigger: Frame) => void;
}

export interface WorkerInvokeOptions {
  timeoutMs?: number;
  invocationId?: string;
  namespace?: string;
  metadata?: unknown;
  traceparent?: string;
  baggage?: string;
}

const connectionCounters = new WeakMap<TranscriptRecorder, Map<string, number>>();

export class FakeWorker extends Endpoint {
  readonly url: string;
  /** From the first `workerregistered`. */
  workerId: string | undefined;
  reattachToken: string | undefined;
  /** Bindings the engine delivered to this worker as a trigger provider, by trigger id. */
  readonly deliveredTriggers = new Map<string, Frame>();
  private readonly functions = new Map<string, { handler: FunctionHandler; answer: AnswerMode }>();
  private readonly triggerTypes = new Map<string, TriggerTypeHandlers>();
  private readonly calls: PendingCalls;
  private readonly answerPings: boolean;
  private readonly ownTimers: TimerSet;
  private defaultAnswer: AnswerMode = 'normal';

  private constructor(
    ws: WebSocket,
    url: string,
    path: string,
    conn: number,
    transcript: TranscriptRecorder,
    faults: FaultInjector | undefined,
    timers: TimerSet,
    options: FakeWorkerOptions,
    peer: string,
  ) {
    super({
      ws,
      peer,
      conn,
      path,
      inboundDir: 'engine->worker',
      transcript,
      faults,
      timers,
      defaultTimeoutMs: options.defaultTimeoutMs ?? 5000,
      isClient: true,
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    });
    this.url = url;
    this.ownTimers = timers;
    this.calls = new PendingCalls(timers, this);
    this.answerPings = options.answerPings ?? true;
  }

  /** Opens the socket; resolves once open (frames that arrive at once are recorded), rejects with ConnectFailedError. */
  static async connect(engineUrl: string, options: FakeWorkerOptions = {}): Promise<FakeWorker> {
    warmValidator();
    const transcript = options.transcript ?? new TranscriptRecorder();
    const peer = options.peerName ?? 'worker';
    const path = options.path ?? '/';
    const url = joinUrl(engineUrl, path);
    const counters = connectionCounters.get(transcript) ?? new Map<string, number>();
    connectionCounters.set(transcript, counters);
    const conn = (counters.get(peer) ?? 0) + 1;
    counters.set(peer, conn);
    const faults = toInjector(options.faults);
    if (faults && !(options.faults instanceof FaultInjector)) transcript.append({ kind: 'faults', peer, schedule: faults.schedule });
    const timers = new TimerSet();
    const ws = new WebSocket(url, {
      headers: options.headers ?? {},
      perMessageDeflate: false,
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      handshakeTimeout: options.connectTimeoutMs ?? 5000,
      autoPong: options.autoPong ?? true,
    });
    const worker = new FakeWorker(ws, url, path, conn, transcript, faults, timers, options, peer);
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: ConnectFailedError): void => {
        if (settled) return;
        settled = true;
        transcript.append({
          kind: 'event',
          peer,
          event: 'connect-failed',
          conn,
          path,
          url,
          message: e.message,
          ...(e.status === undefined ? {} : { status: e.status }),
        });
        timers.clear();
        reject(e);
      };
      ws.once('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        ws.terminate();
        fail(new ConnectFailedError(`${url}: upgrade refused with HTTP ${status}`, status));
      });
      ws.once('open', () => {
        settled = true;
        transcript.append({ kind: 'event', peer, event: 'open', conn, path, url });
        resolve();
      });
      ws.once('error', (e: NodeJS.ErrnoException) => {
        if (ws.readyState !== WebSocket.OPEN) fail(new ConnectFailedError(`${url}: ${e.message}`, undefined, e.code));
      });
    });
    if (options.reattach) await worker.reattach(options.reattach.workerId, options.reattach.reattachToken);
    return worker;
  }

  /** This worker's identity for a later `FakeWorker.connect(url, { reattach: w.identity })`. */
  get identity(): { workerId: string; reattachToken?: string } {
    if (this.workerId === undefined) throw new Error(`${this.label}: no workerregistered received yet`);
    return { workerId: this.workerId, ...(this.reattachToken === undefined ? {} : { reattachToken: this.reattachToken }) };
  }

  /** Waits for `workerregistered` (at once if it came already). */
  async registered(options: { timeoutMs?: number } = {}): Promise<{ workerId: string; reattachToken: string | undefined }> {
    await this.waitFor({ type: 'workerregistered' }, options);
    return { workerId: this.workerId ?? '', reattachToken: this.reattachToken };
  }

  // ------------------------------------------------------------------ registrations

  /** Sends `registerfunction`; the handler answers the engine's invocations of `id`. */
  registerFunction(id: string, handler: FunctionHandler = () => null, options: RegisterFunctionOptions = {}): Promise<boolean> {
    this.functions.set(id, { handler, answer: options.answer ?? 'normal' });
    return this.send({
      type: 'registerfunction',
      id,
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.request_format === undefined ? {} : { request_format: options.request_format }),
      ...(options.response_format === undefined ? {} : { response_format: options.response_format }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(options.invocation === undefined ? {} : { invocation: options.invocation }),
      ...options.extra,
    });
  }

  unregisterFunction(id: string): Promise<boolean> {
    this.functions.delete(id);
    return this.send({ type: 'unregisterfunction', id });
  }

  /** Changes how an already registered function (or, with "*", every function without its own mode) answers. */
  setAnswerMode(id: string | '*', mode: AnswerMode): void {
    if (id === '*') {
      this.defaultAnswer = mode;
      return;
    }
    const fn = this.functions.get(id);
    if (fn) fn.answer = mode;
    else this.functions.set(id, { handler: () => null, answer: mode });
  }

  registerTriggerType(
    type: { id: string; description?: string; trigger_request_format?: unknown; call_request_format?: unknown; namespace?: string },
    handlers: TriggerTypeHandlers = {},
  ): Promise<boolean> {
    this.triggerTypes.set(type.id, handlers);
    return this.send({ type: 'registertriggertype', description: '', ...type });
  }

  /** Sends `registertrigger` (a random UUID id unless given); resolves with the id. */
  async registerTrigger(trigger: {
    id?: string;
    trigger_type: string;
    function_id: string;
    config?: unknown;
    metadata?: unknown;
    namespace?: string;
    trigger_namespace?: string;
  }): Promise<string> {
    const id = trigger.id ?? randomUUID();
    await this.send({ type: 'registertrigger', ...trigger, id, config: trigger.config ?? null });
    return id;
  }

  unregisterTrigger(id: string, triggerType?: string): Promise<boolean> {
    return this.send({ type: 'unregistertrigger', id, ...(triggerType === undefined ? {} : { trigger_type: triggerType }) });
  }

  registerService(service: { id: string; name?: string; description?: string; parent_service_id?: string }): Promise<boolean> {
    return this.send({ type: 'registerservice', name: service.name ?? service.id, ...service });
  }

  /**
   * Calls `engine::workers::register`. With `awaitResult` (default) it carries an invocation id and
   * resolves with the engine's answer; otherwise it is sent as a void call, as the Node SDK does.
   */
  async registerWorker(metadata: WorkerMetadata = {}, options: { awaitResult?: boolean; timeoutMs?: number } = {}): Promise<InvocationOutcome | undefined> {
    const data = { runtime: 'fake', version: '0.0.0', name: 'fake-worker', os: process.platform, pid: process.pid, ...metadata };
    if (options.awaitResult === false) {
      await this.fire('engine::workers::register', data);
      return undefined;
    }
    return this.invoke('engine::workers::register', data, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  }

  /** Sends `reattach` with a previous connection's identity. */
  reattach(previousWorkerId: string, reattachToken?: string): Promise<boolean> {
    return this.send({ type: 'reattach', previous_worker_id: previousWorkerId, ...(reattachToken === undefined ? {} : { reattach_token: reattachToken }) });
  }

  // ------------------------------------------------------------------ calls

  /**
   * Calls a function through the engine and waits for its invocationresult (matched by id, case-
   * insensitively). Rejects after the deadline, listing what arrived instead, or when the socket closes.
   */
  invoke(functionId: string, data: unknown = null, options: WorkerInvokeOptions = {}): Promise<InvocationOutcome> {
    const invocationId = options.invocationId ?? randomUUID();
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return this.calls.call(functionId, invocationId, timeoutMs, () => void this.send(this.callFrame(functionId, data, options, invocationId)));
  }

  /** The SDKs' name for a call: the same as invoke. */
  trigger(functionId: string, data: unknown = null, options: WorkerInvokeOptions = {}): Promise<InvocationOutcome> {
    return this.invoke(functionId, data, options);
  }

  /** Fire-and-forget call: no invocation id, `action: void` unless `action` says otherwise. Resolves when written. */
  fire(
    functionId: string,
    data: unknown = null,
    options: Omit<WorkerInvokeOptions, 'timeoutMs' | 'invocationId'> & { action?: unknown } = {},
  ): Promise<boolean> {
    const { action, ...rest } = options;
    return this.send({ ...this.callFrame(functionId, data, rest, undefined), action: action ?? { type: 'void' } });
  }

  private callFrame(functionId: string, data: unknown, options: WorkerInvokeOptions, invocationId: string | undefined): Frame {
    const frame: Frame =
      invocationId === undefined
        ? { type: 'invokefunction', function_id: functionId, data }
        : { type: 'invokefunction', invocation_id: invocationId, function_id: functionId, data };
    if (options.namespace !== undefined) frame.namespace = options.namespace;
    if (options.metadata !== undefined) frame.metadata = options.metadata;
    if (options.traceparent !== undefined) frame.traceparent = options.traceparent;
    if (options.baggage !== undefined) frame.baggage = options.baggage;
    return frame;
  }

  /** Sends a JSON ping and waits for the pong. */
  async ping(options: { timeoutMs?: number } = {}): Promise<ReceivedFrame> {
    const since = this.mark();
    await this.send({ type: 'ping' });
    return this.waitFor({ type: 'pong' }, { since, ...options });
  }

  // ------------------------------------------------------------------ misbehaviour

  /** Sends `count` frames as fast as the socket takes them; `frame` may depend on the index. Resolves with how many were written. */
  async flood(count: number, frame: object | string | ((i: number) => object | string)): Promise<number> {
    const sends: Promise<boolean>[] = [];
    for (let i = 0; i < count; i++) {
      const f = typeof frame === 'function' ? frame(i) : frame;
      sends.push(typeof f === 'string' ? this.sendRaw(f) : this.send(f));
    }
    return (await Promise.all(sends)).filter(Boolean).length;
  }

  /** Closes with a close frame and waits until the socket is closed. */
  async disconnect(code: number | undefined = 1000, reason = '', options: { timeoutMs?: number } = {}): Promise<CloseInfo> {
    this.close(code, reason);
    try {
      return await this.waitForClose(options);
    } catch (e) {
      this.terminate();
      throw e;
    }
  }

  // ------------------------------------------------------------------ protocol logic

  protected override onFrame(value: unknown, record: FrameRecord): void {
    if (record.verdict.base !== 'valid') return; // a worker ignores what it cannot read
    const frame = value as Frame;
    switch (frame.type) {
      case 'workerregistered':
        if (this.workerId === undefined && typeof frame.worker_id === 'string') {
          this.workerId = frame.worker_id;
          if (typeof frame.reattach_token === 'string') this.reattachToken = frame.reattach_token;
        }
        return;
      case 'invokefunction':
        return this.execute(frame);
      case 'invocationresult':
        return void this.calls.settle(frame); // unknown ids are ignored (sdk rule 14)
      case 'registertrigger':
        return this.acceptTrigger(frame);
      case 'unregistertrigger': {
        this.deliveredTriggers.delete(String(frame.id));
        this.triggerTypes.get(String(frame.trigger_type))?.unregister?.(frame);
        return;
      }
      case 'ping':
        if (this.answerPings) void this.send({ type: 'pong' });
        return;
      default:
        return;
    }
  }

  protected override onClosed(info: CloseInfo): void {
    this.calls.rejectAll(info);
    // Timers of this worker die with its socket: nothing it scheduled can matter any more.
    this.ownTimers.clear();
  }

  private execute(frame: Frame): void {
    const invocationId = String(frame.invocation_id);
    const functionId = String(frame.function_id);
    const fn = this.functions.get(functionId);
    const mode = fn ? (fn.answer === 'normal' ? this.defaultAnswer : fn.answer) : this.defaultAnswer;
    if (mode === 'never') return;
    if (!fn) return this.answer(mode, invocationId, functionId, { error: { code: 'function_not_found', message: `Function ${functionId} not found` } });
    let value: unknown;
    try {
      value = fn.handler(frame.data, { invocationId, functionId, metadata: frame.metadata, frame });
    } catch (e) {
      return this.answer(mode, invocationId, functionId, { error: errorBodyOf(e) });
    }
    if (value instanceof Promise) {
      value.then(
        (v: unknown) => this.answer(mode, invocationId, functionId, v === undefined ? {} : { result: v }),
        (e: unknown) => this.answer(mode, invocationId, functionId, { error: errorBodyOf(e) }),
      );
    } else this.answer(mode, invocationId, functionId, value === undefined ? {} : { result: value });
  }

  /** Sends the invocationresult, bent as the answer mode says. A method, not a closure: this is the hot path. */
  private answer(mode: AnswerMode, invocationId: string, functionId: string, body: { result?: unknown } | { error: ErrorBody }): void {
    // A literal plus assignments, not spreads: JSON.stringify of spread-built objects is ~60% slower.
    const out: Frame = { type: 'invocationresult', invocation_id: mode === 'unknown-id' ? randomUUID() : invocationId, function_id: functionId };
    if (mode === 'omit-function-id') delete out.function_id;
    if ('error' in body) out.error = body.error;
    else if (body.result !== undefined) out.result = body.result;
    void this.send(out);
    if (mode === 'twice') void this.send(out);
  }

  private acceptTrigger(frame: Frame): void {
    const reply = (error?: ErrorBody): void =>
      void this.send({
        type: 'triggerregistrationresult',
        id: frame.id,
        trigger_type: frame.trigger_type,
        function_id: frame.function_id,
        ...(error ? { error } : {}),
      });
    const handlers = this.triggerTypes.get(String(frame.trigger_type));
    if (!handlers) return reply({ code: 'trigger_type_not_found', message: `Trigger type ${String(frame.trigger_type)} not found` });
    this.deliveredTriggers.set(String(frame.id), frame);
    try {
      const out = handlers.register?.(frame);
      if (out instanceof Promise)
        out.then(
          () => reply(),
          (e: unknown) => reply({ code: 'trigger_registration_failed', message: errorBodyOf(e).message }),
        );
      else reply();
    } catch (e) {
      reply({ code: 'trigger_registration_failed', message: errorBodyOf(e).message });
    }
  }
}

function errorBodyOf(e: unknown): ErrorBody {
  if (e instanceof InvocationError) return { code: e.code, message: e.message, ...(e.stacktrace === undefined ? {} : { stacktrace: e.stacktrace }) };
  if (e instanceof Error) return { code: 'invocation_failed', message: e.message, ...(e.stack ? { stacktrace: e.stack } : {}) };
  return { code: 'invocation_failed', message: String(e) };
}

function toInjector(faults: unknown): FaultInjector | undefined {
  if (faults === undefined) return undefined;
  if (faults instanceof FaultInjector) return faults;
  return new FaultInjector(parseFaultSchedule(faults));
}

function joinUrl(base: string, path: string): string {
  return new URL(path, base).toString();
}
