// One WebSocket as a fake peer sees it: every frame in and out is recorded and validated, the fault
// schedule is applied on both paths, and a case waits on what arrived with deadlines that explain
// themselves. Shared by the fake engine (one per accepted connection) and the fake worker.
//
// Nothing the other side sends can make this throw: parse failures, validator crashes and errors in
// the protocol logic are recorded as transcript events and the socket keeps serving.

import { randomFillSync } from 'node:crypto';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket, * as wsModule from 'ws';
import type { FrameRecord, RecordedVerdict, TelemetryInfo } from '../transcript/records.ts';
import type { Direction } from '../wire/index.ts';
import type { TranscriptRecorder } from '../transcript/recorder.ts';
import { CLOSING_NOTE, READING_PAUSED_NOTE, READING_RESUMED_NOTE } from '../transcript/records.ts';
import { LazyFrameRecord } from '../transcript/lazy.ts';
import type { FaultInjector, FiredFault } from '../faults/injector.ts';
import { classifyPayload, judgeText, type ClassifiedPayload } from './classify.ts';
import { ConnectionClosedError, WaitTimeoutError } from './errors.ts';
import { describeMatcher, matcherTest, type Matcher } from './match.ts';
import type { TimerSet } from './timers.ts';
import { sizeInWords } from '../util/size.ts';

/** ws maxPayload of a fake worker told nothing else (engine cases take 16 MiB, specs/engine/context.ts; the fake engine takes the engine's own limit, harness/wire/limits.ts). */
export const DEFAULT_MAX_PAYLOAD = 128 * 1024 * 1024;

/** "; <why>" when the harness closed the socket itself (Endpoint.closedBecause), for every message about the close. */
export function closedBecauseSuffix(ep: { readonly closedBecause: string | undefined }): string {
  return ep.closedBecause ? `; ${ep.closedBecause}` : '';
}

/** A frame as received and kept by an endpoint. */
export interface ReceivedFrame {
  /** Position among the frames this endpoint received (0-based). */
  readonly index: number;
  /** The parsed JSON value; undefined when it did not parse or was larger than the transcript keeps. */
  readonly frame: unknown;
  /** The frame's `type`, or "(invalid)", "(binary)", "(telemetry)". */
  readonly type: string;
  readonly verdict: RecordedVerdict;
  readonly telemetry?: TelemetryInfo;
  /** performance.now() when it arrived. */
  readonly at: number;
  readonly record: FrameRecord;
}

/** `frame` and `verdict` read through to the record, which parses its text the first time it is asked. */
class ReceivedEntry implements ReceivedFrame {
  constructor(
    readonly index: number,
    readonly type: string,
    readonly at: number,
    readonly record: FrameRecord,
    readonly telemetry: TelemetryInfo | undefined,
  ) {}

  get frame(): unknown {
    return this.record.frame;
  }

  get verdict(): RecordedVerdict {
    return this.record.verdict;
  }
}

export interface WaitOptions {
  /** Deadline in ms (default: the peer's defaultTimeoutMs). */
  timeoutMs?: number;
  /** Only frames with index >= since (a value of `mark()`); default 0 for waitFor, the cursor for next. */
  since?: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** performance.now() when the close was seen. */
  at: number;
}

export interface EndpointInit {
  ws: WebSocket;
  peer: string;
  /** 1-based, per peer. */
  conn: number;
  path: string;
  /** Direction of the frames this endpoint receives. */
  inboundDir: Direction;
  transcript: TranscriptRecorder;
  faults: FaultInjector | undefined;
  timers: TimerSet;
  defaultTimeoutMs: number;
  /** Clients mask their frames; needed when a split fault writes the frame bytes itself. */
  isClient: boolean;
  /** The socket's ws maxPayload: a bigger frame is refused (1009) before it is buffered, and the cap is named. */
  maxPayload: number;
  /** What the cap stands for, in words ("the engine's message limit"); default "this connection takes". */
  maxPayloadName?: string;
}

interface Waiter {
  matcher: Matcher<ReceivedFrame>;
  from: number;
  consume: boolean;
  /** expectSilence: a close is not an answer, only the deadline is. */
  ignoreClose: boolean;
  resolve(entry: ReceivedFrame): void;
  reject(e: Error): void;
}

