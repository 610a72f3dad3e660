// Where a launched engine's stdout and stderr go: a log file and an in-memory tail. The engine is under
// test, so one that writes without end must fill neither the disk nor, when the disk is slower than the
// engine, the file stream's buffer (the engine is never paused: blocking its pipe would change how it
// serves). Past a cap the rest is counted, not kept, and the cap is named once in the file and by capNote.

import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sizeInWords } from '../../util/size.ts';

export interface EngineLogCaps {
  /** Bytes kept in the log file. */
  fileBytes: number;
  /** Bytes the file stream may hold unwritten before chunks are dropped. */
  bufferedBytes: number;
  /** Bytes of the in-memory tail (the end of the output, for error messages). */
  tailBytes: number;
}

export const ENGINE_LOG_CAPS: EngineLogCaps = { fileBytes: 64 * 1024 * 1024, bufferedBytes: 8 * 1024 * 1024, tailBytes: 64 * 1024 };

export interface CappedLog {
  readonly file: string;
  write(chunk: Buffer | string): void;
  /** The last bytes written (up to tailBytes), as text. */
  tail(): string;
  /** Says which cap the output hit and how much was not kept; undefined while it stays within them. */
  capNote(): string | undefined;
  /** Ends the file; resolves once what was kept is on disk. */
  end(): Promise<void>;
}

export function cappedLog(file: string, caps: EngineLogCaps = ENGINE_LOG_CAPS): CappedLog {
  mkdirSync(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  out.on('error', () => {}); // a log that cannot be written must not take the run down
  let kept = 0;
  let overFile = 0;
  let overBuffer = 0;
  let tail = '';
  const pastFileCap = (dropped: number): void => {
    if (overFile === 0)
      out.write(`\n[iii-conformance: the engine's output passed the ${sizeInWords(caps.fileBytes)} log cap; the rest is counted, not kept]\n`);
    overFile += dropped;
  };
  return {
    file,
    write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const last = bytes.length > caps.tailBytes ? bytes.subarray(bytes.length - caps.tailBytes) : bytes;
      tail = (tail + last.toString('utf8')).slice(-caps.tailBytes);
      if (kept >= caps.fileBytes) {
        pastFileCap(bytes.length);
        return;
      }
      if (out.writableLength > caps.bufferedBytes) {
        overBuffer += bytes.length;
        return;
      }
      const room = caps.fileBytes - kept;
      const part = bytes.length > room ? bytes.subarray(0, room) : bytes;
      kept += part.length;
      out.write(part);
      if (part.length < bytes.length) pastFileCap(bytes.length - part.length);
    },
    tail: () => tail,
    capNote() {
      const parts: string[] = [];
      if (overFile > 0) parts.push(`${overFile} bytes past the ${sizeInWords(caps.fileBytes)} log file cap`);
      if (overBuffer > 0) parts.push(`${overBuffer} bytes written faster than the log file took them (over ${sizeInWords(caps.bufferedBytes)} unwritten)`);
      return parts.length === 0 ? undefined : `engine output not kept: ${parts.join('; ')}`;
    },
    end: () => new Promise<void>((resolve) => out.end(() => resolve())),
  };
}
