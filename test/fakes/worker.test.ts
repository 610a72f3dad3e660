// The fake worker's own API and its deliberate misbehaviour, observed from the fake engine.

import { describe, expect, it } from 'vitest';
import { InvocationError } from '../../harness/fake-worker/index.ts';
import { usePeers } from './helpers.ts';

const peers = usePeers();

describe('fake worker: faithful', () => {
  it('answers invocations with result, error code from InvocationError, invocation_failed with stack, function_not_found', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    await worker.registerFunction('w::ok', async (d) => ({ doubled: (d as number) * 2 }));
    await worker.registerFunction('w::coded', () => {
      throw new InvocationError('E_CUSTOM', 'custom failure', 'at here');
    });
    await worker.registerFunction('w::throws', () => {
      throw new Error('boom');
    });
    await worker.registerFunction('w::void', () => undefined);
    const conn = await engine.waitForConnection();
    await conn.waitFor({ type: 'registerfunction', id: 'w::void' });
    expect(await conn.invoke('w::ok', 21)).toMatchObject({ ok: true, result: { doubled: 42 } });
    expect(await conn.invoke('w::coded')).toMatchObject({ ok: false, error: { code: 'E_CUSTOM', message: 'custom failure', stacktrace: 'at here' } });
    const thrown = await conn.invoke('w::throws');
    expect(thrown).toMatchObject({ ok: false, error: { code: 'invocation_failed', message: 'boom' } });
    expect(thrown.ok ? '' : thrown.error.stacktrace).toMatch(/boom/);
    const v = await conn.invoke('w::void');
    expect(v.frame).not.toHaveProperty('result');
    expect(await conn.invoke('w::unknown')).toMatchObject({ ok: false, error: { code: 'function_not_found' } });
    await worker.registerWorker({ pid: 1 }); // its functions are routable once its namespace is fixed
    expect(await worker.trigger('w::ok', 2)).toMatchObject({ ok: true, result: { doubled: 4 } });
    // every frame the worker sent is valid at base level
    expect(conn.received.every((e) => e.verdict.base === 'valid')).toBe(true);
  });

  it("passes metadata separately and answers with the engine's invocation id", async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    let seen: unknown;
    await worker.registerFunction('w::meta', (_d, call) => {
      seen = call.metadata;
      return call.invocationId;
    });
    const conn = await engine.waitForConnection();
    await conn.waitFor({ type: 'registerfunction' });
    const id = 'A1B2C3D4-0000-4000-8000-000000000001';
    const out = await conn.invoke('w::meta', null, { invocationId: id, metadata: { m: 1 } });
    expect(out).toMatchObject({ ok: true, result: id });
    expect(seen).toEqual({ m: 1 });
  });

  it('exposes identity for reattach and times out invoke with a readable error', async () => {
    const engine = await peers.engine({ workerRegistered: 'hold' });
    const worker = await peers.worker(engine.url);
    expect(() => worker.identity).toThrow(/no workerregistered/);
    await (await engine.waitForConnection()).sendWorkerRegistered();
    await worker.registered();
    expect(worker.identity).toEqual({ workerId: worker.workerId, reattachToken: worker.reattachToken });
    engine.neverAnswer('x::y');
    await expect(worker.invoke('x::y', null, { timeoutMs: 60 })).rejects.toThrow(/worker conn 1 \(\/\): no invocationresult for x::y .* within 60 ms/);
  });
});

describe('fake worker: misbehaviour on purpose', () => {
  it('never answers, answers twice, answers with an unknown id, omits function_id', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    await worker.registerFunction('m::never', () => 1, { answer: 'never' });
    await worker.registerFunction('m::twice', () => 2, { answer: 'twice' });
    await worker.registerFunction('m::stranger', () => 3, { answer: 'unknown-id' });
    await worker.registerFunction('m::nofn', () => 4, { answer: 'omit-function-id' });
    const conn = await engine.waitForConnection();
    await conn.waitFor({ type: 'registerfunction', id: 'm::nofn' });
    await expect(conn.invoke('m::never', null, { timeoutMs: 50 })).rejects.toThrow(/within 50 ms/);
    const mark = conn.mark();
    expect(await conn.invoke('m::twice')).toMatchObject({ ok: true, result: 2 });
    await conn.waitFor({ type: 'invocationresult' }, { since: conn.all({ type: 'invocationresult' }, mark)[0]!.index + 1 });
    await expect(conn.invoke('m::stranger', null, { timeoutMs: 50 })).rejects.toThrow(/within 50 ms/);
    await expect(conn.invoke('m::nofn', null, { timeoutMs: 50 })).rejects.toThrow(/within 50 ms/);
    const invalid = conn.all((_f, e) => e.verdict.base === 'invalid');
    expect(invalid.map((e) => e.verdict.violations[0]?.path)).toEqual(['/function_id']);
    worker.setAnswerMode('m::twice', 'never');
    await expect(conn.invoke('m::twice', null, { timeoutMs: 50 })).rejects.toThrow(/within 50 ms/);
  });

  it('sends garbage and floods; the engine records every frame and keeps serving', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    await worker.sendRaw('not json at all');
    await worker.sendRaw(new Uint8Array([0xff, 0xfe, 0x00, 0x01]));
    await worker.send({ type: 'InvokeFunction', function_id: 'x', data: null });
    const written = await worker.flood(500, (i) => ({ type: 'ping', n: i }));
    expect(written).toBe(500);
    const conn = await engine.waitForConnection();
    await worker.waitFor((_f, e) => e.type === 'pong' && e.index >= 499);
    expect(conn.all({ type: 'ping' })).toHaveLength(500);
    const reasons = conn.all((_f, e) => e.verdict.base === 'invalid').map((e) => e.verdict.reason);
    expect(reasons).toEqual(['malformed-json', 'malformed-json', 'unknown-type']);
    expect((await worker.ping()).frame).toEqual({ type: 'pong' });
  });

  it('disconnects with a code, or terminates without one', async () => {
    const engine = await peers.engine();
    const a = await peers.worker(engine.url);
    const b = await peers.worker(engine.url);
    const ca = await engine.waitForConnection();
    const cb = await engine.waitForConnection();
    await a.disconnect(4500, 'going');
    expect(await ca.waitForClose()).toMatchObject({ code: 4500, reason: 'going' });
    b.terminate();
    expect((await cb.waitForClose()).code).toBe(1006);
  });
});
