// `replay --print`'s sequence diagram: arrows by direction between the two lifelines, the mark on the one
// diverging record, a bounded width whatever the payload, and peer text made inert (a frame carrying
// terminal escapes, a bidi override or a newline prints as one visible line).
import { describe, expect, it } from 'vitest';
import { sequenceDiagram } from '../../harness/transcript/sequence-diagram.ts';

const verdict = { base: 'valid', strict: [], violations: [] };
const frame = (seq: number, dir: string, value: unknown, conn = 1) => ({
  kind: 'frame',
  seq,
  t: seq / 1000,
  peer: 'provider',
  conn,
  path: '/',
  dir,
  encoding: 'text',
  length: 10,
  frame: value,
  verdict,
});

describe('sequenceDiagram', () => {
  const records = [
    { kind: 'header', seq: 0, t: 0, startedAt: '2026-12-03T00:00:00Z' },
    frame(1, 'engine->worker', { type: 'workerregistered', worker_id: 'w1' }),
    frame(2, 'worker->engine', { type: 'registerfunction', id: 'f'.repeat(500) }),
    { kind: 'event', seq: 3, t: 0.003, peer: 'provider', conn: 2, event: 'upgrade', attempt: 2, outcome: 'accepted' },
    frame(4, 'worker->engine', { type: 'invocationresult', result: '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007\u202e\nforged line' }),
    'not a record',
    { kind: 'weird', x: '\u001b[2J' },
  ];

  it('draws engine→worker to the right and worker→engine to the left, and marks only the diverging record', () => {
    const lines = sequenceDiagram(records, { markSeq: 2, span: 48 });
    expect(lines[0]).toMatch(/^ +time {2}ENGINE +WORKER$/);
    expect(lines[1]).toMatch(/^ {4} +0\.001 {2}│── workerregistered \{"worker_id":"w1"\} ─+▶│ provider #1$/);
    expect(lines[2]).toMatch(/^>> +0\.002 {2}│◀─+ registerfunction \{"id":"f+… ──│ provider #1 {2}<<< DIVERGED here$/);
    expect(lines.filter((l) => l.includes('DIVERGED'))).toHaveLength(1);
    expect(lines[3]).toMatch(/│ · provider #2 .*upgrade #2 accepted *│$/);
    // Without a mark, nothing is marked: the marker is the divergence's, not decoration.
    expect(sequenceDiagram(records).some((l) => l.includes('DIVERGED'))).toBe(false);
  });

  it('draws records by their time: the driver records, appended when the case ended, fall between the frames', () => {
    const appended = [
      frame(1, 'engine->worker', { type: 'workerregistered', worker_id: 'w1' }),
      frame(2, 'worker->engine', { type: 'registerfunction', id: 'f' }),
      { kind: 'event', seq: 3, t: 0.0015, peer: 'driver#1', event: 'ack', id: 'c1' },
      { kind: 'note', text: 'untimed: stays after the record before it' },
    ];
    const lines = sequenceDiagram(appended, { span: 48 }).slice(1);
    expect(
      lines.map((l) =>
        l.includes('untimed')
          ? 'untimed'
          : l.includes('workerregistered')
            ? 'frame 1'
            : l.includes('registerfunction')
              ? 'frame 2'
              : l.includes('ack')
                ? 'ack'
                : l,
      ),
    ).toEqual(['frame 1', 'ack', 'untimed', 'frame 2']);
  });

  it('keeps every line within the span and inert, whatever the peer sent', () => {
    const lines = sequenceDiagram(records, { span: 48 });
    for (const line of lines) {
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(line.length).toBeLessThanOrEqual(4 + 10 + 2 + 1 + 48 + 1 + 1 + 24 + 3);
    }
    const hostile = lines.find((l) => l.includes('invocationresult')) as string;
    expect(hostile).toContain('\\u001b]8;;h'); // JSON-escaped in the payload
    // The peer's name is not JSON: its escape is made visible by the sanitiser.
    const named = sequenceDiagram([{ ...frame(9, 'engine->worker', { type: 'pong' }), peer: '\u001b[31mred\nline' }]);
    expect(named[1]).toContain('\\e[31mred\\nline #1');
    // A record that is no object is left out; one it cannot draw is a note with its (escaped) JSON.
    expect(lines.some((l) => l.includes('not a record'))).toBe(false);
    expect(lines.some((l) => l.includes('"kind":"weird"') && l.includes('\\u001b[2J'))).toBe(true);
  });
});
