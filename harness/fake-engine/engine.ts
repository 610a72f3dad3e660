// The scriptable fake engine: a `ws` server on 127.0.0.1 that behaves like the iii engine by default
// (engine-protocol.md) and misbehaves on request. Every frame and every upgrade attempt goes into the
// transcript; nothing a peer sends can crash it.
//
//   const engine = await FakeEngine.start();
//   const conn = await engine.waitForConnection();
//   await conn.waitFor({ type: 'registerfunction', id: 'demo::echo' });
//   const out = await conn.invoke('demo::echo', { a: 1 });

import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Frame } from '../wire/index.ts';
import type { FrameRecord } from '../transcript/records.ts';
import { TranscriptRecorder } from '../transcript/recorder.ts';
import { FaultInjector } from '../faults/injector.ts';
import { parseFaultSchedule, type FaultSchedule } from '../faults/schedule.ts';
import { EngineConnection, type ErrorBody } from './connection.ts';
import type { CloseInfo, ReceivedFrame } from '../peer/endpoint.ts';
import type { Connection } from '../reference-engine/state.ts';
import { ScriptedProtocol, type CallReply, type InvokeMessage } from './scripted-protocol.ts';
import { warmValidator } from '../peer/classify.ts';
import { ENGINE_MAX_MESSAGE_BYTES, ENGINE_MESSAGE_LIMIT_NAME } from '../wire/limits.ts';
import { WaitTimeoutError } from '../peer/errors.ts';
import { describeMatcher, matcherTest, type Matcher } from '../peer/match.ts';
import { TimerSet } from '../peer/timers.ts';

export const WORKER_PATHS = ['/', '/otel'] as const;

/** When the engine sends `workerregistered` on a new "/" connection. */
export type WorkerRegisteredPolicy = 'immediate' | 'hold' | { delayMs: number };

export interface FakeEngineOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Share one transcript between peers; default: a new one. */
  transcript?: TranscriptRecorder;
  /** Name in transcript records (default "engine"). */
  peerName?: string;
  /** Fault schedule (JSON data, checked by parseFaultSchedule), applied on send and receipt. */
  faults?: FaultSchedule | unknown;
  /** ws maxPayload in bytes (default: the engine's own message limit, 64 MiB; a bigger frame is refused unread). */
  maxPayload?: number;
  /** Deadline for waits that name none (default 5000 ms). */
  defaultTimeoutMs?: number;
  workerRegistered?: WorkerRegisteredPolicy;
  /** Include `reattach_token` in `workerregistered` (engines >= 0.21.8 do). Default true. */
  reattachToken?: boolean;
  /** Grace before registrations made ahead of `engine::workers::register` land in `default` (default: III_NAMESPACE_GRACE_MS or 5000, as the engine). */
  namespaceGraceMs?: number;
  /** Answer WebSocket pings with pongs, as tungstenite does (default true). */
  autoPong?: boolean;
}

/** One HTTP upgrade attempt, stamped when the raw server saw it. */
export interface UpgradeAttempt {
  /** 1-based, per engine. */
  attempt: number;
  /** performance.now() at the 'upgrade' event of the raw HTTP server. */
  at: number;
  /** performance.now() when the TCP connection was accepted (the earliest sign of the attempt). */
  tcpAt: number | undefined;
  path: string;
  url: string;
  headers: Record<string, string | string[]>;
  outcome: 'accepted' | 'rejected' | 'accepted-then-closed' | 'not-found' | 'bad-request';
  status?: number;
  /** The connection it became, when accepted. */
  conn?: number;
}

/** A period during which the listener was down (connections refused by the OS). */
export interface ListenerDowntime {
  downAt: number;
  upAt?: number;
}

/** A worker's call to a function the case scripts (see `answer`). */
export interface IncomingCall {
  functionId: string;
  /** As sent (null/absent for fire-and-forget). */
  invocationId: string | undefined;
  data: unknown;
  metadata: unknown;
  namespace: string | undefined;
  action: unknown;
  frame: Frame;
  connection: EngineConnection;
}

/** Never send an `invocationresult` for this call. */
export const NO_ANSWER: unique symbol = Symbol('no answer');

export type CallAnswer = { result?: unknown; error?: ErrorBody; delayMs?: number } | typeof NO_ANSWER;
export type CallScript = CallAnswer | ((call: IncomingCall) => CallAnswer | Promise<CallAnswer>);
export type CallTarget = string | RegExp | ((functionId: string, call: IncomingCall) => boolean);

