// Collects the records of one transcript in memory, stamps them on one monotonic clock and hands them
// to listeners (a streaming JSONL writer, a live pretty-printer). Never throws into the caller: a
// failing listener is detached and reported as a note.

import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Journal } from './journal.ts';
import type { DraftRecord, HeaderRecord, NoteLevel, TranscriptRecord } from './records.ts';

export interface TranscriptLimits {
  /** Text payloads longer than this are recorded as a prefix plus `truncated` (chars). */
  maxTextChars: number;
  /** Binary payloads longer than this are recorded as a base64 prefix plus `truncated` (bytes). */
  maxBinaryBytes: number;
  /** Parsed frames are kept only for payloads up to this size (bytes); larger ones keep the prefix only. */
  maxParsedBytes: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: TranscriptLimits = {
  maxTextChars: 16 * 1024,
  maxBinaryBytes: 4 * 1024,
  maxParsedBytes: 1024 * 1024,
};

/**
 * How much of a transcript a recorder with a journal (spillTo) keeps in memory. Past `bytes` (an estimate:
 * twice each record's JSON line) the oldest records are dropped down to `keepFraction` of it; they stay in
 * the journal, where reads reach them. Named in the transcript when hit, like the drivers' NOISE_CAPS.
 */
export const TRANSCRIPT_MEMORY_CAP = { bytes: 64 * 1024 * 1024, keepFraction: 0.75 } as const;

/** In-memory cost of a record against the length of its JSON line: its text, the parsed frame, object overhead. */
function estimateBytes(lineLength: number): number {
  return 2 * lineLength + 200;
}

/** A record's JSON line length guessed without writing it (after closeJournal): a frame's is about twice its text. */
function guessLineLength(record: TranscriptRecord): number {
  return 'text' in record && typeof record.text === 'string' ? 2 * record.text.length + 200 : 300;
}

export interface TranscriptRecorderOptions {
  limits?: Partial<TranscriptLimits>;
  meta?: Record<string, unknown>;
}

export type TranscriptListener = (record: TranscriptRecord) => void;

export class TranscriptRecorder {
  readonly origin = performance.now();
  readonly limits: TranscriptLimits;
  /** The records held in memory: seq `dropped` onwards (all of them until a journal's cap is hit). */
  private list: TranscriptRecord[] = [];
  private readonly listeners = new Set<TranscriptListener>();
  private journal: Journal | undefined;
  /** Whether new records still go to the journal (until closeJournal). */
  private journaling = false;
  private capBytes = TRANSCRIPT_MEMORY_CAP.bytes;
  /** Estimated bytes of each record in `list` (kept only with a journal). */
  private sizes: number[] = [];
  private heldBytes = 0;
  private dropped = 0;

  constructor(options: TranscriptRecorderOptions = {}) {
    this.limits = { ...DEFAULT_TRANSCRIPT_LIMITS, ...options.limits };
    const header: HeaderRecord = {
      kind: 'header',
      t: 0,
      seq: 0,
      format: 'iii-transcript',
      version: 1,
      startedAt: new Date(Date.now() - (performance.now() - this.origin)).toISOString(),
      clockOrigin: round(this.origin),
      ...(options.meta ? { meta: options.meta } : {}),
    };
    this.list.push(header);
  }

  /** ms since the origin, on the transcript's clock. */
  now(): number {
    return round(performance.now() - this.origin);
  }

  /** Converts a performance.now() stamp taken elsewhere to transcript time. */
  toTranscriptTime(performanceNow: number): number {
    return round(performanceNow - this.origin);
  }

  /**
   * Every record, in order. Once records were dropped from memory this reads them all back from the
   * journal: prefer `size`, `read(from)` or `at(seq)`, which do not.
   */
  get records(): readonly TranscriptRecord[] {
    return this.dropped === 0 ? this.list : [...this.read(0)];
  }

  /** How many records there are, in memory or not: the seq the next record will get. */
  get size(): number {
    return this.dropped + this.list.length;
  }

  /** The lowest seq still held in memory (0 until the memory cap is hit). */
  get firstInMemory(): number {
    return this.dropped;
  }

  /** The journal file, when spillTo was called. */
  get journalFile(): string | undefined {
    return this.journal?.file;
  }

  /** The record with this seq when it is in memory; undefined when it was dropped (read it with `read`). */
  at(seq: number): TranscriptRecord | undefined {
    return seq >= this.dropped ? this.list[seq - this.dropped] : undefined;
  }

  /**
   * Records with seq from..to-1 (and `wanted`, when given), in order; dropped ones are parsed back from
   * the journal line by line, and only those wanted are parsed.
   */
  *read(from = 0, to = this.size, wanted?: (seq: number) => boolean): Generator<TranscriptRecord> {
    const end = Math.min(to, this.size);
    if (from < this.dropped && this.journal) {
      for (const { line } of this.journal.read(from, Math.min(end, this.dropped), wanted)) yield JSON.parse(line) as TranscriptRecord;
    }
    // Snapshot: a consumer appending while it iterates must not make this loop chase the end.
    const held = this.list.slice(Math.max(0, from - this.dropped), Math.max(0, end - this.dropped));
    for (const r of held) if (!wanted || wanted(r.seq)) yield r;
  }

