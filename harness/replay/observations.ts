// What an SDK-side replay compares besides frames, as the recording holds it and as the live run shows it:
// the WebSocket upgrade requests (path, headers) and what the fake engine did with each attempt, connection
// closes, WebSocket-level pongs, the driver's events (what the SDK reported to its user) and the commands
// they answer, and the reconnection config the case started the SDK with (for reconnection-gap envelopes).
// The records come from an untrusted file: every field is type-checked and anything odd is dropped.

import type { ReconnectionConfig } from '../timing/backoff.ts';
import { DEFAULT_RECONNECTION } from '../timing/backoff.ts';
import { CASE_END_NOTE, READING_PAUSED_NOTE } from '../transcript/records.ts';
import type { Direction } from '../wire/message-types.ts';
import { isJsonObject } from '../util/json-object.ts';

export interface RecordedUpgrade {
  /** 1-based, among the attempts on the worker path "/". */
  attempt: number;
  seq: number;
  t: number;
  /** When the TCP connection was accepted (start of the attempt), else `t`. */
  startT: number;
  url: string;
  headers: Record<string, string>;
  outcome: string;
  status?: number;
  /** The recorded connection number, when the attempt was accepted. */
  conn?: number;
}

export interface RecordedClose {
  conn: number;
  seq: number;
  t: number;
  code?: number;
}

export interface RecordedPong {
  conn: number;
  seq: number;
  t: number;
  /** Payload, base64, as the fake engine recorded it. */
  message: string;
}

/** A driver event (note "event <name>" of driver#1) or command (note "command <cmd>"). */
export interface RecordedDriverRecord {
  seq: number;
  t: number;
  data: Record<string, unknown>;
}

export interface RecordedObservations {
  upgrades: RecordedUpgrade[];
  closes: RecordedClose[];
  /** When the engine side itself closed a connection (its CLOSING_NOTE), per connection. */
  engineCloses: Map<number, number>;
  /** When the engine side stopped reading a connection (READING_PAUSED_NOTE), per connection. */
  readingPaused: Map<number, number>;
  pongs: RecordedPong[];
  /** WebSocket pings the SDK sent (its own heartbeat), per connection. */
  pings: RecordedPong[];
  events: RecordedDriverRecord[];
  commands: RecordedDriverRecord[];
  /**
   * Why attempts cannot be paired one to one with the live run (undefined: they can). A listener that went
   * down refuses attempts in the OS, so they leave no record; several fake engines make several attempt lists.
   */
  attemptsUnpaired?: string;
  /** The reconnection config the first driver was started with (the SDK's documented defaults if none). */
  reconnection: ReconnectionConfig;
  /** The end of what the recording watched (the case's end note, else its last record): the live run is watched until then. */
  endT: number;
}

const ENGINE_PEER = 'engine';

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Header values as strings (a repeated header joined as Node joins it). */
export function headerMap(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(raw)) return out;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k.toLowerCase()] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k.toLowerCase()] = v.join(', ');
  }
  return out;
}

