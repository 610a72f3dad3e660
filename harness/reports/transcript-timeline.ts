// Reads a JSON Lines transcript (schemas/transcript.schema.json, written by the fake peers) into the small
// event list the HTML report draws as a sequence diagram. Tolerant by design: a line it does not
// understand becomes a note, never an exception, since a report must render whatever a case left behind.

import { open } from 'node:fs/promises';
import type { Direction } from '../wire/message-types.ts';
import { frameTypeOf } from '../wire/unvalidated.ts';

export interface TimelineEvent {
  /** ms since the transcript origin. */
  t: number;
  kind: 'frame' | 'event' | 'fault' | 'note';
  /** For frames and faults: which way it travelled. */
  dir?: Direction;
  conn?: number;
  /** Message type, event name, fault action or note source. */
  label: string;
  /** Compact one-line detail (truncated). */
  detail: string;
  /** The frame failed validation, or the note is an error. */
  bad?: boolean;
  /** A fault dropped it. */
  dropped?: boolean;
}

export interface Timeline {
  events: TimelineEvent[];
  /** Records left out past the limit. */
  omitted: number;
}

const DETAIL_MAX = 240;

function compact(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function direction(v: unknown): TimelineEvent['dir'] {
  return v === 'engine->worker' || v === 'worker->engine' ? v : undefined;
}

/** One record (a live one from a recorder, or a parsed JSONL line) as an event; fields are read as unknown. */
export function toTimelineEvent(input: object): TimelineEvent | undefined {
  const record = input as Readonly<Record<string, unknown>>;
  const t = num(record.t) ?? 0;
  const conn = num(record.conn);
  const base = { t, ...(conn === undefined ? {} : { conn }) };
  switch (record.kind) {
    case 'header':
      return undefined;
    case 'frame': {
      const verdict = record.verdict as { base?: unknown; violations?: { path?: string; message?: string }[] } | undefined;
      const type =
        frameTypeOf(record.frame) ?? str((record.verdict as { type?: unknown } | undefined)?.type) ?? (record.encoding === 'binary' ? 'binary' : 'frame');
      const bad = verdict?.base === 'invalid';
      const why = bad && verdict?.violations?.[0] ? ` ✗ ${verdict.violations[0].path ?? ''} ${verdict.violations[0].message ?? ''}` : '';
      const dir = direction(record.dir);
      return {
        ...base,
        kind: 'frame',
        ...(dir ? { dir } : {}),
        label: type,
        detail: compact(record.frame ?? record.text ?? record.base64 ?? '') + why,
        ...(bad ? { bad: true } : {}),
        ...(record.delivered === false ? { dropped: true } : {}),
      };
    }
    case 'event':
      return {
        ...base,
        kind: 'event',
        label: str(record.event) ?? 'event',
        detail: compact([record.outcome, record.code, record.reason, record.message, record.url].filter((x) => x !== undefined).join(' ')),
      };
    case 'fault': {
      const dir = direction(record.dir);
      const action = record.action as { kind?: unknown } | undefined;
      return {
        ...base,
        kind: 'fault',
        ...(dir ? { dir } : {}),
        label: `fault: ${str(action?.kind) ?? '?'}`,
        detail: compact(`rule ${String(record.rule)} on ${String(record.type)} #${String(record.nth)} ${compact(action)}`),
      };
    }
    case 'faults':
      return { ...base, kind: 'fault', label: 'fault schedule', detail: compact(record.schedule) };
    case 'note':
      return {
        ...base,
        kind: 'note',
        label: str(record.source) ?? 'note',
        detail: compact(record.text ?? record.data),
        ...(record.level === 'error' ? { bad: true } : {}),
      };
    default:
      return { ...base, kind: 'note', label: 'record', detail: compact(record) };
  }
}

export function parseTimeline(text: string, limit = 400): Timeline {
  const events: TimelineEvent[] = [];
  let omitted = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = { kind: 'note', source: 'transcript', level: 'error', text: `unreadable line: ${line.slice(0, 80)}` };
    }
    if (typeof record !== 'object' || record === null) continue;
    const ev = toTimelineEvent(record);
    if (!ev) continue;
    if (events.length < limit) events.push(ev);
    else omitted++;
  }
  return { events, omitted };
}

/** The diagram shows at most a few hundred records: no need to read more than this of a transcript. */
export const TIMELINE_MAX_BYTES = 32 * 1024 * 1024;

export async function readTimeline(path: string, limit = 400): Promise<Timeline | undefined> {
  try {
    const file = await open(path, 'r');
    try {
      const buf = Buffer.alloc(Math.min((await file.stat()).size, TIMELINE_MAX_BYTES));
      const { bytesRead } = await file.read(buf, 0, buf.length, 0);
      const text = buf.subarray(0, bytesRead).toString('utf8');
      // A cut-off last line would read as garbage: drop it when the file was longer than the cap.
      return parseTimeline(bytesRead === TIMELINE_MAX_BYTES ? text.slice(0, text.lastIndexOf('\n') + 1) : text, limit);
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}