  /**
   * From now on every record is also written to `file` (JSON Lines, line n = seq n, existing records
   * first), and memory holds only what fits in `capBytes`: older records live in the file alone.
   */
  spillTo(file: string, capBytes: number = TRANSCRIPT_MEMORY_CAP.bytes): void {
    if (this.journal) throw new Error(`the transcript already spills to ${this.journal.file}`);
    this.journal = new Journal(file);
    this.journaling = true;
    this.capBytes = capBytes;
    for (const r of this.list) this.keep(r);
    this.trim();
  }

  /** Writes what the journal holds pending (it writes in batches): for a reader tailing the file as it grows. */
  flushJournal(): void {
    if (this.journaling) this.journal?.flush();
  }

  /**
   * Writes what is pending and closes the journal; reads keep working. Names the cap if it was hit.
   * Records that come later (a context's teardown) are not written, and past the cap the oldest of them
   * are discarded: the file is complete for the case, and memory stays bounded until the sockets close.
   */
  closeJournal(): void {
    const journal = this.journal;
    if (!journal || !this.journaling) return;
    if (this.dropped > 0) {
      this.note('transcript', `transcript cap: ${this.dropped} of ${this.size} records were held only in ${basename(journal.file)}`, undefined, 'warn');
    }
    journal.close();
    this.journaling = false;
  }

  /** closeJournal, then throws the journal's first write error (a full disk), naming the file, if there was one. */
  finishJournal(): void {
    this.closeJournal();
    const failed = this.journal?.error;
    if (failed) throw new Error(`the transcript could not be written to ${this.journal?.file}: ${failed.message}`);
  }

  /** Stamps and stores a record; `at` (a performance.now() value) backdates it to when it really happened. */
  append<R extends DraftRecord>(draft: R, at?: number): R & { t: number; seq: number } {
    // Object.assign onto {kind, t, seq}: keeps those keys first in each JSON line, and is ~8x faster than
    // object spread of a wide record (measured: 0.7 vs 5.6 µs), which matters at benchmark rates.
    const record = Object.assign({ kind: draft.kind, t: 0, seq: 0 }, draft) as unknown as TranscriptRecord;
    return this.commit(record, at) as unknown as R & { t: number; seq: number };
  }

  /**
   * Stores a record the caller built itself with placeholder `t` and `seq` (written first, so they lead
   * the JSON line), stamping both in place. The fake peers use it to build each frame record only once.
   */
  commit<R extends TranscriptRecord>(record: R, at?: number): R {
    record.t = at === undefined ? this.now() : this.toTranscriptTime(at);
    record.seq = this.size;
    this.list.push(record);
    if (this.journal) {
      this.keep(record);
      if (this.heldBytes > this.capBytes) this.trim();
    }
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch (e) {
        this.listeners.delete(listener);
        this.note('transcript', `a transcript listener failed and was detached: ${e instanceof Error ? e.message : String(e)}`, undefined, 'warn');
      }
    }
    return record;
  }

  /** Public hook for cases, drivers and runners: a line of text (and optional data) in the timeline. */
  note(source: string, text: string, data?: unknown, level: NoteLevel = 'info'): void {
    this.append({ kind: 'note', source, level, text, ...(data === undefined ? {} : { data }) });
  }

  /** Same as note, level first: `log('driver:node', 'warn', line)`. */
  log(source: string, level: NoteLevel, text: string, data?: unknown): void {
    this.note(source, text, data, level);
  }

  /** Calls `listener` for every later record; returns the function that detaches it. */
  subscribe(listener: TranscriptListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  toJsonLines(): string {
    const lines: string[] = [];
    for (const r of this.read(0)) lines.push(safeStringify(r));
    return lines.join('\n') + '\n';
  }

  private keep(record: TranscriptRecord): void {
    let length: number;
    if (this.journaling) {
      const line = safeStringify(record);
      this.journal?.append(line);
      length = line.length;
    } else length = guessLineLength(record);
    const size = estimateBytes(length);
    this.sizes.push(size);
    this.heldBytes += size;
  }

  /** Drops the oldest records (in the journal, unless it was closed) down to keepFraction of the cap. */
  private trim(): void {
    const journal = this.journal;
    if (!journal || this.heldBytes <= this.capBytes) return;
    journal.flush();
    const first = this.dropped === 0;
    const target = this.capBytes * TRANSCRIPT_MEMORY_CAP.keepFraction;
    let n = 0;
    // The newest record always stays: a caller holds it and may read it back by seq at once.
    while (this.heldBytes > target && n < this.list.length - 1) this.heldBytes -= this.sizes[n++]!;
    this.list = this.list.slice(n);
    this.sizes = this.sizes.slice(n);
    this.dropped += n;
    if (first && n > 0) {
      const mib = Math.round((this.capBytes / (1024 * 1024)) * 10) / 10;
      this.note(
        'transcript',
        `transcript cap: more than ${mib} MiB of records (TRANSCRIPT_MEMORY_CAP); older ones are kept only in ${basename(journal.file)} and waits and queries read them back from there`,
        undefined,
        'warn',
      );
    }
  }
}

/** JSON.stringify that cannot throw (BigInt, cycles): the offending value becomes a string. */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