export class Endpoint {
  readonly conn: number;
  readonly path: string;
  readonly peer: string;
  readonly transcript: TranscriptRecorder;
  /**
   * Transcript seq of each frame received and processed, in order (dropped-by-fault frames are only in
   * the transcript). The records themselves live in the transcript, which may keep only a bounded tail
   * in memory (TRANSCRIPT_MEMORY_CAP): older ones are read back from its journal when a query reaches them.
   */
  private readonly inboundSeqs: number[] = [];
  /** Whether inboundSeqs never decreases (no delay/reorder fault on receipt): spilled reads then stream. */
  private inboundInOrder = true;
  /** Entries built so far for indices entriesFrom.., each over a record still in memory. */
  private entries: (ReceivedEntry | undefined)[] = [];
  private entriesFrom = 0;
  /** performance.now() when the socket opened. */
  readonly openedAt: number = performance.now();
  closeInfo: CloseInfo | undefined;
  /** Why the harness closed the socket itself, in words, when it did (the peer sent a frame over maxPayload). */
  closedBecause: string | undefined;
  protected readonly ws: WebSocket;
  protected readonly timers: TimerSet;
  protected readonly defaultTimeoutMs: number;
  private readonly inboundDir: Direction;
  private readonly outboundDir: Direction;
  private readonly faults: FaultInjector | undefined;
  private readonly isClient: boolean;
  private readonly waiters = new Set<Waiter>();
  private readonly closeWaiters = new Set<(info: CloseInfo) => void>();
  private cursor = 0;
  /** Writes wait behind a split in progress so the frame bytes never interleave. */
  private writeChain: Promise<void> | undefined;
  private heldOutbound: { fire: () => void; timer: NodeJS.Timeout } | undefined;
  private heldInbound: { fire: () => void; timer: NodeJS.Timeout } | undefined;
  /** The socket while this tick's frames are held in it (see corkForTick). */
  private corkedSocket: Socket | undefined;

