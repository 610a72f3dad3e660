// The engine's own output as a growing text, so each case can keep the part written while it ran
// (a launched engine's log file, or the reference engine's log lines held in memory).

import { open, stat } from 'node:fs/promises';

export interface EngineOutput {
  /** Position now: pass it to `since` later. */
  mark(): Promise<number>;
  /** Everything written after `mark` (at most `maxBytes`, the end kept). */
  since(mark: number, maxBytes?: number): Promise<string>;
  /** Which output cap the engine hit (capped-log.ts), if any: what the log no longer holds. */
  capNote?(): string | undefined;
}

const DEFAULT_MAX = 256 * 1024;

export function fileOutput(file: string, capNote?: () => string | undefined): EngineOutput {
  const size = async (): Promise<number> => {
    try {
      return (await stat(file)).size;
    } catch {
      return 0;
    }
  };
  return {
    ...(capNote ? { capNote } : {}),
    mark: size,
    async since(mark, maxBytes = DEFAULT_MAX) {
      const end = await size();
      const from = Math.max(mark, end - maxBytes);
      if (end <= from) return '';
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(end - from);
        await fh.read(buf, 0, buf.length, from);
        return buf.toString('utf8');
      } finally {
        await fh.close();
      }
    },
  };
}

/** Collects log lines in memory (the last `keep`), numbered so that marks survive trimming. */
export class LineOutput implements EngineOutput {
  private readonly lines: string[] = [];
  private dropped = 0;
  constructor(private readonly keep = 5000) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) {
      this.lines.shift();
      this.dropped += 1;
    }
  }

  async mark(): Promise<number> {
    return this.dropped + this.lines.length;
  }

  async since(mark: number, maxBytes = DEFAULT_MAX): Promise<string> {
    const text = this.lines.slice(Math.max(0, mark - this.dropped)).join('\n');
    return text.length > maxBytes ? text.slice(-maxBytes) : text;
  }
}
