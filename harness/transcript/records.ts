// The record types of a transcript: one JSON object per line, described by schemas/transcript.schema.json.
// Frames, connection events, applied faults and free-form notes share one monotonic clock (`t`, ms since the
// transcript's origin), so a single file is the authoritative history of a case (the seed alone is not).

import type { Direction, Violation } from '../wire/index.ts';
import type { FaultSchedule, FaultAction } from '../faults/schedule.ts';

/** Who wrote the record: a fake peer, a driver, the runner or a case. Free text, short. */
export type RecordSource = string;

interface RecordBase {
  /** ms since the transcript origin (performance.now() - origin), 0.001 ms resolution. */
  t: number;
  /** Position in the transcript, from 0; ties in `t` keep this order. */
  seq: number;
}

export interface HeaderRecord extends RecordBase {
  kind: 'header';
  format: 'iii-transcript';
  version: 1;
  /** Wall-clock time of the origin (ISO 8601), for humans only. */
  startedAt: string;
  /** performance.now() at the origin, so `t + clockOrigin` compares with other monotonic stamps. */
  clockOrigin: number;
  meta?: Record<string, unknown>;
}

/** The validator's verdict as recorded: base (would the engine decode it) and strict findings. */
export interface RecordedVerdict {
  /** valid / invalid per the wire validator; telemetry for OTLP/MTRC/LOGS frames; skipped when not validated. */
  base: 'valid' | 'invalid' | 'telemetry' | 'skipped';
  reason?: string;
  type?: string;
  nonStandard?: boolean;
  violations: Violation[];
  strict: Violation[];
}

export interface TelemetryInfo {
  prefix: 'OTLP' | 'MTRC' | 'LOGS';
  /** The JSON after the prefix, when it decoded and was small enough to keep. */
  body?: unknown;
  error?: string;
}

/**
 * A frame as sent or received. Text frames the transcript keeps whole are LazyFrameRecord instances
 * (transcript/lazy.ts): `frame` and `verdict` are getters that parse and judge the text on first read,
 * and JSON.stringify writes them like any other field. Read them as properties; for a plain object, take
 * `JSON.parse(JSON.stringify(record))` (spread does not copy getters).
 */
export interface FrameRecord extends RecordBase {
  kind: 'frame';
  peer: RecordSource;
  conn: number;
  path: string;
  dir: Direction;
  encoding: 'text' | 'binary';
  /** Payload size in bytes. */
  length: number;
  /** Text payload (possibly truncated to a prefix). */
  text?: string;
  /** Binary payload as base64 (possibly truncated to a prefix). */
  base64?: string;
  /** Set when `text`/`base64` hold only a prefix of the payload. */
  truncated?: true;
  /** The parsed JSON value, when it parsed and was small enough to keep. */
  frame?: unknown;
  verdict: RecordedVerdict;
  telemetry?: TelemetryInfo;
  /** harness: a frame the peer built; raw: bytes a script sent on purpose (may be invalid by design). */
  origin?: 'harness' | 'raw' | 'peer';
  /** The fault rule (index in the schedule) that touched this frame, and what it did. */
  fault?: { rule: number; action: FaultAction['kind'] };
  /** false when a fault dropped the frame (sent: never written; received: never processed). */
  delivered?: false;
}

/** The note a fake peer writes when it closes a connection itself (data: conn, path, code, reason, terminate). */
export const CLOSING_NOTE = 'closing the connection';

/** The notes a fake peer writes when it stops reading a connection (a half-open link) and reads it again (data: conn, path). */
export const READING_PAUSED_NOTE = 'reading paused: the socket is no longer read';
export const READING_RESUMED_NOTE = 'reading resumed';

/**
 * The note a case's context writes when the case body returned, before its drivers are stopped: the end of
 * what the recording watched (a case that waited to see nothing happen leaves no other record of the wait).
 */
export const CASE_END_NOTE = 'case body ended';

export const EVENT_NAMES = [
  'listening',
  'listener-down',
  'listener-up',
  'upgrade',
  'open',
  'close',
  'error',
  'ws-ping',
  'ws-pong',
  'connect-failed',
  'harness-error',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export interface EventRecord extends RecordBase {
  kind: 'event';
  peer: RecordSource;
  event: EventName;
  conn?: number;
  path?: string;
  /** Upgrade attempt number (1-based, per peer). */
  attempt?: number;
  /** Upgrade events: when the TCP connection was accepted, on the transcript clock (before `t`). */
  tcpT?: number;
  /** accepted | rejected | accepted-then-closed | not-found: what the fake engine did with an upgrade. */
  outcome?: string;
  status?: number;
  code?: number;
  reason?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  message?: string;
}

export interface FaultRecord extends RecordBase {
  kind: 'fault';
  peer: RecordSource;
  conn: number;
  path: string;
  dir: Direction;
  rule: number;
  action: FaultAction;
  /** The frame type the rule matched and the count that fired it. */
  type: string;
  nth: number;
}

export interface ScheduleRecord extends RecordBase {
  kind: 'faults';
  peer: RecordSource;
  schedule: FaultSchedule;
}

export type NoteLevel = 'debug' | 'info' | 'warn' | 'error';

export interface NoteRecord extends RecordBase {
  kind: 'note';
  /** Who said it: "case", "driver:node", "engine", ... */
  source: RecordSource;
  level: NoteLevel;
  text: string;
  data?: unknown;
}

export type TranscriptRecord = HeaderRecord | FrameRecord | EventRecord | FaultRecord | ScheduleRecord | NoteRecord;

/** A record before the recorder stamps it with `t` and `seq`. */
export type DraftRecord =
  | Omit<FrameRecord, 't' | 'seq'>
  | Omit<EventRecord, 't' | 'seq'>
  | Omit<FaultRecord, 't' | 'seq'>
  | Omit<ScheduleRecord, 't' | 'seq'>
  | Omit<NoteRecord, 't' | 'seq'>;
