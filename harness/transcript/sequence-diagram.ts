// A transcript as a two-column sequence diagram for a terminal (`replay --print`): the engine's lifeline on
// the left, the worker's on the right, one arrow per frame with its type and a cut of its payload, the
// connection at the end of the line, and events, faults and notes as notes between the lifelines:
//
//        time  ENGINE                                                  WORKER
//       0.012  │──── workerregistered {"worker_id":"8f0…"} ───────────▶│ provider #1
//       0.015  │◀─────────────────────── registerfunction {"id":"a"} ──│ provider #1
//   >>  0.020  │◀──────────── invocationresult {"invocation_id":"… ──│ caller #1   <<< DIVERGED here
//       0.030  │ · caller #2 upgrade #2 accepted                       │
//
// Width-bounded; every piece of peer text is made inert (harness/util/terminal.ts) before it is measured.
// A record it cannot draw (an untrusted file's) is shown as a note with its JSON.

import { forTerminal } from '../util/terminal.ts';
import { formatRecord } from './pretty.ts';
import type { FrameRecord, TranscriptRecord } from './records.ts';

export interface SequenceDiagramOptions {
  /** Width of the space between the lifelines, in characters (default 64, at least 24). */
  span?: number;
  /** The seq of the record to mark as where replay diverged. */
  markSeq?: number;
}

const MARK = '  <<< DIVERGED here';

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

function compact(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '(too deeply nested to print)';
  }
}

function frameLabel(r: FrameRecord): string {
  const f = r.frame;
  if (typeof f === 'object' && f !== null && !Array.isArray(f)) {
    const { type, ...rest } = f as Record<string, unknown>;
    const name = typeof type === 'string' ? type : '(no type)';
    return Object.keys(rest).length === 0 ? name : `${name} ${compact(rest)}`;
  }
  if (r.encoding === 'binary') return `(binary, ${r.length} bytes)`;
  return r.text !== undefined ? `(unparsed) ${JSON.stringify(r.text)}` : `(${r.length} bytes)`;
}

/** An arrow across `span` characters carrying `label`; to the worker when `right`. */
function arrow(label: string, span: number, right: boolean): string {
  const room = span - 8;
  const text = ` ${cut(label, room)} `;
  const dashes = span - 1 - text.length;
  if (right) return `${'─'.repeat(2)}${text}${'─'.repeat(Math.max(0, dashes - 2))}▶`;
  return `◀${'─'.repeat(Math.max(0, dashes - 2))}${text}${'─'.repeat(2)}`;
}

function note(text: string, span: number): string {
  const body = ` · ${cut(text, span - 4)}`;
  return body.padEnd(span);
}

/**
 * The records by their time: a transcript appends a driver's records when the case ends, after the frames
 * they interleave with. Stable, and a record without a time stays after the one before it.
 */
function inTimeOrder(records: readonly unknown[]): unknown[] {
  let last = Number.NEGATIVE_INFINITY;
  const keyed = records.map((record, i) => {
    const t = typeof record === 'object' && record !== null ? (record as { t?: unknown }).t : undefined;
    if (typeof t === 'number' && Number.isFinite(t)) last = t;
    return { record, i, t: last };
  });
  return keyed.sort((a, b) => a.t - b.t || a.i - b.i).map((k) => k.record);
}

/** The lines of the diagram (no trailing newline), each one inert and at most about span + 50 wide. */
export function sequenceDiagram(records: readonly unknown[], options: SequenceDiagramOptions = {}): string[] {
  const span = Math.max(24, options.span ?? 64);
  const lines = [`${''.padEnd(4)}${'time'.padStart(10)}  ${'ENGINE'.padEnd(span + 1)}WORKER`];
  for (const record of inTimeOrder(records)) {
    if (typeof record !== 'object' || record === null) continue;
    const r = record as Partial<TranscriptRecord> & { seq?: unknown; t?: unknown };
    const marked = options.markSeq !== undefined && r.seq === options.markSeq;
    const time = typeof r.t === 'number' && Number.isFinite(r.t) ? r.t.toFixed(3).padStart(10) : ''.padStart(10);
    let middle: string;
    let who = '';
    if (r.kind === 'header') continue;
    try {
      if (r.kind === 'frame') {
        const f = r as FrameRecord;
        middle = arrow(forTerminal(frameLabel(f)), span, f.dir === 'engine->worker');
        who = `${forTerminal(cut(String(f.peer), 24))} #${Number(f.conn)}`;
      } else if (typeof r.kind === 'string' && typeof r.t === 'number') {
        // Events, faults and notes: pretty.ts's one-line text (its peer first), without its time column.
        const full = formatRecord(r as TranscriptRecord, { maxPayloadChars: span });
        middle = note(forTerminal(full.slice(12).replace(/\s+/g, ' ').trim()), span);
      } else {
        middle = note(forTerminal(compact(record)), span);
      }
    } catch {
      middle = note(forTerminal(compact(record)), span);
    }
    lines.push(`${marked ? '>>  ' : '    '}${time}  │${middle}│ ${who}${marked ? MARK : ''}`.trimEnd());
  }
  return lines;
}