  constructor(init: EndpointInit) {
    this.ws = init.ws;
    this.peer = init.peer;
    this.conn = init.conn;
    this.path = init.path;
    this.inboundDir = init.inboundDir;
    this.outboundDir = init.inboundDir === 'engine->worker' ? 'worker->engine' : 'engine->worker';
    this.transcript = init.transcript;
    this.faults = init.faults && !init.faults.empty ? init.faults : undefined;
    this.timers = init.timers;
    this.defaultTimeoutMs = init.defaultTimeoutMs;
    this.isClient = init.isClient;
    // Hot path: no closure per frame (under tsx every named closure costs ~0.4 µs through keepNames).
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      try {
        this.handleMessage(toBuffer(data), isBinary);
      } catch (e) {
        this.harnessError(e);
      }
    });
    this.ws.on('close', (code: number, reason: Buffer) => this.guard(() => this.handleClose(code, reason.toString('utf8'))));
    this.ws.on('error', (err: NodeJS.ErrnoException) =>
      this.guard(() => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
          this.closedBecause = `the ${this.inboundDir === 'engine->worker' ? 'engine' : 'worker'} sent a frame larger than ${init.maxPayloadName ?? 'this connection takes'} (${sizeInWords(init.maxPayload)}, ws maxPayload): refused with 1009, unread`;
        this.event('error', { message: this.closedBecause ?? err.message });
      }),
    );
    this.ws.on('ping', (data: Buffer) => this.guard(() => this.event('ws-ping', { message: data.toString('base64') })));
    this.ws.on('pong', (data: Buffer) => this.guard(() => this.event('ws-pong', { message: data.toString('base64') })));
  }

  /** "engine conn 2 (/)": how errors and notes name this connection. */
  get label(): string {
    return `${this.peer} conn ${this.conn} (${this.path})`;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Every frame received and processed, in order (dropped-by-fault frames are only in the transcript).
   * Once the transcript's memory cap was hit this reads the older ones back from disk: prefer waitFor,
   * all, scan or recent.
   */
  get received(): readonly ReceivedFrame[] {
    const out: ReceivedFrame[] = [];
    this.scan(0, (entry) => {
      out.push(entry);
      return false;
    });
    return out;
  }

  /** The index the next received frame will have: pass it as `since` to ignore everything before now. */
  mark(): number {
    return this.inboundSeqs.length;
  }

  /**
   * Visits the received frames from index `from` in order until `visit` returns true. Frames whose
   * records the transcript no longer holds in memory are parsed back from its journal.
   */
  scan(from: number, visit: (entry: ReceivedFrame) => boolean): void {
    const count = this.inboundSeqs.length;
    let i = Math.max(0, from);
    const inMemory = this.transcript.firstInMemory;
    if (i < count && this.inboundSeqs[i]! < inMemory) {
      const stop = this.inboundInOrder ? this.scanSpilledInOrder(i, inMemory, visit) : this.scanSpilledAnyOrder(i, inMemory, visit);
      if (stop === true) return;
      i = stop;
    }
    for (; i < count; i++) {
      const entry = this.entryAt(i);
      if (entry && visit(entry)) return;
    }
  }

  /** The last `count` frames from index `from`, summarized for error messages. */
  recent(from: number, count = 12): string[] {
    const out: string[] = [];
    this.scan(Math.max(0, from, this.inboundSeqs.length - count), (entry) => {
      out.push(summarize(entry));
      return false;
    });
    return out;
  }

  /**
   * What arrived from index `from`, for a wait's message: the last frames, and how many there were in all when
   * that is more than the message shows (a flood that buried the awaited frame is then named as one).
   */
  arrivedSince(from: number): { window: string[]; text: string } {
    const window = this.recent(from);
    if (window.length === 0) return { window, text: 'nothing arrived' };
    const total = this.mark() - Math.max(0, from);
    const count = total > window.length ? ` (${total} frames; the last ${window.length})` : '';
    return { window, text: `arrived instead${count}: ${window.join(' | ')}` };
  }

  /** The entry at index i when its record is in memory (cached); undefined when it was spilled. */
  private entryAt(i: number): ReceivedEntry | undefined {
    const origin = this.transcript.origin;
    const record = this.transcript.at(this.inboundSeqs[i]!) as FrameRecord | undefined;
    if (!record) return undefined;
    this.pruneEntries();
    if (this.entries.length === 0) this.entriesFrom = i;
    if (i < this.entriesFrom) return newEntry(i, record, origin);
    for (let j = this.entriesFrom + this.entries.length; j <= i; j++) {
      const r = this.transcript.at(this.inboundSeqs[j]!) as FrameRecord | undefined;
      // A straggler below the memory line (reordered delivery) is not cached; it is read back on demand.
      this.entries.push(r ? newEntry(j, r, origin) : undefined);
    }
    return this.entries[i - this.entriesFrom] ?? newEntry(i, record, origin);
  }

  /** Lets go of cached entries whose records the transcript dropped, so memory stays bounded. */
  private pruneEntries(): void {
    const inMemory = this.transcript.firstInMemory;
    let n = 0;
    while (n < this.entries.length && (this.entries[n]?.record.seq ?? -1) < inMemory) n++;
    if (n === 0) return;
    this.entries = this.entries.slice(n);
    this.entriesFrom += n;
  }

  /** Seqs never decrease: stream the journal from the first seq wanted. Returns the index to go on from, or true. */
  private scanSpilledInOrder(from: number, inMemory: number, visit: (entry: ReceivedFrame) => boolean): number | true {
    const seqs = this.inboundSeqs;
    let end = from;
    while (end < seqs.length && seqs[end]! < inMemory) end++;
    const wanted = new SeqCursor(seqs, from, end);
    let i = from;
    for (const record of this.transcript.read(seqs[from]!, seqs[end - 1]! + 1, (seq) => wanted.has(seq))) {
      // Duplicated delivery: one record, several indices.
      while (i < end && seqs[i] === record.seq) {
        if (visit(newEntry(i, record as FrameRecord, this.transcript.origin))) return true;
        i++;
      }
    }
    return end;
  }

  /** Delivery out of seq order (faults): read the spilled records wanted, then visit in index order. */
  private scanSpilledAnyOrder(from: number, inMemory: number, visit: (entry: ReceivedFrame) => boolean): number | true {
    const seqs = this.inboundSeqs;
    const wanted = new Set<number>();
    for (let i = from; i < seqs.length; i++) if (seqs[i]! < inMemory) wanted.add(seqs[i]!);
    const sorted = [...wanted].sort((a, b) => a - b);
    const records = new Map<number, FrameRecord>();
    for (const r of this.transcript.read(sorted[0]!, sorted[sorted.length - 1]! + 1, (seq) => wanted.has(seq))) records.set(r.seq, r as FrameRecord);
    for (let i = from; i < seqs.length; i++) {
      const record = records.get(seqs[i]!) ?? (this.transcript.at(seqs[i]!) as FrameRecord | undefined);
      if (record && visit(newEntry(i, record, this.transcript.origin))) return true;
    }
    return seqs.length;
  }

  // ---------------------------------------------------------------- waiting

  /**
   * The first received frame (since `since`, default the start) that matches; waits for it if none has
   * arrived. Rejects after the deadline with the frames that came instead, or when the socket closes.
   */
  waitFor(matcher: Matcher<ReceivedFrame>, options: WaitOptions = {}): Promise<ReceivedFrame> {
    return this.wait(matcher, options.since ?? 0, false, options.timeoutMs);
  }

  /** Like waitFor, but reads in order: starts after the last frame `next` returned, and moves past the match. */
  next(matcher: Matcher<ReceivedFrame> = () => true, options: WaitOptions = {}): Promise<ReceivedFrame> {
    return this.wait(matcher, options.since ?? this.cursor, true, options.timeoutMs);
  }

  /** Every received frame (since `since`) that matches, without waiting. */
  all(matcher: Matcher<ReceivedFrame> = () => true, since = 0): ReceivedFrame[] {
    const out: ReceivedFrame[] = [];
    this.scan(since, (e) => {
      if (matcherTest(matcher, e.frame, e)) out.push(e);
      return false;
    });
    return out;
  }

  /** Resolves when nothing matching arrives for `ms`; rejects with the offending frame otherwise. */
  async expectSilence(matcher: Matcher<ReceivedFrame>, ms: number, since = this.mark()): Promise<void> {
    try {
      const hit = await this.wait(matcher, since, false, ms, true);
      throw new Error(`${this.label}: expected no ${describeMatcher(matcher)} for ${ms} ms, got ${summarize(hit)}`);
    } catch (e) {
      if (e instanceof WaitTimeoutError || e instanceof ConnectionClosedError) return;
      throw e;
    }
  }

  /** Resolves with the close code and reason once the socket has closed (at once if it already has). */
  waitForClose(options: { timeoutMs?: number } = {}): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<CloseInfo>((resolve, reject) => {
      const done = (info: CloseInfo): void => {
        this.timers.cancel(timer);
        resolve(info);
      };
      const timer = this.timers.after(timeoutMs, () => {
        this.closeWaiters.delete(done);
        reject(
          new WaitTimeoutError(
            `${this.label}: still open after ${timeoutMs} ms waiting for it to close; last frames: ${this.recentSummary(this.mark() - 5)}`,
            this.recent(this.mark() - 5),
          ),
        );
      });
      this.closeWaiters.add(done);
    });
  }

  private wait(
    matcher: Matcher<ReceivedFrame>,
    from: number,
    consume: boolean,
    timeoutMs = this.defaultTimeoutMs,
    ignoreClose = false,
  ): Promise<ReceivedFrame> {
    let found: ReceivedFrame | undefined;
    this.scan(from, (entry) => {
      if (!matcherTest(matcher, entry.frame, entry)) return false;
      found = entry;
      return true;
    });
    if (found) {
      if (consume) this.cursor = found.index + 1;
      return Promise.resolve(found);
    }
    if (this.closeInfo && !ignoreClose) return Promise.reject(this.closedError(matcher, from));
    return new Promise<ReceivedFrame>((resolve, reject) => {
      const waiter: Waiter = {
        matcher,
        from,
        consume,
        ignoreClose,
        resolve: (entry) => {
          this.timers.cancel(timer);
          this.waiters.delete(waiter);
          resolve(entry);
        },
        reject: (e) => {
          this.timers.cancel(timer);
          this.waiters.delete(waiter);
          reject(e);
        },
      };
      const timer = this.timers.after(timeoutMs, () => {
        this.waiters.delete(waiter);
        const arrived = this.arrivedSince(from);
        reject(
          new WaitTimeoutError(
            `${this.label}: no ${describeMatcher(matcher)} within ${timeoutMs} ms; ${arrived.text}${this.closeInfo ? `; socket closed ${this.closeInfo.code}` : ''}${closedBecauseSuffix(this)}`,
            arrived.window,
          ),
        );
      });
      this.waiters.add(waiter);
    });
  }

  private closedError(matcher: Matcher<ReceivedFrame>, from: number): ConnectionClosedError {
    const info = this.closeInfo ?? { code: 1006, reason: '', at: performance.now() };
    return new ConnectionClosedError(
      `${this.label} closed (${info.code}${info.reason ? ` "${info.reason}"` : ''}) before ${describeMatcher(matcher)} arrived; ${this.arrivedSince(from).text}${closedBecauseSuffix(this)}`,
      info.code,
      info.reason,
    );
  }

  private recentSummary(from: number): string {
    const list = this.recent(from);
    return list.length === 0 ? 'nothing' : list.join(' | ');
  }

  // ---------------------------------------------------------------- receiving

  /** Protocol logic of the owning peer; the base class only records. Errors are caught and recorded. */
  protected onFrame(_value: unknown, _record: FrameRecord): void {}

  /** Called once when the socket has closed, after waiters were released. */
  protected onClosed(_info: CloseInfo): void {}

  private handleMessage(data: Buffer, isBinary: boolean): void {
    const at = performance.now();
    const c = classifyPayload(data, isBinary, this.transcript.limits, this.inboundDir);
    const fired = this.faults?.decide({ dir: this.inboundDir, type: c.type, connection: this.conn, path: this.path, side: 'receiver' });
    const record = this.recordFrame(this.inboundDir, c, 'peer', fired, at);
    if (!fired) return this.deliver(c, record);
    this.recordFault(this.inboundDir, fired);
    this.applyInboundFault(fired, c, record);
  }

  private applyInboundFault(fired: FiredFault, c: ClassifiedPayload, record: FrameRecord): void {
    const deliver = (): void => this.guard(() => this.deliver(c, record));
    const action = fired.action;
    switch (action.kind) {
      case 'drop':
        return;
      case 'delay':
        this.timers.after(action.ms, deliver, (e) => this.harnessError(e));
        return;
      case 'duplicate':
        deliver();
        deliver();
        return;
      case 'reorder':
        this.flushHeldInbound();
        this.heldInbound = { fire: deliver, timer: this.timers.after(action.holdMs ?? 1000, () => this.flushHeldInbound()) };
        return;
      case 'close':
        deliver();
        this.close(action.code, action.reason);
        return;
      case 'terminate':
        deliver();
        this.terminate();
        return;
      case 'split':
        deliver(); // not applicable on receipt; the injector never fires it here
        return;
    }
  }

  private deliver(c: ClassifiedPayload, record: FrameRecord): void {
    const index = this.inboundSeqs.length;
    if (index > 0 && record.seq < this.inboundSeqs[index - 1]!) this.inboundInOrder = false;
    this.inboundSeqs.push(record.seq);
    // Waiters and protocol logic see the live value, even when it was too large for the record to keep.
    if (this.waiters.size > 0) {
      const entry = this.entryAt(index) ?? newEntry(index, record, this.transcript.origin);
      for (const w of [...this.waiters]) {
        if (index < w.from) continue;
        if (matcherTest(w.matcher, c.value, entry)) {
          if (w.consume) this.cursor = index + 1;
          w.resolve(entry);
        }
      }
    }
    try {
      this.onFrame(c.value, record);
    } catch (e) {
      this.harnessError(e);
    }
    if (this.heldInbound) this.flushHeldInbound();
  }

  private flushHeldInbound(): void {
    const held = this.heldInbound;
    if (!held) return;
    this.heldInbound = undefined;
    this.timers.cancel(held.timer);
    held.fire();
  }

  private handleClose(code: number, reason: string): void {
    if (this.closeInfo) return;
    const info: CloseInfo = { code, reason, at: performance.now() };
    this.closeInfo = info;
    this.event('close', { code, reason });
    for (const held of [this.heldInbound, this.heldOutbound]) if (held) this.timers.cancel(held.timer);
    this.heldInbound = undefined;
    this.heldOutbound = undefined;
    for (const w of [...this.waiters]) if (!w.ignoreClose) w.reject(this.closedError(w.matcher, w.from));
    for (const done of [...this.closeWaiters]) done(info);
    this.closeWaiters.clear();
    this.guard(() => this.onClosed(info));
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends one protocol frame as JSON text (through the fault schedule). Resolves true once written to
   * the socket, false when it was not (socket closed, dropped by a fault). Never rejects.
   */
  send(frame: object): Promise<boolean> {
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (e) {
      this.harnessError(e);
      return Promise.resolve(false);
    }
    return this.transmit(text, false, 'harness', frame);
  }

  /**
   * Sends bytes exactly as given, for malformed JSON, oversized payloads and binary frames. A string goes
   * out as a text frame unless `binary`; a Uint8Array as a binary frame unless `binary: false` (which sends
   * the bytes in a text frame, invalid UTF-8 included). Recorded with origin "raw".
   */
  sendRaw(data: string | Uint8Array, options: { binary?: boolean } = {}): Promise<boolean> {
    const binary = options.binary ?? typeof data !== 'string';
    const payload = typeof data === 'string' ? (binary ? Buffer.from(data) : data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return this.transmit(payload, binary, 'raw');
  }

  private transmit(payload: string | Buffer, binary: boolean, origin: 'harness' | 'raw', parsed?: object): Promise<boolean> {
    try {
      const c = classifyPayload(payload, binary, this.transcript.limits, this.outboundDir, parsed);
      if (!this.isOpen) {
        this.recordFrame(this.outboundDir, c, origin, undefined, performance.now(), true);
        return Promise.resolve(false);
      }
      const fired = this.faults?.decide({ dir: this.outboundDir, type: c.type, connection: this.conn, path: this.path, side: 'sender' });
      if (!fired) {
        const written = this.write(payload, binary, c, origin, undefined);
        this.flushHeldOutbound();
        return written;
      }
      this.recordFault(this.outboundDir, fired);
      const action = fired.action;
      switch (action.kind) {
        case 'drop':
          this.recordFrame(this.outboundDir, c, origin, fired, performance.now(), true);
          return Promise.resolve(false);
        case 'delay':
          return new Promise((resolve) =>
            this.timers.after(
              action.ms,
              () => resolve(this.write(payload, binary, c, origin, fired)),
              (e) => this.harnessError(e),
            ),
          );
        case 'duplicate': {
          const first = this.write(payload, binary, c, origin, undefined);
          const second = this.write(payload, binary, c, origin, fired);
          this.flushHeldOutbound();
          return Promise.all([first, second]).then(([a, b]) => a && b);
        }
        case 'reorder':
          this.flushHeldOutbound();
          return new Promise((resolve) => {
            const fire = (): void => void this.write(payload, binary, c, origin, fired).then(resolve);
            this.heldOutbound = { fire, timer: this.timers.after(action.holdMs ?? 1000, () => this.flushHeldOutbound()) };
          });
        case 'close':
          return this.write(payload, binary, c, origin, fired, true).then((ok) => {
            this.close(action.code, action.reason);
            return ok;
          });
        case 'terminate':
          return this.write(payload, binary, c, origin, fired, true).then((ok) => {
            this.terminate();
            return ok;
          });
        case 'split':
          return this.writeSplit(payload, binary, c, origin, fired, action.parts ?? 2, action.delayMs ?? 5);
      }
    } catch (e) {
      this.harnessError(e);
      return Promise.resolve(false);
    }
  }

  private flushHeldOutbound(): void {
    const held = this.heldOutbound;
    if (!held) return;
    this.heldOutbound = undefined;
    this.timers.cancel(held.timer);
    held.fire();
  }

  /** Records the frame and hands it to ws, behind any split in progress. */
  private write(
    payload: string | Buffer,
    binary: boolean,
    c: ClassifiedPayload,
    origin: 'harness' | 'raw',
    fired: FiredFault | undefined,
    awaitFlush = false,
  ): Promise<boolean> {
    if (this.writeChain) return this.serialize(() => this.writeNow(payload, binary, c, origin, fired, awaitFlush), false);
    return this.writeNow(payload, binary, c, origin, fired, awaitFlush);
  }

  private writeNow(
    payload: string | Buffer,
    binary: boolean,
    c: ClassifiedPayload,
    origin: 'harness' | 'raw',
    fired: FiredFault | undefined,
    awaitFlush: boolean,
  ): Promise<boolean> {
    if (!this.isOpen) {
      this.recordFrame(this.outboundDir, c, origin, fired, performance.now(), true);
      return RESOLVED_FALSE;
    }
    this.recordFrame(this.outboundDir, c, origin, fired, performance.now());
    try {
      this.corkForTick();
      // Only faults that act after the write (close, terminate) wait for the socket's callback; the
      // common path resolves once ws has the frame, which keeps a round trip cheap.
      if (!awaitFlush) {
        this.ws.send(payload, { binary });
        return RESOLVED_TRUE;
      }
      return new Promise<boolean>((resolve) => this.ws.send(payload, { binary }, (err) => resolve(!err)));
    } catch (e) {
      this.harnessError(e);
      return RESOLVED_FALSE;
    }
  }

  /**
   * Holds the frames written in this tick in the socket and writes them with one writev when the tick
   * ends (process.nextTick: before any timer or I/O callback, so no frame leaves later than it would
   * have). With 32 calls in flight that is about a quarter more round trips per second (bench/fake-throughput.ts).
   */
  private corkForTick(): void {
    if (this.corkedSocket) return;
    const socket = rawSocket(this.ws);
    if (!socket || socket.destroyed) return;
    this.corkedSocket = socket;
    socket.cork();
    process.nextTick(() => this.uncork());
  }

  /** Writes what this tick held back; terminate calls it first, since destroying a socket drops held writes. */
  private uncork(): void {
    const socket = this.corkedSocket;
    if (!socket) return;
    this.corkedSocket = undefined;
    socket.uncork();
  }

  /**
   * Runs a write now, or behind the split in progress. A split (exclusive) always takes the chain, so
   * its delayed byte chunks never interleave with another frame; without one, writes take the fast path.
   */
  private serialize(run: () => Promise<boolean>, exclusive: boolean): Promise<boolean> {
    if (!this.writeChain && !exclusive) return run();
    const result = (this.writeChain ?? Promise.resolve()).then(run, run);
    const chain = result.then(
      () => undefined,
      () => undefined,
    );
    this.writeChain = chain;
    void chain.then(() => {
      if (this.writeChain === chain) this.writeChain = undefined;
    });
    return result;
  }

  /** Builds the WebSocket frame itself and writes its bytes in `parts` TCP writes `delayMs` apart. */
  private writeSplit(
    payload: string | Buffer,
    binary: boolean,
    c: ClassifiedPayload,
    origin: 'harness' | 'raw',
    fired: FiredFault,
    parts: number,
    delayMs: number,
  ): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      const socket = rawSocket(this.ws);
      if (!this.isOpen || !socket) {
        this.recordFrame(this.outboundDir, c, origin, fired, performance.now(), true);
        return false;
      }
      this.recordFrame(this.outboundDir, c, origin, fired, performance.now());
      const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
      const framed = Buffer.concat(
        frameBytes(data, {
          fin: true,
          opcode: binary ? 2 : 1,
          mask: this.isClient,
          readOnly: false,
          rsv1: false,
          ...(this.isClient ? { maskBuffer: randomFillSync(Buffer.alloc(4)) } : {}),
        }),
      );
      const size = Math.max(1, Math.ceil(framed.length / Math.max(1, parts)));
      for (let offset = 0; offset < framed.length; offset += size) {
        if (socket.destroyed) return false;
        socket.write(framed.subarray(offset, offset + size));
        // With no delay the parts go out in one turn: an automatic pong written in a gap would land inside the frame.
        if (delayMs > 0 && offset + size < framed.length) await this.timers.sleep(delayMs);
      }
      return true;
    };
    return this.serialize(run, true);
  }

  // ---------------------------------------------------------------- closing

  /**
   * Sends a close frame with `code` and `reason`; without a code, a bare close frame (the peer sees 1005),
   * as the engine sends after WORKER_NAMESPACE_CONFLICT. A code ws refuses is recorded, then terminated.
   */
  close(code?: number, reason = ''): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.noteClosing({ code: code ?? null, reason, terminate: false });
    try {
      if (code === undefined) this.ws.close();
      else this.ws.close(code, reason);
    } catch (e) {
      this.harnessError(e);
      this.terminate();
    }
  }

  /** Who closed is not in the close event; replay needs it to close where the recording did. */
  private noteClosing(how: { code: number | null; reason: string; terminate: boolean }): void {
    this.transcript.note(this.peer, CLOSING_NOTE, { conn: this.conn, path: this.path, ...how }, 'debug');
  }

  /** Destroys the TCP socket without a close frame. */
  terminate(): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.noteClosing({ code: null, reason: '', terminate: true });
    try {
      this.uncork();
      this.ws.terminate();
    } catch (e) {
      this.harnessError(e);
    }
  }

  /**
   * Stops reading the socket: frames and WebSocket pings pile up unread in the kernel, so the other side
   * sees a half-open link (nothing answered, nothing refused). `resumeReading` delivers what piled up. Both
   * are noted, so replay pauses and resumes at the same points. False when the socket could not be paused.
   */
  pauseReading(): boolean {
    try {
      this.ws.pause();
      this.transcript.note(this.peer, READING_PAUSED_NOTE, { conn: this.conn, path: this.path }, 'debug');
      return true;
    } catch (e) {
      this.harnessError(e);
      return false;
    }
  }

  resumeReading(): void {
    try {
      this.ws.resume();
      this.transcript.note(this.peer, READING_RESUMED_NOTE, { conn: this.conn, path: this.path }, 'debug');
    } catch (e) {
      this.harnessError(e);
    }
  }

  /** Sends a WebSocket-level ping (not the JSON ping message). */
  wsPing(payload: string | Buffer = ''): void {
    try {
      if (this.isOpen) this.ws.ping(payload);
    } catch (e) {
      this.harnessError(e);
    }
  }

  // ---------------------------------------------------------------- recording

  protected event(
    event: 'open' | 'close' | 'error' | 'ws-ping' | 'ws-pong' | 'harness-error',
    extra: { code?: number; reason?: string; message?: string } = {},
  ): void {
    this.transcript.append({ kind: 'event', peer: this.peer, event, conn: this.conn, path: this.path, ...extra });
  }

  protected harnessError(e: unknown): void {
    try {
      this.event('harness-error', { message: e instanceof Error ? `${e.message}${e.stack ? `\n${e.stack}` : ''}` : String(e) });
    } catch {
      // recording itself failed; nothing sensible is left to do
    }
  }

  /** Runs `fn`, turning any exception into a harness-error record. */
  protected guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.harnessError(e);
    }
  }

  private recordFrame(
    dir: Direction,
    c: ClassifiedPayload,
    origin: 'harness' | 'raw' | 'peer',
    fired: FiredFault | undefined,
    at: number,
    undelivered = false,
  ): FrameRecord {
    // Built once, in its final key order, and stamped in place by commit (see TranscriptRecorder.commit).
    const record: FrameRecord = c.lazy
      ? (new LazyFrameRecord(
          this.peer,
          this.conn,
          this.path,
          dir,
          'text',
          c.fields.length,
          c.lazy.text,
          origin,
          judgeText,
          c.lazy.keepParsed,
          c.lazy.verdict,
        ) as unknown as FrameRecord)
      : ({ kind: 'frame', t: 0, seq: 0, peer: this.peer, conn: this.conn, path: this.path, dir, ...c.fields, origin } as FrameRecord);
    if (fired) record.fault = { rule: fired.rule, action: fired.action.kind };
    if (undelivered || fired?.action.kind === 'drop') record.delivered = false;
    return this.transcript.commit(record, at);
  }

  private recordFault(dir: Direction, fired: FiredFault): void {
    this.transcript.append({
      kind: 'fault',
      peer: this.peer,
      conn: this.conn,
      path: this.path,
      dir,
      rule: fired.rule,
      action: fired.action,
      type: fired.type,
      nth: fired.nth,
    });
  }
}

