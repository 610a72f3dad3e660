// Transcripts on disk: JSON Lines, one record per line, header first. A streaming writer appends as
// records arrive, so a transcript survives a case that hangs or a harness that is killed.

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TranscriptRecord } from './records.ts';
import { safeStringify, type TranscriptRecorder } from './recorder.ts';

/**
 * Writes every record so far to `file` (JSONL), replacing it. A recorder's records are written in
 * batches as they are read (from its journal too), never as one string the size of the transcript.
 */
export async function writeTranscript(file: string, recorder: TranscriptRecorder | readonly TranscriptRecord[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  if (Array.isArray(recorder)) {
    await writeFile(file, recorder.map((r: TranscriptRecord) => safeStringify(r)).join('\n') + '\n');
    return;
  }
  const out = await open(file, 'w');
  try {
    let batch: string[] = [];
    let bytes = 0;
    for (const r of (recorder as TranscriptRecorder).read()) {
      const line = safeStringify(r);
      batch.push(line);
      bytes += line.length;
      if (bytes >= WRITE_BATCH_CHARS) {
        await out.write(batch.join('\n') + '\n');
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) await out.write(batch.join('\n') + '\n');
  } finally {
    await out.close();
  }
}

const WRITE_BATCH_CHARS = 1024 * 1024;

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
