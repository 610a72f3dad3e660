// The lean transport of the reference engine: one HTTP listener with the handshake deadline, WebSocket
// upgrades routed by path (`/` workers, `/otel` telemetry, anything else 404), raw frames turned into
// decoded messages (telemetry and blank frames skipped, undecodable ones logged and dropped), and
// sends with backpressure. The protocol itself lives in engine.ts (ReferenceEngine extends this); it
// reaches a socket only through a WorkerLink, so the fake engine's recording connections carry the same
// protocol (harness/fake-engine) without this listener, which is created only by listen().

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import { validateFrame, type Frame } from '../wire/index.ts';
import { decodeInbound, type Inbound } from './decode.ts';
import type { Connection, WorkerLink } from './state.ts';
import { ENGINE_MAX_MESSAGE_BYTES } from '../wire/limits.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type EngineLogger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface ReferenceEngineOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Grace before buffered registrations drain into `default` (§4.2). Default: III_NAMESPACE_GRACE_MS or 5000. */
  namespaceGraceMs?: number;
  /** Deadline for completing the HTTP upgrade (§1.2). Default 10 000. */
  handshakeTimeoutMs?: number;
  /** Largest accepted message; bigger ones tear the connection down (§1.3). Default 64 MiB. */
  maxPayloadBytes?: number;
  log?: EngineLogger;
}

const TELEMETRY_PREFIXES = ['OTLP', 'MTRC', 'LOGS'];
/** Unflushed bytes to one worker above which the engine stops reading from it until they are written. */
const OUTBOUND_HIGH_WATER = 8 * 1024 * 1024;

/** A `ws` socket as a WorkerLink, with the engine's backpressure on sends. */
export class WebSocketLink implements WorkerLink {
  constructor(readonly ws: WebSocket) {}

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(frame: Record<string, unknown>): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount < OUTBOUND_HIGH_WATER || ws.isPaused) return ws.send(JSON.stringify(frame));
    // A worker that does not read what it is sent (the engine's queue holds 64 frames, §1.3) stops being
    // read until this frame is flushed, so it cannot grow the engine's memory without bound.
    ws.pause();
    ws.send(JSON.stringify(frame), () => ws.resume());
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export abstract class EngineTransport {
  protected readonly otel = new Set<WebSocket>();
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  protected readonly log: EngineLogger;
  private closing: Promise<void> | null = null;

  constructor(readonly options: ReferenceEngineOptions = {}) {
    this.log = options.log ?? (() => {});
  }

  private createListener(): Server {
    const handshake = this.handshakeDeadlineMs();
    const server = createServer({ connectionsCheckingInterval: Math.min(1000, handshake || 1000) }, (req, res) => {
      // A plain GET on `/` lacks the upgrade (axum answers 4xx); every other path is unknown.
      const path = pathOf(req);
      res.statusCode = path === '/' || path === '/otel' ? 426 : 404;
      res.end(path === '/' || path === '/otel' ? 'expected a WebSocket upgrade' : 'not found');
    });
    server.headersTimeout = handshake;
    server.requestTimeout = handshake;
    this.wss = new WebSocketServer(this.webSocketOptions());
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    return server;
  }

  /** A worker connection was upgraded on `/`. */
  protected abstract acceptWorker(ws: WebSocket, req: IncomingMessage): void;
  /** A decoded message arrived from a worker. */
  protected abstract dispatch(conn: Connection, msg: Inbound): void;
  /** The engine is shutting down: clean up and drop every worker socket. */
  protected abstract dropWorkers(): void;

  /** Deadline for a TCP connection to complete its upgrade request; 0 disables it (§1.2). */
  protected handshakeDeadlineMs(): number {
    return this.options.handshakeTimeoutMs ?? 10_000;
  }

  /** No subprotocol is ever selected, no compression, WS pings answered, 64 MiB messages (§1.2, §1.3). */
  protected webSocketOptions(): ServerOptions {
    return {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      autoPong: true,
      handleProtocols: () => false,
      maxPayload: this.options.maxPayloadBytes ?? ENGINE_MAX_MESSAGE_BYTES,
    };
  }

  listen(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? '127.0.0.1';
    const server = (this.server ??= this.createListener());
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => {
        server.off('error', reject);
        const addr = server.address();
        if (addr === null || typeof addr === 'string') return reject(new Error('listener has no TCP address'));
        resolve({ host, port: addr.port });
      });
    });
  }

  /** Drops every socket (cleanup runs for each worker) and stops listening. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.dropWorkers();
      for (const ws of this.otel) ws.terminate();
      this.otel.clear();
      const server = this.server;
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return this.closing;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const route = this.closing ? null : this.routeOf(pathOf(req));
    if (route === null) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss?.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (e) => this.log('debug', 'socket error', { error: e.message }));
      if (route === 'otel') this.acceptTelemetry(ws);
      else this.acceptWorker(ws, req);
    });
  }

  /** `/` is the worker protocol, `/otel` telemetry only; every other path is 404 (§1.1). */
  protected routeOf(path: string): 'worker' | 'otel' | null {
    return path === '/' ? 'worker' : path === '/otel' ? 'otel' : null;
  }

  /** `/otel`: telemetry frames are accepted and ignored; never a worker (§1.5, §11.1 #10). */
  private acceptTelemetry(ws: WebSocket): void {
    this.otel.add(ws);
    ws.on('close', () => this.otel.delete(ws));
  }

  protected send(conn: Connection, frame: Record<string, unknown>): void {
    conn.link.send(frame);
  }

  protected onRawFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.retired) return; // evicted by a reattach: frames still queued from it are discarded (§3.11)
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary && buf.length >= 4 && TELEMETRY_PREFIXES.includes(buf.subarray(0, 4).toString('latin1'))) {
      return; // telemetry on `/` is ingested, never a protocol message (§1.3, §11.1 #9)
    }
    const text = buf.toString('utf8');
    if (!isBinary && text.trim() === '') return;
    this.handleSafely(conn, () => this.onText(conn, text));
  }

  /** Nothing a worker sends may crash the engine or close its connection (§7): a failure is logged. */
  private handleSafely(conn: Connection, handle: () => void): void {
    try {
      handle();
    } catch (e) {
      this.log('error', 'frame handling failed', { worker_id: conn.id, error: e instanceof Error ? e.stack : String(e) });
    }
  }

  protected onText(conn: Connection, text: string): void {
    const verdict = validateFrame(text);
    if (!verdict.ok) return this.onUndecodable(conn, verdict.reason, text);
    this.onValidFrame(conn, verdict.frame, text);
  }

  /**
   * A frame the wire validator accepted, from any transport (the fake engine's recording connections
   * validate on arrival and come in here): decoded with the engine's serde rules, then dispatched.
   */
  receiveFrame(conn: Connection, frame: Frame): void {
    if (conn.retired) return;
    this.handleSafely(conn, () => this.onValidFrame(conn, frame, undefined));
  }

  private onValidFrame(conn: Connection, frame: Frame, text: string | undefined): void {
    const decoded = decodeInbound(frame);
    if (!decoded.ok) return this.onUndecodable(conn, decoded.reason, text ?? JSON.stringify(frame));
    this.dispatch(conn, decoded.message);
  }

  /** Bad input is logged and dropped; the connection stays open and gets no reply (§1.3, §11.1 #7). */
  protected onUndecodable(conn: Connection, reason: string, text: string): void {
    this.log('warn', 'json decode error', { worker_id: conn.id, reason, frame: text.length > 200 ? `${text.slice(0, 200)}…` : text });
  }
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://engine').pathname;
  } catch {
    return '';
  }
}