const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);
const RESOLVED_FALSE: Promise<boolean> = Promise.resolve(false);

/** The entry for the frame at `index`, over its transcript record. */
function newEntry(index: number, record: FrameRecord, origin: number): ReceivedEntry {
  return new ReceivedEntry(index, typeOfRecord(record), record.t + origin, record, record.telemetry);
}

/** Membership in seqs[from..end), which never decreases, for seqs asked in increasing order. */
class SeqCursor {
  private i: number;
  constructor(
    private readonly seqs: readonly number[],
    from: number,
    private readonly end: number,
  ) {
    this.i = from;
  }

  has(seq: number): boolean {
    while (this.i < this.end && this.seqs[this.i]! < seq) this.i++;
    return this.i < this.end && this.seqs[this.i] === seq;
  }
}

/** The type a received frame was counted as: its `type`, or "(telemetry)", "(binary)", "(invalid)". */
function typeOfRecord(record: FrameRecord): string {
  if (record.telemetry) return '(telemetry)';
  const type = record.verdict.type;
  if (type !== undefined) return type;
  const frame = record.frame;
  if (typeof frame === 'object' && frame !== null && typeof (frame as { type?: unknown }).type === 'string') return (frame as { type: string }).type;
  return record.encoding === 'binary' ? '(binary)' : '(invalid)';
}

/** One-line description of a received frame for error messages. */
export function summarize(entry: ReceivedFrame): string {
  const body = entry.record.text ?? (entry.record.base64 !== undefined ? `<${entry.record.length} bytes binary>` : '');
  const shown = body.length > 160 ? `${body.slice(0, 160)}…` : body;
  // An invalid frame says why (e.g. nested too deep), so a timeout message names the misbehaviour.
  const why = entry.verdict.violations[0]?.message;
  const invalid = entry.verdict.base === 'invalid' ? ` (invalid${why ? `: ${why.length > 160 ? `${why.slice(0, 160)}…` : why}` : ''})` : '';
  return `#${entry.index} ${entry.type}${invalid} ${shown}`;
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

interface SenderFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
  maskBuffer?: Buffer;
}

/** ws's own frame encoder (exported by ws but missing from @types/ws). */
function frameBytes(data: Buffer, options: SenderFrameOptions): Buffer[] {
  const sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: SenderFrameOptions): Buffer[] } }).Sender;
  return sender.frame(data, options);
}

/** ws keeps the TCP socket private; the split fault needs it to write frame bytes in pieces. */
function rawSocket(ws: WebSocket): Socket | undefined {
  return (ws as unknown as { _socket?: Socket })._socket;
}
