// Transcripts: every record of a busy session validates against schemas/transcript.schema.json, huge
// frames are kept as a prefix, JSONL round-trips, the journal written as records arrive matches it, and the pretty-printer
// renders a readable timeline.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  formatTranscript,
  parseTranscript,
  readTranscript,
  TranscriptRecorder,
  writeTranscript,
  type TranscriptRecord,
} from '../../harness/transcript/index.ts';
import { usePeers, useTempDir } from './helpers.ts';
import { CLOSING_NOTE } from '../../harness/transcript/records.ts';

const peers = usePeers();
const temp = useTempDir('transcript-test-');

async function schemaValidator() {
  const schema = JSON.parse(await readFile(new URL('../../schemas/transcript.schema.json', import.meta.url), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

/** A session that exercises every record kind: faults, raw garbage, telemetry, rejects, notes, closes. */
async function busySession(): Promise<TranscriptRecorder> {
  const transcript = new TranscriptRecorder({ meta: { case: 'transcript.busy' }, limits: { maxTextChars: 256, maxBinaryBytes: 64, maxParsedBytes: 1024 } });
  const engine = await peers.engine({
    transcript,
    faults: { name: 'mixed', rules: [{ direction: 'engine->worker', type: 'invokefunction', nth: 2, action: { kind: 'delay', ms: 5 } }] },
  });
  engine.rejectNextUpgrades(1, 503);
  await peers.worker(engine.url, { transcript }).catch(() => undefined);
  const worker = await peers.worker(engine.url, { transcript, headers: { authorization: 'Bearer x' } });
  const otel = await peers.worker(engine.url, { transcript, path: '/otel', peerName: 'otel' });
  await otel.sendRaw(Buffer.concat([Buffer.from('LOGS'), Buffer.from('{"resourceLogs":[]}')]));
  await worker.registerFunction('t::echo', (d) => d);
  const conn = await engine.waitForConnection();
  await conn.waitFor({ type: 'registerfunction' });
  await conn.invoke('t::echo', { n: 1 });
  await conn.invoke('t::echo', 'z'.repeat(5000));
  await worker.sendRaw('{"oops"');
  await worker.sendRaw(new Uint8Array(300).fill(7));
  await worker.send({ type: 'registerfunction', id: 5 });
  transcript.note('case', 'about to close', { why: 'end' });
  transcript.log('driver:node', 'warn', 'a driver log line');
  await worker.disconnect(4000, 'done');
  await conn.waitForClose();
  return transcript;
}

describe('transcript', () => {
  it('records every kind in a form the transcript schema accepts', async () => {
    const transcript = await busySession();
    const validate = await schemaValidator();
    const bad = transcript.records.filter((r) => !validate(JSON.parse(JSON.stringify(r))));
    expect(bad.map((r) => ({ r, errors: validate.errors }))).toEqual([]);
    const kinds = new Set(transcript.records.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['event', 'fault', 'faults', 'frame', 'header', 'note']);
    const seqs = transcript.records.map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
  });

  it('keeps a prefix of huge frames, not the whole payload, and never the parsed value of one', async () => {
    const transcript = await busySession();
    const frames = transcript.records.filter((r): r is Extract<TranscriptRecord, { kind: 'frame' }> => r.kind === 'frame');
    const big = frames.find((f) => f.dir === 'engine->worker' && f.length > 5000);
    expect(big).toMatchObject({ truncated: true, encoding: 'text' });
    expect(big!.text).toHaveLength(256);
    expect(big!.frame).toBeUndefined();
    const binary = frames.find((f) => f.encoding === 'binary' && f.length === 300);
    expect(binary).toMatchObject({ truncated: true, verdict: { base: 'invalid' } });
    expect(Buffer.from(binary!.base64!, 'base64')).toHaveLength(64);
    const invalid = frames.find((f) => f.text === '{"registerfunction' || (f.frame as { id?: unknown } | undefined)?.id === 5);
    expect(invalid?.verdict).toMatchObject({ base: 'invalid', reason: 'schema' });
    expect(invalid?.verdict.violations[0]).toMatchObject({ path: '/id' });
    const logs = frames.find((f) => f.telemetry?.prefix === 'LOGS');
    expect(logs).toMatchObject({ verdict: { base: 'telemetry' }, telemetry: { body: { resourceLogs: [] } }, path: '/otel', peer: 'otel' });
  });

  it('round-trips through JSONL, and the journal written as records arrive has the same lines', async () => {
    const transcript = new TranscriptRecorder();
    const file = join(temp.dir(), 'stream.jsonl');
    transcript.spillTo(file);
    const engine = await peers.engine({ transcript });
    const worker = await peers.worker(engine.url, { transcript });
    await worker.ping();
    await worker.disconnect();
    transcript.closeJournal();
    await writeTranscript(join(temp.dir(), 'whole.jsonl'), transcript);
    const streamed = await readTranscript(file);
    const whole = await readTranscript(join(temp.dir(), 'whole.jsonl'));
    expect(streamed.length).toBeGreaterThan(5);
    expect(whole.slice(0, streamed.length)).toEqual(streamed);
    expect(parseTranscript(transcript.toJsonLines())).toEqual(JSON.parse(JSON.stringify(transcript.records)));
    expect(() => parseTranscript('{"kind":"header"}\nnot json\n')).toThrow(/line 2/);
  });

  it('pretty-prints a readable timeline', async () => {
    const transcript = await busySession();
    const text = formatTranscript(transcript.records);
    if (process.env.SHOW_TRANSCRIPT) console.log(text);
    expect(text).toMatch(/── transcript started .*"case":"transcript.busy"/);
    expect(text).toMatch(/engine\s+\/\s+upgrade #1 rejected HTTP 503/);
    expect(text).toMatch(/engine #1\s+\/\s+upgrade #2 accepted\n.*engine #1\s+\/\s+open #2/);
    expect(text).toMatch(/engine #1\s+\/\s+E→W workerregistered \{"worker_id":/);
    expect(text).toMatch(/W→E registerfunction \{"id":5\} ✗ schema \/id/);
    expect(text).toMatch(/W→E \(unparsed\) "\{\\"oops\\"" \[raw\] ✗ malformed-json/);
    expect(text).toMatch(/fault rule 0 delay \{"ms":5\} \(engine->worker invokefunction #2\)/);
    expect(text).toMatch(/\[fault 0: delay\]/);
    expect(text).toMatch(/W→E LOGS \d+ bytes/);
    expect(text).toMatch(/case\s+about to close \{"why":"end"\}/);
    expect(text).toMatch(/driver:node\s+warn: a driver log line/);
    expect(text).toMatch(/close code 4000 "done"/);
    expect(formatTranscript(transcript.records, { color: true })).toContain('\x1b[');
    // The case's two notes, plus the endpoint's own note of the close it made (replay re-enacts it).
    expect(
      formatTranscript(transcript.records, { filter: (r) => r.kind === 'note' && r.text !== CLOSING_NOTE })
        .trim()
        .split('\n'),
    ).toHaveLength(2);
    expect(
      formatTranscript(transcript.records, { filter: (r) => r.kind === 'note' && r.text === CLOSING_NOTE })
        .trim()
        .split('\n'),
    ).toHaveLength(1);
  });

  it('detaches a listener that throws and notes it, without failing the append', () => {
    const t = new TranscriptRecorder();
    t.subscribe(() => {
      throw new Error('listener broke');
    });
    t.note('case', 'hello');
    expect(t.records.at(-1)).toMatchObject({ kind: 'note', source: 'transcript', level: 'warn' });
    t.note('case', 'again');
    expect(t.records).toHaveLength(4);
  });
});
