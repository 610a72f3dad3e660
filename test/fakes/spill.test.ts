// Transcript memory cap (TRANSCRIPT_MEMORY_CAP): past it, older records live only in the journal file in
// the case's artifacts folder, yet reads, waits and predicates over history still see them, and the
// transcript names the cap.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTranscript, TranscriptRecorder, writeTranscript, type TranscriptRecord } from '../../harness/transcript/index.ts';
import { usePeers, useTempDir } from './helpers.ts';

const peers = usePeers();
const temp = useTempDir('spill-test-');

/** Small enough that a few thousand records pass it many times over. */
const CAP = 64 * 1024;

function capNotes(records: Iterable<TranscriptRecord>): string[] {
  const out: string[] = [];
  for (const r of records) if (r.kind === 'note' && r.level === 'warn' && r.text.startsWith('transcript cap:')) out.push(r.text);
  return out;
}

describe('transcript memory cap', () => {
  it('keeps a bounded tail in memory, the rest in the journal, and reads both back in order', async () => {
    const artifacts = join(temp.dir(), 'case-a');
    const file = join(artifacts, 'transcript.jsonl');
    const transcript = new TranscriptRecorder({ meta: { case: 'spill' } });
    transcript.spillTo(file, CAP);
    for (let i = 0; i < 5000; i++) transcript.note('case', `line ${i} ${'x'.repeat(40)}`);

    expect(transcript.firstInMemory).toBeGreaterThan(1000);
    expect(transcript.at(0)).toBeUndefined();
    // What memory holds stays near the cap: (line ~90 chars, estimated at 2x + 200) well under 1000 records.
    expect(transcript.size - transcript.firstInMemory).toBeLessThan(400);

    const all = [...transcript.read()];
    expect(all.length).toBe(transcript.size);
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i));
    expect(all[0]!.kind).toBe('header');
    expect(all.filter((r) => r.kind === 'note' && r.text.startsWith('line ')).length).toBe(5000);
    // A read starting inside the spilled part begins at the right line.
    const middle = [...transcript.read(777, 780)];
    expect(middle.map((r) => r.seq)).toEqual([777, 778, 779]);

    const named = capNotes(all);
    expect(named).toHaveLength(1);
    expect(named[0]).toContain('TRANSCRIPT_MEMORY_CAP');
    expect(named[0]).toContain('transcript.jsonl');

    transcript.closeJournal();
    expect(transcript.journalFile).toBe(file);
    expect(transcript.journalFile!.startsWith(artifacts)).toBe(true);
    const onDisk = await readTranscript(file);
    expect(onDisk.length).toBe(transcript.size);
    expect(capNotes(onDisk).at(-1)).toMatch(/^transcript cap: \d+ of \d+ records were held only in transcript\.jsonl$/);
    // Reads keep working after the journal is closed (a case's queries can outlive collect()).
    expect([...transcript.read(5, 6)][0]!.seq).toBe(5);

    // writeTranscript copies spilled and held records alike.
    const copy = join(temp.dir(), 'copy.jsonl');
    await writeTranscript(copy, transcript);
    expect((await readTranscript(copy)).map((r) => r.seq)).toEqual(onDisk.map((r) => r.seq));

    // After closeJournal (a context's teardown still recording) the file stays as it was and memory bounded.
    for (let i = 0; i < 5000; i++) transcript.note('case', `late ${i} ${'x'.repeat(40)}`);
    expect(transcript.size - transcript.firstInMemory).toBeLessThan(400);
    expect((await readTranscript(file)).length).toBe(onDisk.length);
  });

  it('does not spill or name a cap while under it', () => {
    const transcript = new TranscriptRecorder();
    transcript.spillTo(join(temp.dir(), 'case-b', 'transcript.jsonl'), CAP);
    for (let i = 0; i < 50; i++) transcript.note('case', `line ${i}`);
    expect(transcript.firstInMemory).toBe(0);
    expect(capNotes(transcript.records)).toEqual([]);
    transcript.closeJournal();
    expect(capNotes(transcript.records)).toEqual([]);
  });

  it("a peer's waits, all() and received reach frames whose records were spilled", async () => {
    const transcript = new TranscriptRecorder({ meta: { case: 'spill.peers' } });
    transcript.spillTo(join(temp.dir(), 'case-c', 'transcript.jsonl'), CAP);
    const engine = await peers.engine({ transcript });
    const worker = await peers.worker(engine.url, { transcript });
    const conn = await engine.waitForConnection();
    const count = 3000;
    for (let i = 0; i < count; i++) void worker.send({ type: 'flood', n: i, pad: 'p'.repeat(30) });
    await conn.waitFor((f) => (f as { n?: number }).n === count - 1, { timeoutMs: 10_000 });

    // The first flood frames are no longer in memory.
    const first = conn.all((f) => (f as { type?: string }).type === 'flood')[0]!;
    expect(first.record.seq).toBeLessThan(transcript.firstInMemory);
    expect(transcript.at(first.record.seq)).toBeUndefined();

    // Waits from the start of history find them, by value and by index.
    const hit = await conn.waitFor((f) => (f as { n?: number }).n === 5, { timeoutMs: 100 });
    expect((hit.frame as { n: number }).n).toBe(5);
    expect(hit.verdict).toBeDefined();
    expect(conn.received[hit.index]!.record.seq).toBe(hit.record.seq);
    // A since inside the spilled part starts there, not at the memory line.
    const later = await conn.waitFor((f) => (f as { type?: string }).type === 'flood', { since: hit.index + 1, timeoutMs: 100 });
    expect((later.frame as { n: number }).n).toBe(6);

    // Predicates and counts cover the whole history.
    const floods = conn.all((f) => (f as { type?: string }).type === 'flood');
    expect(floods.map((e) => (e.frame as { n: number }).n)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(floods.map((e) => e.index)).toEqual([...floods.map((e) => e.index)].sort((a, b) => a - b));
    expect(conn.received.length).toBe(conn.mark());
    expect(capNotes(transcript.read())).toHaveLength(1);
    transcript.closeJournal();
  });

  it('finds spilled frames delivered out of transcript order (a delay fault on receipt)', async () => {
    const transcript = new TranscriptRecorder({ meta: { case: 'spill.delayed' } });
    transcript.spillTo(join(temp.dir(), 'case-d', 'transcript.jsonl'), CAP);
    const engine = await peers.engine({
      transcript,
      faults: { name: 'late', rules: [{ direction: 'worker->engine', type: 'flood', nth: 3, action: { kind: 'delay', ms: 150 } }] },
    });
    const worker = await peers.worker(engine.url, { transcript });
    const conn = await engine.waitForConnection();
    const count = 3000;
    for (let i = 0; i < count; i++) void worker.send({ type: 'flood', n: i, pad: 'p'.repeat(30) });
    await conn.waitFor((f) => (f as { n?: number }).n === 2, { timeoutMs: 10_000 });
    await conn.waitFor((f) => (f as { n?: number }).n === count - 1, { timeoutMs: 10_000 });

    const floods = conn.all((f) => (f as { type?: string }).type === 'flood');
    expect(floods[0]!.record.seq).toBeLessThan(transcript.firstInMemory);
    const order = floods.map((e) => (e.frame as { n: number }).n);
    // Delivery order: the delayed third frame comes after frames recorded later than it.
    expect(order.indexOf(2)).toBeGreaterThan(order.indexOf(3));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(floods.map((e) => e.index)).toEqual([...floods.map((e) => e.index)].sort((a, b) => a - b));
    const late = await conn.waitFor((f) => (f as { n?: number }).n === 2, { timeoutMs: 100 });
    expect(late.index).toBe(floods[order.indexOf(2)]!.index);
    expect(conn.received.length).toBe(conn.mark());
    transcript.closeJournal();
  });
});