export function recordedObservations(records: readonly unknown[], driverStart: Record<string, unknown> | undefined): RecordedObservations {
  const upgrades: RecordedUpgrade[] = [];
  const closes: RecordedClose[] = [];
  const engineCloses = new Map<number, number>();
  const readingPaused = new Map<number, number>();
  const pongs: RecordedPong[] = [];
  const pings: RecordedPong[] = [];
  const events: RecordedDriverRecord[] = [];
  const commands: RecordedDriverRecord[] = [];
  const peers = new Set<string>();
  let listenerDown = false;
  let endT = 0;
  let caseEndT: number | undefined;
  for (const r of records) {
    if (!isJsonObject(r)) continue;
    const t = num(r.t);
    const seq = num(r.seq);
    if (t === undefined || seq === undefined) continue;
    if (r.kind !== 'header' && caseEndT === undefined) endT = Math.max(endT, t);
    if (r.kind === 'note' && r.source === 'case' && r.text === CASE_END_NOTE) caseEndT = t;
    if (r.kind === 'note' && r.source === 'driver#1' && typeof r.text === 'string' && isJsonObject(r.data)) {
      if (r.text.startsWith('event ') && typeof r.data.event === 'string') events.push({ seq, t, data: r.data });
      if (r.text.startsWith('command ') && typeof r.data.cmd === 'string' && typeof r.data.id === 'string') commands.push({ seq, t, data: r.data });
      continue;
    }
    if (r.kind === 'note' && r.source === ENGINE_PEER && r.text === 'closing the connection' && isJsonObject(r.data)) {
      const conn = num(r.data.conn);
      if (conn !== undefined && (r.data.path ?? '/') === '/' && !engineCloses.has(conn)) engineCloses.set(conn, t);
      continue;
    }
    if (r.kind === 'note' && r.source === ENGINE_PEER && r.text === READING_PAUSED_NOTE && isJsonObject(r.data)) {
      const conn = num(r.data.conn);
      if (conn !== undefined && (r.data.path ?? '/') === '/' && !readingPaused.has(conn)) readingPaused.set(conn, t);
      continue;
    }
    if (r.kind !== 'event' || typeof r.peer !== 'string') continue;
    if (r.event === 'upgrade' || r.event === 'listening') peers.add(r.peer);
    if (r.event === 'listener-down') listenerDown = true;
    if (r.peer !== ENGINE_PEER) continue;
    const path = typeof r.path === 'string' ? r.path : '/';
    if (r.event === 'upgrade' && path === '/') {
      const status = num(r.status);
      const conn = num(r.conn);
      upgrades.push({
        attempt: upgrades.length + 1,
        seq,
        t,
        startT: num(r.tcpT) ?? t,
        url: typeof r.url === 'string' ? r.url : '/',
        headers: headerMap(r.headers),
        outcome: typeof r.outcome === 'string' ? r.outcome : 'accepted',
        ...(status !== undefined ? { status } : {}),
        ...(conn !== undefined ? { conn } : {}),
      });
    } else if (r.event === 'close' && path === '/') {
      const conn = num(r.conn);
      const code = num(r.code);
      if (conn !== undefined) closes.push({ conn, seq, t, ...(code !== undefined ? { code } : {}) });
    } else if (r.event === 'ws-pong' && path === '/' && typeof r.message === 'string') {
      const conn = num(r.conn);
      if (conn !== undefined) pongs.push({ conn, seq, t, message: r.message });
    } else if (r.event === 'ws-ping' && path === '/' && typeof r.message === 'string') {
      const conn = num(r.conn);
      if (conn !== undefined) pings.push({ conn, seq, t, message: r.message });
    }
  }
  const attemptsUnpaired = listenerDown
    ? 'the recorded listener went down (attempts refused by the OS leave no record)'
    : peers.size > 1
      ? 'the recording has several fake engines'
      : undefined;
  const byT = (a: { t: number; seq: number }, b: { t: number; seq: number }) => a.t - b.t || a.seq - b.seq;
  return {
    upgrades,
    closes,
    engineCloses,
    readingPaused,
    pongs,
    pings,
    // A driver whose connections the transcript does not hold (a case that ran it against engines of its own,
    // like the fuzz lane) reported things replay cannot make happen: its events are not compared.
    events: upgrades.length > 0 ? events.sort(byT) : [],
    commands: commands.sort(byT),
    ...(attemptsUnpaired ? { attemptsUnpaired } : {}),
    reconnection: reconnectionOf(driverStart),
    endT: caseEndT ?? endT,
  };
}

function reconnectionOf(start: Record<string, unknown> | undefined): ReconnectionConfig {
  const r = start && isJsonObject(start.reconnection) ? start.reconnection : {};
  const pick = (k: keyof ReconnectionConfig) => num(r[k]) ?? DEFAULT_RECONNECTION[k];
  return {
    initialDelayMs: pick('initialDelayMs'),
    maxDelayMs: pick('maxDelayMs'),
    backoffMultiplier: pick('backoffMultiplier'),
    jitterFactor: pick('jitterFactor'),
    maxRetries: pick('maxRetries'),
  };
}

/** What the replay server saw of the live SDK, on performance.now() time. */
export interface LiveUpgrade {
  attempt: number;
  at: number;
  startAt: number;
  url: string;
  headers: Record<string, string>;
  /** What the replay did with it: the recorded attempt's outcome, or accepted beyond the recording. */
  outcome: string;
  /** Index into the accepted connections, when accepted. */
  accepted?: number;
}

export interface LiveConnectionInfo {
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  /** The replay itself closed it (a recorded close step), so its end is not the SDK's doing. */
  closedByUs?: number;
}

export interface LiveFrame {
  /** Index of the accepted connection. */
  conn: number;
  dir: Direction;
  at: number;
  frame: unknown;
}

export interface LiveObservations {
  upgrades: LiveUpgrade[];
  connections: LiveConnectionInfo[];
  pongs: { conn: number; at: number; message: string }[];
  /** WebSocket pings the live SDK sent. */
  pings: { conn: number; at: number; message: string }[];
  frames: LiveFrame[];
}
