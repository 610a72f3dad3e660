// Splits a byte stream from an untrusted writer (a driver's stdout) into lines, holding at most
// `maxLineBytes` of one line in memory. node:readline has no limit: a driver writing 400 MB without a
// newline took the harness to 2 GB RSS. An over-long line is dropped (its bytes are discarded as they
// arrive) and reported once with its size so far, then reading resumes after its newline.

import type { Readable } from 'node:stream';

/** Largest driver event line kept: well above the 1.5 MB payloads cases send, far below memory trouble. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface LineHandlers {
  line(text: string): void;
  /** An over-long line was dropped; `bytes` is how much of it had arrived when the cap was hit. */
  overflow(bytes: number): void;
}

export function readLines(stream: Readable, handlers: LineHandlers, maxLineBytes = MAX_LINE_BYTES): void {
  let parts: Buffer[] = [];
  let size = 0;
  let dropping = false;
  const flush = (): void => {
    if (!dropping && size > 0) handlers.line(Buffer.concat(parts, size).toString('utf8'));
    parts = [];
    size = 0;
    dropping = false;
  };
  stream.on('data', (chunk: Buffer | string) => {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let nl = buf.indexOf(10); ; nl = buf.indexOf(10)) {
      const piece = nl === -1 ? buf : buf.subarray(0, nl);
      if (!dropping) {
        if (size + piece.length > maxLineBytes) {
          handlers.overflow(size + piece.length);
          dropping = true;
          parts = [];
          size = 0;
        } else if (piece.length > 0) {
          parts.push(piece);
          size += piece.length;
        }
      }
      if (nl === -1) break;
      const wasDropping = dropping;
      flush();
      if (wasDropping) dropping = false;
      buf = buf.subarray(nl + 1);
    }
  });
  stream.on('end', flush);
}
