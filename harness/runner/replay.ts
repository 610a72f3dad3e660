// Replay: plays one side of a recorded transcript against a live implementation and reports the first
// frame where the live behaviour diverges from the recording.
//  - playing the worker side against an engine (engine cases): our frames are the recorded
//    worker->engine frames, the engine's answers are compared with the recorded engine->worker ones;
//  - playing the engine side against an SDK (SDK cases): a local server sends the recorded
//    engine->worker frames and compares what the SDK sends with the recorded worker->engine ones.
// Causality is kept per step: a frame of ours is sent only after every frame the other side had sent
// before it (in the recording) has arrived, on every connection.

import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { compareFrames, IdBindings, type FrameDifference } from './replay-compare.ts';

export type Role = 'worker' | 'engine';
type Dir = 'engine->worker' | 'worker->engine';

export interface ReplayStep {
  seq: number;
  t: number;
  /** Connection key: `${peer}#${conn}` in the recording. */
  conn: string;
  path: string;
  dir: Dir;
  /** Parsed JSON, or undefined when only raw text was recorded. */
  frame: unknown;
  text?: string;
}

export interface ReplayScript {
  steps: ReplayStep[];
  /** Connection keys in the order they first appear. */
  connections: { key: string; path: string }[];
  /** Driver commands found in the transcript (notes carrying a `cmd`), for SDK replay. */
  driverCommands: Record<string, unknown>[];
}

export interface Divergence {
  kind: 'different' | 'missing' | 'closed' | 'connect-failed';
  step: ReplayStep;
  /** Frames of the other side compared before this one. */
  index: number;
  message: string;
  difference?: FrameDifference;
  actual?: unknown;
}

export interface ReplayReport {
  role: Role;
  target: string;
  sent: number;
  compared: number;
  divergence?: Divergence;
  /** Frames the live side sent after the recording ended (informational). */
  extra: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Frames on the worker socket ("/"), text only (telemetry and binary frames are not replayed). */
export function scriptFromRecords(records: readonly unknown[]): ReplayScript {
  const steps: ReplayStep[] = [];
  const connections: { key: string; path: string }[] = [];
  const driverCommands: Record<string, unknown>[] = [];
  for (const r of records) {
    if (!isRecord(r)) continue;
    if (r.kind === 'note' && isRecord(r.data) && typeof r.data.cmd === 'string') driverCommands.push(r.data);
    if (r.kind !== 'frame' || r.encoding === 'binary') continue;
    const path = typeof r.path === 'string' ? r.path : '/';
    if (path !== '/' && path !== '') continue;
    if (r.dir !== 'engine->worker' && r.dir !== 'worker->engine') continue;
    const key = `${typeof r.peer === 'string' ? r.peer : 'peer'}#${String(r.conn ?? 0)}`;
    if (!connections.some((c) => c.key === key)) connections.push({ key, path: '/' });
    steps.push({
      seq: typeof r.seq === 'number' ? r.seq : steps.length,
      t: typeof r.t === 'number' ? r.t : 0,
      conn: key,
      path: '/',
      dir: r.dir,
      frame: r.frame,
      ...(typeof r.text === 'string' ? { text: r.text } : {}),
      ...(r.delivered === false ? { dropped: true } : {}),
    } as ReplayStep);
  }
  steps.sort((a, b) => a.seq - b.seq);
  return { steps, connections, driverCommands };
}

export function parseRecords(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        throw new Error(`line ${i + 1} of the transcript is not JSON`);
      }
    });
}

/** Frames received on one live connection, handed out in order to whoever waits. */
class Inbox {
  private readonly frames: unknown[] = [];
  private waiter: (() => void) | undefined;
  closed: { code: number; reason: string } | undefined;
  push(frame: unknown): void {
    this.frames.push(frame);
    this.waiter?.();
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.waiter?.();
  }
  get size(): number {
    return this.frames.length;
  }
  async next(index: number, timeoutMs: number): Promise<unknown | typeof TIMEOUT | typeof CLOSED> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length <= index) {
      if (this.closed) return CLOSED;
      const left = deadline - Date.now();
      if (left <= 0) return TIMEOUT;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.frames[index];
  }
}
const TIMEOUT = Symbol('timeout');
const CLOSED = Symbol('closed');

