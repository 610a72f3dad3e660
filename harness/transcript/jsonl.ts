// Transcripts on disk: JSON Lines, one record per line, header first. A streaming writer appends as
// records arrive, so a transcript survives a case that hangs or a harness that is killed.

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TranscriptRecord } from './records.ts';
import { safeStringify, type TranscriptRecorder } from './recorder.ts';

/** Writes every record so far to `file` (JSONL), replacing it. */
export async function writeTranscript(file: string, recorder: TranscriptRecorder | readonly TranscriptRecord[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const text = Array.isArray(recorder)
    ? recorder.map((r: TranscriptRecord) => safeStringify(r)).join('\n') + '\n'
    : (recorder as TranscriptRecorder).toJsonLines();
  await writeFile(file, text);
}

/** Parses a JSONL transcript; blank lines are skipped, a bad line throws with its number. */
export function parseTranscript(text: string): TranscriptRecord[] {
  const out: TranscriptRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as TranscriptRecord);
    } catch (e) {
      throw new Error(`transcript line ${i + 1} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return out;
}

export async function readTranscript(file: string): Promise<TranscriptRecord[]> {
  return parseTranscript(await readFile(file, 'utf8'));
}

export interface JsonlStream {
  /** Stops listening and flushes the file. */
  close(): Promise<void>;
}

/** Streams the recorder to `file`: existing records first, then each new one as it is appended. */
export async function streamTranscript(file: string, recorder: TranscriptRecorder): Promise<JsonlStream> {
  await mkdir(dirname(file), { recursive: true });
  const out: WriteStream = createWriteStream(file);
  out.on('error', () => {}); // reported by close(); a full disk must not crash a case
  for (const r of recorder.records) out.write(safeStringify(r) + '\n');
  const detach = recorder.subscribe((r) => out.write(safeStringify(r) + '\n'));
  let closed: Promise<void> | undefined;
  return {
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        detach();
        out.end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
      return closed;
    },
  };
}
