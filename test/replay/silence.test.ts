// A fake engine that stops reading a connection (a half-open link, sdk.heartbeat.idle-timeout-reconnects)
// notes it; replay turns the note into a step and goes silent at the same point: the live SDK's WebSocket
// pings are answered before it and never after.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { scriptFromRecords, startEngineReplay, type EngineReplayServer } from '../../harness/runner/replay.ts';
import { READING_PAUSED_NOTE } from '../../harness/transcript/records.ts';
import { frameTypeOf } from '../../harness/wire/index.ts';

const header = { kind: 'header', t: 0, seq: 0, format: 'iii-transcript', version: 1 };
const upgrade = { kind: 'event', seq: 1, t: 1, peer: 'engine', event: 'upgrade', attempt: 1, path: '/', url: '/', headers: {}, outcome: 'accepted', conn: 1 };
const registered = {
  kind: 'frame',
  seq: 2,
  t: 2,
  peer: 'engine',
  conn: 1,
  path: '/',
  dir: 'engine->worker',
  encoding: 'text',
  frame: { type: 'workerregistered', worker_id: 'w1' },
};
const silence = { kind: 'note', seq: 3, t: 3, source: 'engine', level: 'debug', text: READING_PAUSED_NOTE, data: { conn: 1, path: '/' } };
const end = { kind: 'note', seq: 4, t: 400, source: 'case', level: 'info', text: 'case body ended' };

let server: EngineReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Connects as the SDK would, waits for workerregistered, then pings: true when the pong comes within 300 ms. */
async function pongAfterRegistered(records: unknown[]): Promise<boolean> {
  server = await startEngineReplay(scriptFromRecords(records), { stepTimeoutMs: 1000 });
  const ws = new WebSocket(server.url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the silence step follows the frame
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      ws.once('pong', () => {
        clearTimeout(timer);
        resolve(true);
      });
      ws.ping();
    });
  } finally {
    ws.terminate();
  }
}

describe('replaying a half-open link', () => {
  it('reads the silence note as a step on the engine side', () => {
    const script = scriptFromRecords([header, upgrade, registered, silence, end]);
    expect(script.steps.map((s) => (s.reading ? `reading ${s.reading}` : frameTypeOf(s.frame)))).toEqual(['workerregistered', 'reading paused']);
    expect(script.steps[1]).toMatchObject({ conn: 'engine#1', dir: 'engine->worker' });
  });

  it('answers pings before the recorded silence and none after it', async () => {
    expect(await pongAfterRegistered([header, upgrade, registered, end])).toBe(true);
    expect(await pongAfterRegistered([header, upgrade, registered, silence, end])).toBe(false);
  });
});