interface ScriptedAnswer {
  target: CallTarget;
  script: CallScript;
  remaining: number;
}

type UpgradeDirective =
  | { kind: 'reject'; status: number; remaining: number; path: string }
  | { kind: 'accept-then-close'; code?: number; reason?: string; terminate: boolean; remaining: number; path: string };

export class FakeEngine {
  readonly transcript: TranscriptRecorder;
  readonly host: string;
  /** Every accepted connection, on every path, in accept order (closed ones included). */
  readonly connections: EngineConnection[] = [];
  /** Every upgrade attempt the raw server saw, in order. */
  readonly upgrades: UpgradeAttempt[] = [];
  readonly listenerDowntime: ListenerDowntime[] = [];
  readonly faultSchedule: FaultSchedule | undefined;
  private portNumber = 0;
  private server: Server | undefined;
  private readonly wss: WebSocketServer;
  private readonly timers = new TimerSet();
  private readonly sockets = new Set<Socket>();
  private readonly tcpAcceptedAt = new WeakMap<Socket, number>();
  private readonly faults: FaultInjector | undefined;
  private readonly peerName: string;
  private readonly defaultTimeoutMs: number;
  private readonly maxPayload: number;
  private readonly withReattachToken: boolean;
  private workerRegisteredPolicy: WorkerRegisteredPolicy;
  private readonly directives: UpgradeDirective[] = [];
  private readonly answers: ScriptedAnswer[] = [];
  /**
   * The engine protocol itself: the reference engine, with the case's script as its seams. Its state
   * (namespaces, functions, invocations, bindings) is what the engine holds.
   */
  readonly protocol: ScriptedProtocol;
  /** The frame the protocol is serving (scripted answers read it as sent). */
  private current: { frame: Frame; conn: EngineConnection } | undefined;
  private readonly connectionCursor = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private closed = false;

  private constructor(options: FakeEngineOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.transcript = options.transcript ?? new TranscriptRecorder();
    this.peerName = options.peerName ?? 'engine';
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 5000;
    this.maxPayload = options.maxPayload ?? ENGINE_MAX_MESSAGE_BYTES;
    this.withReattachToken = options.reattachToken ?? true;
    this.workerRegisteredPolicy = options.workerRegistered ?? 'immediate';
    this.faultSchedule = options.faults === undefined ? undefined : parseFaultSchedule(options.faults);
    this.faults = this.faultSchedule ? new FaultInjector(this.faultSchedule) : undefined;
    this.protocol = new ScriptedProtocol(options.namespaceGraceMs === undefined ? {} : { namespaceGraceMs: options.namespaceGraceMs }, {
      greet: (worker) => this.greet(worker),
      answerCall: (_worker, msg, reply) => this.answerCall(msg, reply),
      retired: (worker, by) => this.retired(worker, by),
      log: (level, message, fields) => {
        if (level === 'warn' || level === 'error')
          this.transcript.note(this.peerName, `${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`, undefined, level);
      },
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
      autoPong: options.autoPong ?? true,
    });
    this.wss.on('error', (e) => this.harnessError(e));
    this.wss.on('wsClientError', (err: Error, socket: Socket) => {
      const last = this.upgrades.at(-1);
      if (last && last.outcome === 'accepted' && last.conn === undefined) last.outcome = 'bad-request';
      this.transcript.append({ kind: 'event', peer: this.peerName, event: 'error', message: `handshake refused by ws: ${err.message}` });
      socket.destroy();
    });
  }

  static async start(options: FakeEngineOptions = {}): Promise<FakeEngine> {
    warmValidator();
    const engine = new FakeEngine(options);
    if (engine.faultSchedule) engine.transcript.append({ kind: 'faults', peer: engine.peerName, schedule: engine.faultSchedule });
    await engine.listen(options.port ?? 0);
    return engine;
  }

  get port(): number {
    return this.portNumber;
  }

