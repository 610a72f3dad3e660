// Every fault action, applied by the engine and by the worker, on send and on receipt; the schedule is
// plain JSON, checked on load and written into the transcript.

import { describe, expect, it } from 'vitest';
import { FaultInjector, FaultScheduleError, parseFaultSchedule, schedulesInTranscript } from '../../harness/faults/index.ts';
import { parseTranscript } from '../../harness/transcript/index.ts';
import { FakeWorker } from '../../harness/fake-worker/index.ts';
import type { FaultRecord, FrameRecord } from '../../harness/transcript/index.ts';
import { usePeers } from './helpers.ts';

const peers = usePeers();

const frames = (records: readonly unknown[]): FrameRecord[] => (records as FrameRecord[]).filter((r) => r.kind === 'frame');
const faultRecords = (records: readonly unknown[]): FaultRecord[] => (records as FaultRecord[]).filter((r) => r.kind === 'fault');

describe('fault schedule: plain JSON data', () => {
  it('accepts an array or {rules}, action shorthands, and normalises them', () => {
    const s = parseFaultSchedule([{ direction: 'engine->worker', type: 'invokefunction', nth: 2, action: 'drop' }]);
    expect(s).toEqual({ rules: [{ direction: 'engine->worker', type: 'invokefunction', nth: 2, action: { kind: 'drop' } }] });
    const t = parseFaultSchedule({
      name: 'x',
      rules: [{ direction: 'worker->engine', type: '*', nth: 1, count: 3, connection: 2, path: '/', at: 'receiver', action: { kind: 'delay', ms: 5 } }],
    });
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it.each([
    [{ rules: [{ direction: 'up', type: 'x', nth: 1, action: 'drop' }] }, /direction/],
    [[{ direction: 'engine->worker', type: 'x', nth: 0, action: 'drop' }], /nth must be an integer >= 1/],
    [[{ direction: 'engine->worker', type: 'x', nth: 1, action: 'explode' }], /unknown fault "explode"/],
    [[{ direction: 'engine->worker', type: 'x', nth: 1, action: { kind: 'delay' } }], /ms must be a number/],
    [[{ direction: 'engine->worker', type: 'x', nth: 1, action: { kind: 'close', code: 1006 } }], /cannot be sent/],
    [[{ direction: 'engine->worker', type: 'x', nth: 1, at: 'receiver', action: 'split' }], /only be applied by the sender/],
    ['nope', /array of rules/],
  ])('refuses %j', (input, message) => {
    expect(() => parseFaultSchedule(input)).toThrow(FaultScheduleError);
    expect(() => parseFaultSchedule(input)).toThrow(message);
  });

  it('counts per rule and fires on nth .. nth+count-1, first rule wins', () => {
    const inj = new FaultInjector(
      parseFaultSchedule([
        { direction: 'engine->worker', type: 'ping', nth: 2, count: 2, action: 'drop' },
        { direction: 'engine->worker', type: '*', nth: 2, action: 'duplicate' },
      ]),
    );
    const site = { dir: 'engine->worker' as const, type: 'ping', connection: 1, path: '/', side: 'sender' as const };
    const fired = [1, 2, 3, 4].map(() => inj.decide(site)?.action.kind);
    expect(fired).toEqual([undefined, 'drop', 'drop', undefined]);
  });
});

/** A worker with one echo function, an engine with `schedule`; returns both plus the engine's connection. */
async function echoPair(engineFaults?: unknown, workerFaults?: unknown) {
  const engine = await peers.engine(engineFaults === undefined ? {} : { faults: engineFaults });
  const worker = await peers.worker(engine.url, { transcript: engine.transcript, ...(workerFaults === undefined ? {} : { faults: workerFaults }) });
  await worker.registerFunction('f::echo', (d) => d);
  const conn = await engine.waitForConnection();
  await conn.waitFor({ type: 'registerfunction' });
  return { engine, worker, conn };
}

describe('faults applied by the engine', () => {
  it('records the schedule at start, and drop (sender) loses the nth invokefunction', async () => {
    const schedule = { name: 'drop 2nd call', rules: [{ direction: 'engine->worker', type: 'invokefunction', nth: 2, action: 'drop' }] };
    const { engine, conn, worker } = await echoPair(schedule);
    expect(engine.transcript.records[1]).toMatchObject({ kind: 'faults', peer: 'engine', schedule: parseFaultSchedule(schedule) });
    expect(await conn.invoke('f::echo', 1)).toMatchObject({ ok: true, result: 1 });
    await expect(conn.invoke('f::echo', 2, { timeoutMs: 100 })).rejects.toThrow(/within 100 ms/);
    expect(await conn.invoke('f::echo', 3)).toMatchObject({ ok: true, result: 3 });
    expect(worker.all({ type: 'invokefunction' }).map((e) => (e.frame as { data: unknown }).data)).toEqual([1, 3]);
    const dropped = frames(engine.transcript.records).filter((r) => r.delivered === false);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ fault: { rule: 0, action: 'drop' }, frame: { data: 2 } });
    expect(faultRecords(engine.transcript.records)).toMatchObject([{ rule: 0, type: 'invokefunction', nth: 2, action: { kind: 'drop' } }]);
  });

  it('gives the schedule back from a transcript file, for an exact replay', async () => {
    const schedule = { name: 'replay me', rules: [{ direction: 'engine->worker', type: 'ping', nth: 3, action: { kind: 'delay', ms: 7 } }] };
    const { engine } = await echoPair(schedule);
    const again = schedulesInTranscript(parseTranscript(engine.transcript.toJsonLines()));
    expect(again).toEqual([{ peer: 'engine', schedule: parseFaultSchedule(schedule) }]);
  });

  it('drop on receipt: the nth invocationresult never reaches the engine logic', async () => {
    const { conn } = await echoPair([{ direction: 'worker->engine', type: 'invocationresult', nth: 1, action: 'drop' }]);
    await expect(conn.invoke('f::echo', 1, { timeoutMs: 100 })).rejects.toThrow(/no invocationresult/);
    expect(conn.all({ type: 'invocationresult' })).toEqual([]);
    expect(await conn.invoke('f::echo', 2)).toMatchObject({ ok: true, result: 2 });
  });

  it('delay holds only that frame; a later one overtakes it', async () => {
    const { conn, worker } = await echoPair([{ direction: 'engine->worker', type: 'invokefunction', nth: 1, action: { kind: 'delay', ms: 120 } }]);
    const slow = conn.invoke('f::echo', 'slow');
    const fast = await conn.invoke('f::echo', 'fast');
    expect(fast.ok).toBe(true);
    const late = await slow;
    expect(late.elapsedMs).toBeGreaterThanOrEqual(110);
    expect(worker.all({ type: 'invokefunction' }).map((e) => (e.frame as { data: unknown }).data)).toEqual(['fast', 'slow']);
  });

  it('duplicate sends the frame twice (the worker answers both)', async () => {
    const { conn, worker } = await echoPair([{ direction: 'engine->worker', type: 'invokefunction', nth: 1, action: 'duplicate' }]);
    await conn.invoke('f::echo', 'x');
    await worker.waitFor({ type: 'invokefunction' }, { since: 1 });
    expect(worker.all({ type: 'invokefunction' })).toHaveLength(2);
    await conn.waitFor({ type: 'invocationresult' }, { since: conn.all({ type: 'invocationresult' })[0]!.index + 1 });
  });

  it('reorder swaps the frame with the next one in the same direction', async () => {
    const { conn, worker } = await echoPair([{ direction: 'engine->worker', type: 'invokefunction', nth: 1, action: 'reorder' }]);
    const a = conn.invoke('f::echo', 'a');
    const b = conn.invoke('f::echo', 'b');
    await Promise.all([a, b]);
    expect(worker.all({ type: 'invokefunction' }).map((e) => (e.frame as { data: unknown }).data)).toEqual(['b', 'a']);
  });

  it('reorder with nothing following releases the frame after holdMs', async () => {
    const { conn } = await echoPair([{ direction: 'engine->worker', type: 'invokefunction', nth: 1, action: { kind: 'reorder', holdMs: 60 } }]);
    const out = await conn.invoke('f::echo', 'alone');
    expect(out.elapsedMs).toBeGreaterThanOrEqual(50);
  });

  it('close after the nth frame of a type, with code and reason', async () => {
    const { conn, worker } = await echoPair([
      { direction: 'engine->worker', type: 'invokefunction', nth: 1, action: { kind: 'close', code: 4000, reason: 'after call' } },
    ]);
    // The worker may still answer during the closing handshake; either way the call is the last one.
    await conn.invoke('f::echo', 1).catch(() => undefined);
    expect(worker.all({ type: 'invokefunction' })).toHaveLength(1);
    await expect(conn.invoke('f::echo', 2)).rejects.toThrow(/closed/);
    expect(await worker.waitForClose()).toMatchObject({ code: 4000, reason: 'after call' });
  });

  it('terminate after the nth received frame of a type (no close frame)', async () => {
    const engine = await peers.engine({ faults: [{ direction: 'worker->engine', type: 'registerfunction', nth: 2, action: 'terminate' }] });
    const worker = await peers.worker(engine.url);
    await worker.registerFunction('a', () => 1);
    await worker.registerFunction('b', () => 1);
    expect((await worker.waitForClose()).code).toBe(1006);
    const conn = await engine.waitForConnection();
    expect(conn.all({ type: 'registerfunction' })).toHaveLength(2);
  });

  it('split writes one frame in several TCP writes and the peer reassembles it', async () => {
    const { conn, engine } = await echoPair([
      { direction: 'engine->worker', type: 'invokefunction', nth: 1, action: { kind: 'split', parts: 5, delayMs: 10 } },
    ]);
    const big = 'y'.repeat(2000);
    const out = await conn.invoke('f::echo', big);
    expect(out).toMatchObject({ ok: true, result: big });
    expect(out.elapsedMs).toBeGreaterThanOrEqual(35);
    // a frame sent while the split is in progress waits behind it, so bytes never interleave
    const [x, y] = await Promise.all([conn.invoke('f::echo', 'x'), conn.invoke('f::echo', 'y')]);
    expect([x.ok, y.ok]).toEqual([true, true]);
    expect(faultRecords(engine.transcript.records)[0]).toMatchObject({ action: { kind: 'split', parts: 5, delayMs: 10 } });
  });

  it('restricts a rule to a connection index and survives reconnects with per-peer counting', async () => {
    const engine = await peers.engine({ faults: [{ direction: 'engine->worker', type: 'workerregistered', nth: 1, connection: 2, action: 'drop' }] });
    const w1 = await peers.worker(engine.url);
    await w1.registered();
    const w2 = await peers.worker(engine.url);
    await w2.expectSilence({ type: 'workerregistered' }, 80);
    const w3 = await peers.worker(engine.url);
    await w3.registered();
  });
});

