// Transcripts on disk: JSON Lines, one record per line, header first. A transcript being recorded is
// written as records arrive by its journal (TranscriptRecorder.spillTo), so it survives a case that hangs
// or a harness that is killed; this module writes a whole one and reads one back.

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
