// Renders a transcript as a timeline a person can read in a terminal or a bug report:
//
//     12.900  engine #1 /      E→W workerregistered {"worker_id":"8f0…","reattach_token":"9dd…"}
//     13.402  engine #1 /      W→E registerfunction {"id":7}  ✗ schema /id type: must be string
//     15.000  engine #1 /      fault rule 0 drop (invocationresult #2)
//
// Pure functions of the records: the CLI's `transcript show` and the HTML report call them.

import { frameTypeOf } from '../wire/unvalidated.ts';
import type { EventRecord, FaultRecord, FrameRecord, NoteRecord, TranscriptRecord } from './records.ts';

export interface PrettyOptions {
  /** ANSI colours (default false). */
  color?: boolean;
  /** Longest payload shown per frame, in characters (default 160). */
  maxPayloadChars?: number;
  /** Show strict-level findings (default true). */
  strict?: boolean;
  /** Show the handshake headers of upgrade attempts (default false). */
  headers?: boolean;
  /** Only records for which this returns true. */
  filter?: (record: TranscriptRecord) => boolean;
}

const ANSI = { dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', magenta: '\x1b[35m', green: '\x1b[32m', reset: '\x1b[0m' };
type Tint = keyof typeof ANSI;

export function formatTranscript(records: readonly TranscriptRecord[], options: PrettyOptions = {}): string {
  const lines: string[] = [];
  for (const r of records) {
    if (options.filter && !options.filter(r)) continue;
    lines.push(formatRecord(r, options));
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

export function formatRecord(r: TranscriptRecord, options: PrettyOptions = {}): string {
  const paint = (tint: Tint, s: string): string => (options.color ? `${ANSI[tint]}${s}${ANSI.reset}` : s);
  const time = r.t.toFixed(3).padStart(10);
  switch (r.kind) {
    case 'header':
      return `${time}  ${paint('dim', `── transcript started ${r.startedAt}${r.meta ? ` ${compact(r.meta, 200)}` : ''}`)}`;
    case 'frame':
      return `${time}  ${where(r.peer, r.conn, r.path)}${frameLine(r, options, paint)}`;
    case 'event':
      return `${time}  ${where(r.peer, r.conn, r.path)}${paint(r.event === 'harness-error' || r.event === 'error' ? 'red' : 'cyan', eventLine(r, options))}`;
    case 'fault':
      return `${time}  ${where(r.peer, r.conn, r.path)}${paint('magenta', faultLine(r))}`;
    case 'faults':
      return `${time}  ${where(r.peer)}${paint('magenta', `fault schedule${r.schedule.name ? ` "${r.schedule.name}"` : ''}: ${r.schedule.rules.length} rule(s) ${compact(r.schedule.rules, 400)}`)}`;
    case 'note':
      return `${time}  ${noteLine(r, paint)}`;
  }
}

function where(peer: string, conn?: number, path?: string): string {
  const head = conn === undefined ? peer : `${peer} #${conn}`;
  return `${head.padEnd(12)} ${(path ?? '').padEnd(6)} `;
}

function frameLine(r: FrameRecord, options: PrettyOptions, paint: (t: Tint, s: string) => string): string {
  const arrow = r.dir === 'engine->worker' ? 'E→W' : 'W→E';
  const type = r.telemetry ? r.telemetry.prefix : typeOf(r);
  const parts = [paint(r.dir === 'engine->worker' ? 'green' : 'yellow', arrow), type, payloadOf(r, options.maxPayloadChars ?? 160)];
  if (r.origin === 'raw') parts.push(paint('dim', '[raw]'));
  if (r.fault) parts.push(paint('magenta', `[fault ${r.fault.rule}: ${r.fault.action}]`));
  if (r.delivered === false) parts.push(paint('red', '(not delivered)'));
  const v = r.verdict;
  if (v.base === 'invalid') {
    const first = v.violations[0];
    parts.push(
      paint(
        'red',
        `✗ ${v.reason ?? 'invalid'}${first ? ` ${first.path || '/'} ${first.keyword}: ${first.message}` : ''}${v.violations.length > 1 ? ` (+${v.violations.length - 1})` : ''}`,
      ),
    );
  } else if (v.strict.length > 0 && options.strict !== false) {
    const first = v.strict[0]!;
    parts.push(paint('yellow', `⚠ strict ${first.path || '/'} ${first.keyword}: ${first.message}${v.strict.length > 1 ? ` (+${v.strict.length - 1})` : ''}`));
  }
  return parts.filter((p) => p !== '').join(' ');
}

function typeOf(r: FrameRecord): string {
  const type = frameTypeOf(r.frame);
  if (type !== undefined) return type;
  if (r.verdict.type) return r.verdict.type;
  return r.encoding === 'binary' ? '(binary)' : '(unparsed)';
}

function payloadOf(r: FrameRecord, max: number): string {
  if (r.telemetry) return `${r.length} bytes${r.telemetry.error ? ` (body not JSON: ${r.telemetry.error})` : ''}`;
  if (typeof r.frame === 'object' && r.frame !== null && !Array.isArray(r.frame)) {
    const { type: _type, ...rest } = r.frame as Record<string, unknown>;
    return Object.keys(rest).length === 0 ? '' : cut(compact(rest, max + 1), max);
  }
  if (r.text !== undefined) return cut(JSON.stringify(r.text), max) + (r.truncated ? ` …(${r.length} bytes)` : '');
  if (r.base64 !== undefined) return `<${r.length} bytes: ${cut(r.base64, Math.min(max, 48))}${r.truncated ? '…' : ''}>`;
  return `<${r.length} bytes>`;
}

function eventLine(r: EventRecord, options: PrettyOptions): string {
  const bits: string[] = [r.event];
  if (r.attempt !== undefined) bits.push(`#${r.attempt}`);
  if (r.outcome) bits.push(r.outcome);
  if (r.status !== undefined) bits.push(`HTTP ${r.status}`);
  if (r.code !== undefined) bits.push(`code ${r.code}`);
  if (r.reason) bits.push(JSON.stringify(r.reason));
  if (r.url && r.event !== 'upgrade' && !(r.message ?? '').includes(r.url)) bits.push(r.url);
  if (r.event === 'upgrade' && r.url && r.url !== r.path) bits.push(r.url);
  if (r.message) bits.push(r.event === 'harness-error' ? (r.message.split('\n')[0] ?? '') : r.message);
  if (options.headers && r.headers) bits.push(compact(r.headers, 400));
  return bits.join(' ');
}

function faultLine(r: FaultRecord): string {
  const { kind, ...params } = r.action;
  return `fault rule ${r.rule} ${kind}${Object.keys(params).length ? ` ${compact(params, 80)}` : ''} (${r.dir} ${r.type} #${r.nth})`;
}

function noteLine(r: NoteRecord, paint: (t: Tint, s: string) => string): string {
  const tint: Tint = r.level === 'error' ? 'red' : r.level === 'warn' ? 'yellow' : 'dim';
  return paint(
    tint,
    `${r.source.padEnd(12)} ${''.padEnd(6)} ${r.level === 'info' ? '' : `${r.level}: `}${r.text}${r.data === undefined ? '' : ` ${compact(r.data, 200)}`}`,
  );
}

function compact(value: unknown, max: number): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return cut(s, max);
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}
