// A frame the SDK sent as replay closed the connection under it: which side of the close it lands on is a race,
// in the recording and live alike. A registration or the worker-metadata call comes again in the next
// connection's burst, so a copy that raced the close stands for nothing recorded; a queued call is sent once, so
// the copy that raced the close is the one the recording has on the next connection. Each rule says yes to the
// SDK that behaves so and no to one that does not. The close may also have cut the recording's burst short: what
// it lacks there and has on the next connection is passed over live.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEngineReplay, type EngineReplayServer, type ReplayScript, type ReplayStep } from '../../harness/runner/replay.ts';

const reg = (id: string) => ({ type: 'registerfunction', id });
const META = { type: 'invokefunction', function_id: 'engine::workers::register', data: { runtime: 'node' } };
const CALL = { type: 'invokefunction', function_id: 'app::work', data: { n: 1 } };

type Frame = Record<string, unknown>;

/** Connection 1 carries `first`, then the engine closes it; connection 2 carries `second`. */
function script(first: Frame[], second: Frame[]): ReplayScript {
  let seq = 0;
  const frame = (conn: string, t: number, f: Frame): ReplayStep => ({ seq: ++seq, t, conn, path: '/', dir: 'worker->engine', frame: f });
  const steps: ReplayStep[] = [
    ...first.map((f, k) => frame('engine#1', k, f)),
    { seq: ++seq, t: 200, conn: 'engine#1', path: '/', dir: 'engine->worker', frame: undefined, close: { reason: '', terminate: true } },
    ...second.map((f, k) => frame('engine#2', 300 + k, f)),
  ];
  return {
    steps,
    connections: [
      { key: 'engine#1', path: '/' },
      { key: 'engine#2', path: '/' },
    ],
    driverCommands: [],
    driverStarts: [],
  };
}

let server: EngineReplayServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
  server = undefined;
});

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Plays the SDK: sends `first` on connection 1 and, a moment later and before the engine's close (replay holds
 * it to its recorded 200 ms), `raced`; once the engine closed it, sends `second` on connection 2.
 */
async function replay(recorded: ReplayScript, live: { first: Frame[]; raced: Frame[]; second: Frame[] }): Promise<string | undefined> {
  server = await startEngineReplay(recorded, { stepTimeoutMs: 1000 });
  const one = await open(server.url);
  const closed = new Promise((resolve) => one.once('close', resolve));
  for (const f of live.first) one.send(JSON.stringify(f));
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const f of live.raced) one.send(JSON.stringify(f));
  await closed;
  const two = await open(server.url);
  for (const f of live.second) two.send(JSON.stringify(f));
  const report = await server.report;
  return report.divergence?.message;
}

describe('replay of a connection closed under a frame the SDK was sending', () => {
  // The recording: f2 was registered as the engine dropped connection 1 and came in connection 2's burst.
  const registered = script([reg('f1'), META], [reg('f1'), reg('f2'), META]);

  it('matches an SDK whose registration raced the close and that replays it in the next burst', async () => {
    expect(await replay(registered, { first: [reg('f1'), META], raced: [reg('f2')], second: [reg('f1'), reg('f2'), META] })).toBeUndefined();
  });

  it('diverges at the registration when the SDK does not replay it after it raced the close', async () => {
    expect(await replay(registered, { first: [reg('f1'), META], raced: [reg('f2')], second: [reg('f1'), META] })).toMatch(/registerfunction/);
  });

  // The recording: the engine closed connection 1 as the SDK sent its burst, before the worker-metadata call;
  // f2 was registered just before, and sent after the burst.
  const cut = script([reg('f1'), reg('f2')], [reg('f1'), reg('f2'), META]);

  it('matches an SDK whose burst got in whole before the close that cut the recording short', async () => {
    expect(await replay(cut, { first: [reg('f1'), META], raced: [reg('f2')], second: [reg('f1'), reg('f2'), META] })).toBeUndefined();
  });

  it('diverges at a registration the recording never sends again, and at a second copy, on a connection it closes', async () => {
    expect(await replay(cut, { first: [reg('f1'), reg('f9')], raced: [reg('f2')], second: [reg('f1'), reg('f2'), META] })).toMatch(/registerfunction/);
    expect(await replay(registered, { first: [reg('f1'), META, reg('f1')], raced: [], second: [reg('f1'), reg('f2'), META] })).toMatch(
      /registerfunction on connection engine#1/,
    );
  });

  // The recording: a call made as the engine dropped connection 1 was queued and flushed on connection 2.
  const called = script([reg('f1'), META], [reg('f1'), CALL, META]);

  it('matches an SDK whose queued call raced the close and is not sent again', async () => {
    expect(await replay(called, { first: [reg('f1'), META], raced: [CALL], second: [reg('f1'), META] })).toBeUndefined();
  });

  it('diverges when a call that raced the close is sent again on the next connection', async () => {
    expect(await replay(called, { first: [reg('f1'), META], raced: [CALL], second: [reg('f1'), CALL, META] })).toMatch(/function_id/);
  });
});