  /** ws://host:port (path "/" is implied; the SDKs append nothing). */
  get url(): string {
    return `ws://${this.host}:${this.portNumber}`;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Open, non-retired worker connections on "/". */
  get workers(): EngineConnection[] {
    return this.connections.filter((c) => c.path === '/' && c.isOpen && c.retiredBy === undefined && !this.closingOnAccept.has(c));
  }

  // ------------------------------------------------------------------ scripting the handshake

  /** The next `n` upgrade attempts on `path` ("*" for any) get HTTP `status` instead of 101. */
  rejectNextUpgrades(n: number, status = 503, options: { path?: string } = {}): void {
    this.directives.push({ kind: 'reject', status, remaining: n, path: options.path ?? '/' });
  }

  /** The next `n` upgrades on `path` are accepted and then at once closed (or terminated), with no `workerregistered`. */
  acceptThenClose(n: number, options: { code?: number; reason?: string; terminate?: boolean; path?: string } = {}): void {
    this.directives.push({
      kind: 'accept-then-close',
      remaining: n,
      terminate: options.terminate ?? false,
      path: options.path ?? '/',
      ...(options.code === undefined ? {} : { code: options.code }),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    });
  }

  /** How later "/" connections get `workerregistered`: at once, after a delay, or held until `conn.sendWorkerRegistered()`. */
  setWorkerRegistered(policy: WorkerRegisteredPolicy): void {
    this.workerRegisteredPolicy = policy;
  }

  /**
   * Stops listening: new connections are refused by the OS until `resumeListening`. With
   * `dropConnections: 'terminate' | 'close'` the open connections go too (default: they stay).
   */
  async stopListening(options: { dropConnections?: 'terminate' | 'close' | false } = {}): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() waits for every connection to end; the listening socket itself is released at once.
      server.closeIdleConnections();
      this.timers.after(0, resolve);
    });
    const downAt = performance.now();
    this.listenerDowntime.push({ downAt });
    this.transcript.append({ kind: 'event', peer: this.peerName, event: 'listener-down', url: this.url }, downAt);
    if (options.dropConnections) {
      for (const c of this.connections) {
        if (options.dropConnections === 'terminate') c.terminate();
        else c.close(1001, 'engine going away');
      }
    }
  }

  /** Listens again on the same port (retries briefly while the OS releases it). */
  async resumeListening(): Promise<void> {
    if (this.server?.listening) return;
    await this.listen(this.portNumber);
    const upAt = performance.now();
    const last = this.listenerDowntime.at(-1);
    if (last && last.upAt === undefined) last.upAt = upAt;
  }

  // ------------------------------------------------------------------ scripting calls

  /**
   * Scripts the engine's answer to worker calls of `target` (an id, a RegExp, or a predicate), ahead of
   * built-ins and routing; the latest script wins. `answer` is `{result}`, `{error}`, `NO_ANSWER`, or a
   * function of the call returning one of those (optionally with `delayMs`). Returns a remover.
   */
  answer(target: CallTarget, script: CallScript, options: { times?: number } = {}): () => void {
    const entry: ScriptedAnswer = { target, script, remaining: options.times ?? Infinity };
    this.answers.unshift(entry);
    return () => {
      const i = this.answers.indexOf(entry);
      if (i >= 0) this.answers.splice(i, 1);
    };
  }

  /** Never answers calls of `target` (the caller's own timeout has to fire). */
  neverAnswer(target: CallTarget = () => true): () => void {
    return this.answer(target, NO_ANSWER);
  }

  // ------------------------------------------------------------------ waiting

  /**
   * The next connection on `path` (default "/") that this method has not returned yet, in accept order;
   * waits for one if needed. Connections accepted only to be closed at once are skipped.
   */
  async waitForConnection(options: { path?: string; timeoutMs?: number } = {}): Promise<EngineConnection> {
    const path = options.path ?? '/';
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const eligible = (): EngineConnection[] => this.connections.filter((c) => c.path === path && !this.closingOnAccept.has(c));
    const seen = this.connectionCursor.get(path) ?? 0;
    const conn = await this.until(
      () => eligible()[seen],
      timeoutMs,
      () => `connection #${seen + 1} on ${path}; upgrade attempts so far: ${this.describeUpgrades()}`,
    );
    this.connectionCursor.set(path, seen + 1);
    return conn;
  }

  /** Resolves when at least `count` upgrade attempts (on `path`, default any) have been seen; returns them all. */
  async waitForUpgrades(count: number, options: { path?: string; timeoutMs?: number } = {}): Promise<UpgradeAttempt[]> {
    const pick = (): UpgradeAttempt[] => this.upgrades.filter((u) => options.path === undefined || u.path === options.path);
    await this.until(
      () => (pick().length >= count ? true : undefined),
      options.timeoutMs ?? this.defaultTimeoutMs,
      () => `${count} upgrade attempts${options.path ? ` on ${options.path}` : ''}; seen: ${this.describeUpgrades()}`,
    );
    return pick();
  }

  /** The first frame on any connection (since `since`, a value of `mark()`) that matches; waits if none yet. */
  async waitForFrame(
    matcher: Matcher<ReceivedFrame>,
    options: { timeoutMs?: number; since?: number; path?: string } = {},
  ): Promise<{ connection: EngineConnection; entry: ReceivedFrame }> {
    const since = options.since ?? 0;
    const find = (): { connection: EngineConnection; entry: ReceivedFrame } | undefined => {
      let best: { connection: EngineConnection; entry: ReceivedFrame } | undefined;
      for (const connection of this.connections) {
        if (options.path !== undefined && connection.path !== options.path) continue;
        connection.scan(0, (entry) => {
          if (entry.record.seq < since || !matcherTest(matcher, entry.frame, entry)) return false;
          if (!best || entry.record.seq < best.entry.record.seq) best = { connection, entry };
          return false;
        });
      }
      return best;
    };
    return this.until(find, options.timeoutMs ?? this.defaultTimeoutMs, () => `a frame matching ${describeMatcher(matcher)}`);
  }

  /** A position in the transcript: pass as `since` to waitForFrame to ignore what came before. */
  mark(): number {
    return this.transcript.size;
  }

  // ------------------------------------------------------------------ shutting down

  /** Closes every socket, the listener and every timer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections) c.terminate();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.wss.close();
    await this.protocol.close(); // its namespace-grace timers
    this.timers.clear();
    for (const notify of this.listeners) notify();
    this.listeners.clear();
  }

  /** Timers still pending (for leak assertions in tests). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  // ------------------------------------------------------------------ internals: listener

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      // Plain HTTP (no upgrade): axum refuses it on the worker routes, 404 elsewhere.
      res.writeHead(WORKER_PATHS.includes(pathOf(req) as never) ? 426 : 404, { connection: 'close' }).end();
    });
    server.on('connection', (socket: Socket) => {
      this.tcpAcceptedAt.set(socket, performance.now());
      this.sockets.add(socket);
      socket.on('error', () => {}); // resets are normal here; the ws layer records what matters
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('clientError', (_err, socket: Socket) => socket.destroy());
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, this.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 40 || port === 0) throw e;
        await this.timers.sleep(25);
      }
    }
    this.server = server;
    this.portNumber = (server.address() as AddressInfo).port;
    const first = this.listenerDowntime.length === 0;
    this.transcript.append({ kind: 'event', peer: this.peerName, event: first && this.upgrades.length === 0 ? 'listening' : 'listener-up', url: this.url });
  }

  private readonly closingOnAccept = new WeakSet<EngineConnection>();

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const at = performance.now();
    try {
      const path = pathOf(req);
      const attempt: UpgradeAttempt = {
        attempt: this.upgrades.length + 1,
        at,
        tcpAt: this.tcpAcceptedAt.get(socket),
        path,
        url: req.url ?? '/',
        headers: headersOf(req),
        outcome: 'accepted',
      };
      this.upgrades.push(attempt);
      const directive = this.takeDirective(path);
      const record = (): void => {
        this.transcript.append(
          {
            kind: 'event',
            peer: this.peerName,
            event: 'upgrade',
            attempt: attempt.attempt,
            ...(attempt.tcpAt === undefined ? {} : { tcpT: this.transcript.toTranscriptTime(attempt.tcpAt) }),
            path,
            url: attempt.url,
            headers: attempt.headers,
            outcome: attempt.outcome,
            ...(attempt.status === undefined ? {} : { status: attempt.status }),
            ...(attempt.conn === undefined ? {} : { conn: attempt.conn }),
          },
          at,
        );
        this.notify();
      };
      // A refusal is written before it is recorded: the backoff cases time the SDK's next attempt from `at`,
      // so the harness's own bookkeeping must not sit between the decision and the SDK seeing it.
      if (!(WORKER_PATHS as readonly string[]).includes(path)) {
        attempt.outcome = 'not-found';
        attempt.status = 404;
        refuseUpgrade(socket, 404);
        return record();
      }
      if (directive?.kind === 'reject') {
        attempt.outcome = 'rejected';
        attempt.status = directive.status;
        refuseUpgrade(socket, directive.status);
        return record();
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (directive?.kind === 'accept-then-close') attempt.outcome = 'accepted-then-closed';
        attempt.conn = this.connections.length + 1; // the number accept() gives it; the upgrade is recorded before its open
        record();
        // Marked closing inside accept(), before waiters are woken: waitForConnection must never hand out
        // a connection that is accepted only to be closed at once.
        const conn = this.accept(ws, req, attempt, path, directive?.kind === 'accept-then-close');
        if (directive?.kind === 'accept-then-close') {
          if (directive.terminate) conn.terminate();
          else conn.close(directive.code ?? 1000, directive.reason ?? '');
          return;
        }
        // The protocol takes the worker on: held, greeted by the case's policy, announced.
        if (path === '/')
          conn.protocol = this.protocol.openWorker(conn, req.socket.remoteAddress ?? null, { id: conn.workerId, token: conn.reattachToken ?? randomUUID() });
      });
    } catch (e) {
      this.harnessError(e);
      socket.destroy();
    }
  }

  private takeDirective(path: string): UpgradeDirective | undefined {
    const d = this.directives.find((x) => x.remaining > 0 && (x.path === '*' || x.path === path));
    if (!d) return undefined;
    d.remaining -= 1;
    if (d.remaining === 0) this.directives.splice(this.directives.indexOf(d), 1);
    return d;
  }

  private accept(ws: WebSocket, req: IncomingMessage, attempt: UpgradeAttempt, path: string, closing: boolean): EngineConnection {
    const conn = new EngineConnection({
      ws,
      peer: this.peerName,
      conn: this.connections.length + 1,
      path,
      inboundDir: 'worker->engine',
      transcript: this.transcript,
      faults: this.faults,
      timers: this.timers,
      defaultTimeoutMs: this.defaultTimeoutMs,
      isClient: false,
      maxPayload: this.maxPayload,
      ...(this.maxPayload === ENGINE_MAX_MESSAGE_BYTES ? { maxPayloadName: ENGINE_MESSAGE_LIMIT_NAME } : {}),
      host: { dispatch: (c, v, e) => this.dispatch(c, v, e), closed: (c, info) => this.workerGone(c, info) },
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      attempt: attempt.attempt,
      reattachToken: this.withReattachToken,
    });
    if (closing) this.closingOnAccept.add(conn);
    this.connections.push(conn);
    this.transcript.append({ kind: 'event', peer: this.peerName, event: 'open', conn: conn.conn, path, attempt: attempt.attempt });
    // Waiters (waitForConnection) must see a peer that stays silent after its upgrade too.
    this.notify();
    return conn;
  }

  // ------------------------------------------------------------------ internals: the protocol and its script

  /** `workerregistered` on a new "/" connection, by the case's policy (ProtocolScript.greet). */
  private greet(worker: Connection): void {
    const conn = worker.link instanceof EngineConnection ? worker.link : undefined;
    if (!conn) return;
    const policy = this.workerRegisteredPolicy;
    if (policy === 'hold') return;
    if (policy === 'immediate') void conn.sendWorkerRegistered();
    else this.timers.after(policy.delayMs, () => void conn.sendWorkerRegistered());
  }

  /** A frame arrived: a case's pending call is settled here, everything else the worker sent goes to the protocol. */
  private dispatch(conn: EngineConnection, value: unknown, record: FrameRecord): void {
    if (this.listeners.size > 0) this.notify();
    const worker = conn.protocol;
    // The engine drops what it cannot decode, and everything from a connection a reattach retired (§3.11).
    if (!worker || worker.retired || record.verdict.base !== 'valid') return;
    const frame = value as Frame;
    if (frame.type === 'invocationresult' && typeof frame.invocation_id === 'string') {
      // The engine does not check which connection answers: any connection knowing the id completes it.
      const id = frame.invocation_id;
      const caller = this.connections.find((c) => c.hasPendingInvocation(id));
      if (caller?.settleInvocation(frame)) return;
    }
    conn.observe(frame);
    this.current = { frame, conn };
    try {
      this.protocol.receiveFrame(worker, frame);
    } finally {
      this.current = undefined;
    }
  }

  /** ProtocolScript.answerCall: the case's scripted answers come before builtins and routing. */
  private answerCall(msg: InvokeMessage, reply: CallReply): boolean {
    const current = this.current;
    if (!current) return false;
    const { frame, conn } = current;
    const call: IncomingCall = {
      functionId: msg.function_id,
      invocationId: typeof frame.invocation_id === 'string' ? frame.invocation_id : undefined,
      data: frame.data,
      metadata: frame.metadata,
      namespace: msg.namespace,
      action: frame.action,
      frame,
      connection: conn,
    };
    const scripted = this.answers.find((a) => a.remaining > 0 && targets(a.target, call.functionId, call));
    if (!scripted) return false;
    scripted.remaining -= 1;
    this.runScript(scripted.script, call, reply);
    return true;
  }

  /**
   * Runs a scripted answer. A script that throws (or rejects) answers with that error (`{code, message}`
   * when it carries a code, else invocation_failed): a deliberate way to script failures. A script that
   * returns something other than an answer is a bug in the case: recorded as a harness error, and the
   * caller gets `harness_error` rather than silence.
   */
  private runScript(script: CallScript, call: IncomingCall, reply: CallReply): void {
    const finish = (answer: unknown): void => {
      if (answer === NO_ANSWER) return;
      if (typeof answer !== 'object' || answer === null) {
        this.harnessError(new Error(`the script answering ${call.functionId} returned ${String(answer)}; expected {result}, {error}, {delayMs} or NO_ANSWER`));
        reply({ error: { code: 'harness_error', message: `the fake engine's script for ${call.functionId} returned no answer object` } });
        return;
      }
      const a = answer as { result?: unknown; error?: ErrorBody; delayMs?: number };
      const send = (): void => reply(a.error !== undefined ? { error: a.error } : { result: a.result });
      if (typeof a.delayMs === 'number' && a.delayMs > 0) this.timers.after(a.delayMs, send);
      else send();
    };
    try {
      const out: unknown = typeof script === 'function' ? script(call) : script;
      if (out instanceof Promise) {
        out.then(
          (answer: unknown) => this.guarded(() => finish(answer)),
          (e: unknown) => reply({ error: errorOf(e) }),
        );
      } else finish(out);
    } catch (e) {
      reply({ error: errorOf(e) });
    }
  }

  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.harnessError(e);
    }
  }

  /** ProtocolScript.retired: a reattach retired a connection. */
  private retired(worker: Connection, by: Connection): void {
    const old = this.connections.find((c) => c.protocol === worker);
    const successor = this.connections.find((c) => c.protocol === by);
    if (!old || !successor) return;
    old.retiredBy = successor.conn;
    this.transcript.note(this.peerName, `reattach: conn ${successor.conn} retires conn ${old.conn} (${old.workerId})`);
  }

  /** The socket closed: the protocol cleans up (once), and the worker's registrations on it are gone. */
  private workerGone(conn: EngineConnection, info: CloseInfo): void {
    this.notify();
    conn.forgetRegistrations();
    if (conn.protocol) this.protocol.workerClosed(conn.protocol, info.code);
  }

  // ------------------------------------------------------------------ internals: waiting

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Polls `probe` whenever something happens on the engine, until it yields a value or the deadline passes. */
  private until<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        if (this.closed) {
          this.listeners.delete(check);
          this.timers.cancel(timer);
          reject(new Error(`fake engine closed while waiting for ${what()}`));
          return;
        }
        const v = probe();
        if (v === undefined) return;
        this.listeners.delete(check);
        this.timers.cancel(timer);
        resolve(v);
      };
      const timer = this.timers.after(timeoutMs, () => {
        this.listeners.delete(check);
        reject(new WaitTimeoutError(`fake engine: no ${what()} within ${timeoutMs} ms`, []));
      });
      this.listeners.add(check);
    });
  }

  private describeUpgrades(): string {
    if (this.upgrades.length === 0) return 'none';
    return this.upgrades
      .slice(-10)
      .map((u) => `#${u.attempt} ${u.path} ${u.outcome}${u.status ? ` ${u.status}` : ''}`)
      .join(', ');
  }

  private harnessError(e: unknown): void {
    try {
      this.transcript.append({
        kind: 'event',
        peer: this.peerName,
        event: 'harness-error',
        message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e),
      });
    } catch {
      // nothing left to do
    }
  }
}

function targets(target: CallTarget, functionId: string, call: IncomingCall): boolean {
  if (typeof target === 'string') return target === functionId;
  if (target instanceof RegExp) return target.test(functionId);
  try {
    return target(functionId, call);
  } catch {
    return false;
  }
}

function errorOf(e: unknown): ErrorBody {
  if (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string') {
    const err = e as { code: string; message?: unknown; stacktrace?: unknown };
    return {
      code: err.code,
      message: typeof err.message === 'string' ? err.message : '',
      ...(typeof err.stacktrace === 'string' ? { stacktrace: err.stacktrace } : {}),
    };
  }
  return { code: 'invocation_failed', message: e instanceof Error ? e.message : String(e) };
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://fake-engine').pathname;
  } catch {
    return req.url ?? '/';
  }
}

function headersOf(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = v;
  return out;
}

function refuseUpgrade(socket: Socket, status: number): void {
  const text = STATUS_CODES[status] ?? 'Refused';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  socket.destroySoon?.();
}
