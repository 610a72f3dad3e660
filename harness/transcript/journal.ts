// A transcript's JSON Lines file, written as records arrive and read back by sequence number. Line n
// holds the record with seq n, so the recorder can drop old records from memory and still answer a
// query that reaches back to them. Writes are synchronous in batches: a record is on disk before it
// can be dropped, and a reader never sees a line half written.

import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Every LINES_PER_OFFSET-th line's byte offset is kept, so a read starts near its first seq. */
const LINES_PER_OFFSET = 256;
/** Pending lines are written once they pass this many bytes (and before any read). */
const BATCH_BYTES = 256 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

export class Journal {
  readonly file: string;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Lines written or pending. */
  private lines = 0;
  /** Bytes written or pending (UTF-8). */
  private bytes = 0;
  private readonly offsets: number[] = [];
  private failed: Error | undefined;

  constructor(file: string) {
    this.file = file;
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'w');
  }

  get lineCount(): number {
    return this.lines;
  }

  /** The first write error, if any: a full disk must not crash a case, but is reported. */
  get error(): Error | undefined {
    return this.failed;
  }

  append(line: string): void {
    if (this.lines % LINES_PER_OFFSET === 0) this.offsets.push(this.bytes);
    const text = `${line}\n`;
    const size = Buffer.byteLength(text);
    this.lines++;
    this.bytes += size;
    this.pending.push(text);
    this.pendingBytes += size;
    if (this.pendingBytes >= BATCH_BYTES) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0 || this.fd === undefined) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      writeSync(this.fd, text);
    } catch (e) {
      this.failed ??= e instanceof Error ? e : new Error(String(e));
    }
  }

  /** Lines `from` (inclusive) to `to` (exclusive), in order, each with its line number; only `wanted` ones are decoded. */
  *read(from: number, to: number = this.lines, wanted?: (n: number) => boolean): Generator<{ n: number; line: string }> {
    this.flush();
    if (from >= to) return;
    const block = Math.floor(from / LINES_PER_OFFSET);
    const n = block * LINES_PER_OFFSET;
    const position = this.offsets[block] ?? 0;
    // Its own descriptor: reads keep working after close() (a case's queries can outlive collect()).
    const fd = openSync(this.file, 'r');
    try {
      yield* readLines(fd, from, to, n, position, wanted);
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    this.flush();
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed or the disk went away: the error, if any, is in `error`
    }
    this.fd = undefined;
  }
}

/** Lines from..to-1 of an open file, starting the scan at line `n`, which begins at byte `position`. */
function* readLines(
  fd: number,
  from: number,
  to: number,
  n: number,
  position: number,
  wanted: ((n: number) => boolean) | undefined,
): Generator<{ n: number; line: string }> {
  const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let carry: Buffer[] = [];
  while (n < to) {
    const got = readSync(fd, chunk, 0, chunk.length, position);
    if (got === 0) return;
    position += got;
    let start = 0;
    for (let nl = chunk.indexOf(10, 0); nl !== -1 && nl < got; nl = chunk.indexOf(10, start)) {
      if (n >= from && (!wanted || wanted(n))) {
        const piece = chunk.subarray(start, nl);
        const bytes = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
        yield { n, line: bytes.toString('utf8') };
      }
      carry = [];
      start = nl + 1;
      n++;
      if (n >= to) return;
    }
    // A line longer than what is left of the chunk: keep its start (copied: the chunk is reused).
    if (start < got && n >= from && (!wanted || wanted(n))) carry.push(Buffer.from(chunk.subarray(start, got)));
  }
}