function parseData(data: RawData): unknown {
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface LiveConnection {
  send(text: string): void;
  inbox: Inbox;
  close(): void;
}

/**
 * The shared loop: walks the steps, sends ours (rewritten with the bound ids), and compares theirs.
 * `connect(key)` gives the live connection for a recorded one (opening it, or waiting for the SDK).
 */
async function play(
  script: ReplayScript,
  ours: Dir,
  connect: (key: string) => Promise<LiveConnection>,
  stepTimeoutMs: number,
): Promise<Omit<ReplayReport, 'role' | 'target'>> {
  const ids = new IdBindings();
  const live = new Map<string, LiveConnection>();
  const consumed = new Map<string, number>();
  let sent = 0;
  let compared = 0;
  const report = (divergence?: Divergence) => ({ sent, compared, extra: 0, ...(divergence ? { divergence } : {}) });
  for (const step of script.steps) {
    let conn = live.get(step.conn);
    if (!conn) {
      try {
        conn = await connect(step.conn);
      } catch (e) {
        return report({ kind: 'connect-failed', step, index: compared, message: e instanceof Error ? e.message : String(e) });
      }
      live.set(step.conn, conn);
    }
    if (step.dir === ours) {
      if ((step as ReplayStep & { dropped?: boolean }).dropped) continue; // a fault kept it off the wire
      const payload = step.frame !== undefined ? JSON.stringify(ids.rewrite(step.frame)) : (step.text ?? '');
      conn.send(payload);
      sent++;
      continue;
    }
    const index = consumed.get(step.conn) ?? 0;
    const got = await conn.inbox.next(index, stepTimeoutMs);
    if (got === TIMEOUT) {
      return report({ kind: 'missing', step, index: compared, message: `expected ${describe(step)} within ${stepTimeoutMs} ms; nothing arrived` });
    }
    if (got === CLOSED) {
      const c = conn.inbox.closed;
      return report({
        kind: 'closed',
        step,
        index: compared,
        message: `expected ${describe(step)}, but the connection closed (${c?.code ?? '?'} ${c?.reason ?? ''})`.trim(),
      });
    }
    consumed.set(step.conn, index + 1);
    compared++;
    const difference = compareFrames(step.frame ?? step.text, got, ids);
    if (difference) {
      return report({
        kind: 'different',
        step,
        index: compared - 1,
        difference,
        actual: got,
        message: `${describe(step)} differs at ${difference.path || '(the frame)'}: recorded ${JSON.stringify(difference.expected)}, live ${JSON.stringify(difference.actual)}`,
      });
    }
  }
  // Anything the live side sent beyond the recording.
  await new Promise((r) => setTimeout(r, 100));
  let extra = 0;
  for (const [key, conn] of live) extra += Math.max(0, conn.inbox.size - (consumed.get(key) ?? 0));
  for (const conn of live.values()) conn.close();
  return { sent, compared, extra };
}

function describe(step: ReplayStep): string {
  const type = isRecord(step.frame) && typeof step.frame.type === 'string' ? step.frame.type : 'frame';
  return `${type} (${step.dir}, connection ${step.conn}, recorded at ${step.t.toFixed(1)} ms, seq ${step.seq})`;
}

/** Plays the recorded worker side against an engine at `url`. */
export async function replayAgainstEngine(script: ReplayScript, url: string, options: { stepTimeoutMs?: number } = {}): Promise<ReplayReport> {
  const sockets: WebSocket[] = [];
  try {
    const result = await play(
      script,
      'worker->engine',
      (key) =>
        new Promise<LiveConnection>((resolve, reject) => {
          const ws = new WebSocket(url);
          sockets.push(ws);
          const inbox = new Inbox();
          ws.on('message', (data) => inbox.push(parseData(data)));
          ws.on('close', (code, reason) => inbox.close(code, reason.toString()));
          ws.once('error', (e) => reject(new Error(`cannot open connection ${key} to ${url}: ${e.message}`)));
          ws.once('open', () => resolve({ inbox, send: (t) => ws.send(t), close: () => ws.close() }));
        }),
      options.stepTimeoutMs ?? 3000,
    );
    return { role: 'worker', target: url, ...result };
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

export interface EngineReplayServer {
  url: string;
  report: Promise<ReplayReport>;
  close(): Promise<void>;
}

/**
 * Plays the recorded engine side: listens on 127.0.0.1 and maps the k-th live connection to the k-th
 * recorded one. Start the SDK (driver) against `url` after calling this.
 */
export async function startEngineReplay(
  script: ReplayScript,
  options: { stepTimeoutMs?: number; connectTimeoutMs?: number; target?: string } = {},
): Promise<EngineReplayServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `ws://127.0.0.1:${port}`;
  const accepted: LiveConnection[] = [];
  const waiting: (() => void)[] = [];
  wss.on('connection', (ws) => {
    const inbox = new Inbox();
    ws.on('message', (data) => inbox.push(parseData(data)));
    ws.on('close', (code, reason) => inbox.close(code, reason.toString()));
    ws.on('error', () => {});
    accepted.push({ inbox, send: (t) => ws.send(t), close: () => ws.close() });
    for (const w of waiting.splice(0)) w();
  });
  const order = script.connections.map((c) => c.key);
  const connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
  const report = play(
    script,
    'engine->worker',
    async (key) => {
      const k = order.indexOf(key);
      const deadline = Date.now() + connectTimeoutMs;
      while (accepted.length <= k) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the SDK did not open connection ${k + 1} within ${connectTimeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return accepted[k] as LiveConnection;
    },
    options.stepTimeoutMs ?? 5000,
  ).then((r) => ({ role: 'engine' as const, target: options.target ?? url, ...r }));
  return {
    url,
    report,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
