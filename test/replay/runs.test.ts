// A property case's transcript holds several runs (engine(run k), driver#j): splitRuns cuts it into one
// single-run transcript per run, and replayRuns plays them in order, stopping at the first that diverges.

import { describe, expect, it } from 'vitest';
import { replayRuns, splitRuns } from '../../harness/replay/runs.ts';
import { scriptFromRecords, type ReplayReport, type ReplayScript } from '../../harness/runner/replay.ts';

const header = { kind: 'header', t: 0, seq: 0, format: 'iii-transcript', version: 1 };
const frame = (seq: number, t: number, peer: string, type: string) => ({
  kind: 'frame',
  seq,
  t,
  peer,
  conn: 1,
  path: '/',
  dir: 'engine->worker',
  encoding: 'text',
  frame: { type },
});
const note = (seq: number, t: number, source: string, text: string, data?: unknown) => ({
  kind: 'note',
  seq,
  t,
  source,
  level: 'info',
  text,
  ...(data ? { data } : {}),
});

const property = [
  header,
  { kind: 'event', seq: 1, t: 0.1, peer: 'engine', event: 'listening', url: 'ws://127.0.0.1:1' },
  note(2, 0.2, 'case', 'case prop.x against iii-sdk (node)'),
  note(3, 1, 'case', 'prop.x run 1', { config: { initialDelayMs: 40 } }),
  { kind: 'event', seq: 4, t: 1.1, peer: 'engine(run 1)', event: 'listening', url: 'ws://127.0.0.1:2' },
  note(5, 1.2, 'case', 'starting driver 1 (node)', { reconnection: { initialDelayMs: 40 } }),
  frame(6, 2, 'engine(run 1)', 'workerregistered'),
  note(7, 3, 'engine(run 1)', 'closing the connection', { conn: 1, path: '/', code: 1000, reason: '', terminate: false }),
  note(8, 10, 'case', 'prop.x run 2', { config: { initialDelayMs: 50 } }),
  { kind: 'event', seq: 9, t: 10.1, peer: 'engine(run 2)', event: 'listening', url: 'ws://127.0.0.1:3' },
  note(10, 10.2, 'case', 'starting driver 2 (node)', { reconnection: { initialDelayMs: 50 } }),
  frame(11, 11, 'engine(run 2)', 'workerregistered'),
  note(12, 1.15, 'driver#1', 'command', { cmd: 'registerFunction', id: 'c1' }),
  note(13, 10.15, 'driver#2', 'command', { cmd: 'trigger', id: 'c1' }),
];

describe('splitRuns', () => {
  const runs = splitRuns(property);

  it('cuts a property transcript into one single-run transcript per run', () => {
    expect(runs.map((r) => r.run)).toEqual([1, 2]);
    for (const r of runs) {
      expect(r.records[0]).toEqual(header);
      // Renamed as a single-run case: the engine is "engine", the driver is driver#1 and "starting driver 1".
      const script = scriptFromRecords(r.records);
      expect(script.connections.map((c) => c.key)).toEqual(['engine#1']);
      expect(script.driverStarts).toHaveLength(1);
      expect(script.driverCommands).toHaveLength(1);
      expect(script.steps.some((s) => s.command !== undefined)).toBe(true);
    }
    expect(scriptFromRecords(runs[0]?.records ?? []).driverStarts[0]).toEqual({ reconnection: { initialDelayMs: 40 } });
    expect(scriptFromRecords(runs[1]?.records ?? []).driverStarts[0]).toEqual({ reconnection: { initialDelayMs: 50 } });
    expect(scriptFromRecords(runs[1]?.records ?? []).driverCommands[0]).toMatchObject({ cmd: 'trigger' });
    // The run's engine close is the engine side's again (it plays on the engine's side of the socket).
    expect(scriptFromRecords(runs[0]?.records ?? []).steps.find((s) => s.close)?.dir).toBe('engine->worker');
  });

  it('keeps the preamble in every run and leaves out the idle main engine the runs replace', () => {
    for (const r of runs) {
      expect(r.records).toContainEqual(note(2, 0.2, 'case', 'case prop.x against iii-sdk (node)'));
      expect(r.records.filter((x) => (x as { event?: string }).event === 'listening')).toHaveLength(1);
    }
  });

  it('leaves a transcript without runs as it is', () => {
    const single = [header, frame(1, 1, 'engine', 'workerregistered'), note(2, 1.5, 'driver#1', 'command', { cmd: 'trigger', id: 'c1' })];
    expect(splitRuns(single)).toEqual([{ records: single }]);
  });
});

describe('replayRuns', () => {
  const scripts = splitRuns(property).map((r) => ({ ...(r.run !== undefined ? { run: r.run } : {}), script: scriptFromRecords(r.records) }));
  const report = (diverged: boolean): ReplayReport => ({
    role: 'engine',
    target: 't',
    sent: 1,
    compared: 2,
    extra: 0,
    ...(diverged
      ? {
          divergence: {
            kind: 'missing',
            step: { seq: 1, t: 0, conn: 'engine#1', path: '/', dir: 'worker->engine', frame: undefined },
            index: 0,
            message: 'nothing arrived',
          },
        }
      : {}),
  });

  it('plays every run when none diverges, adding up what was sent and compared', async () => {
    const played: (number | undefined)[] = [];
    const r = await replayRuns(scripts, async (_s: ReplayScript, run) => (played.push(run), report(false)));
    expect(played).toEqual([1, 2]);
    expect(r).toMatchObject({ sent: 2, compared: 4, runs: 2 });
    expect(r.divergence).toBeUndefined();
  });

  it('stops at the first run that diverges and names it', async () => {
    const played: (number | undefined)[] = [];
    const r = await replayRuns([...scripts].reverse(), async (_s, run) => (played.push(run), report(run === 2)));
    expect(played).toEqual([2]);
    expect(r.run).toBe(2);
    expect(r.divergence?.message).toBe('run 2 of 2: nothing arrived');
  });
});