describe('faults applied by the worker', () => {
  it('drop, duplicate and close on the worker side, keyed to its own sends and receipts', async () => {
    const { worker, conn } = await echoPair(undefined, [
      { direction: 'worker->engine', type: 'invocationresult', nth: 1, action: 'duplicate' },
      { direction: 'engine->worker', type: 'invokefunction', nth: 2, action: 'drop' },
      { direction: 'worker->engine', type: 'ping', nth: 1, action: { kind: 'close', code: 4100, reason: 'after ping' } },
    ]);
    expect(await conn.invoke('f::echo', 1)).toMatchObject({ ok: true, result: 1 });
    await conn.waitFor({ type: 'invocationresult' }, { since: conn.all({ type: 'invocationresult' })[0]!.index + 1 });
    await expect(conn.invoke('f::echo', 2, { timeoutMs: 100 })).rejects.toThrow(/no invocationresult/);
    await worker.send({ type: 'ping' });
    expect(await conn.waitForClose()).toMatchObject({ code: 4100, reason: 'after ping' });
    const workerSchedule = worker.transcript.records.filter((r) => r.kind === 'faults' && r.peer === 'worker');
    expect(workerSchedule).toHaveLength(1);
  });

  it('split on the client side masks the frame correctly', async () => {
    const engine = await peers.engine();
    const worker = await FakeWorker.connect(engine.url, {
      faults: [{ direction: 'worker->engine', type: 'registerfunction', nth: 1, action: { kind: 'split', parts: 3, delayMs: 5 } }],
    });
    try {
      await worker.registerFunction('s::f', () => 'split ok', { description: 'd'.repeat(300) });
      const conn = await engine.waitForConnection();
      const got = await conn.waitFor({ type: 'registerfunction' });
      expect(got.frame).toMatchObject({ id: 's::f', description: 'd'.repeat(300) });
      expect(await conn.invoke('s::f')).toMatchObject({ ok: true, result: 'split ok' });
    } finally {
      worker.terminate();
    }
  });

  it('a shared FaultInjector keeps counting across a worker reconnect', async () => {
    const engine = await peers.engine();
    const injector = new FaultInjector(parseFaultSchedule([{ direction: 'worker->engine', type: 'registerfunction', nth: 2, action: 'drop' }]));
    const a = await peers.worker(engine.url, { faults: injector });
    await a.registerFunction('one', () => 1);
    await a.disconnect();
    const b = await peers.worker(engine.url, { faults: injector });
    await b.registerFunction('two', () => 2);
    await b.registerFunction('three', () => 3);
    await engine.waitForFrame({ type: 'registerfunction', id: 'three' });
    expect(engine.connections[1]!.registrations.functions).toEqual(['three']);
  });
});
