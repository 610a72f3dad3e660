// The fake engine, driven by the fake worker: faithful defaults first, then every scripting knob.

import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NO_ANSWER, WaitTimeoutError, ConnectionClosedError } from '../../harness/fake-engine/index.ts';
import { ConnectFailedError, FakeWorker } from '../../harness/fake-worker/index.ts';
import { usePeers } from './helpers.ts';

const peers = usePeers();

describe('fake engine: faithful defaults', () => {
  it('sends workerregistered {worker_id, reattach_token} first on every / connection', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    const first = await worker.next();
    expect(first.frame).toMatchObject({ type: 'workerregistered' });
    const conn = await engine.waitForConnection();
    expect(first.frame).toEqual({ type: 'workerregistered', worker_id: conn.workerId, reattach_token: conn.reattachToken });
    expect(first.verdict.base).toBe('valid');
    expect(engine.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers JSON ping with pong', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    const pong = await worker.ping();
    expect(pong.frame).toEqual({ type: 'pong' });
  });

  it('keeps registrations per connection and drops them on disconnect', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url, { headers: { 'x-test': 'yes' } });
    await worker.registerFunction('demo::a', () => 1, { description: 'A' });
    await worker.registerTriggerType({ id: 'tick', description: 'ticks' });
    await worker.registerTrigger({ id: 't1', trigger_type: 'tick', function_id: 'demo::a', config: {} });
    await worker.registerService({ id: 'demo' });
    const conn = await engine.waitForConnection();
    await conn.waitFor({ type: 'registerservice' });
    expect(conn.registrations).toEqual({ functions: ['demo::a'], triggers: ['t1'], triggerTypes: ['tick'], services: ['demo'] });
    expect(conn.headers['x-test']).toBe('yes');
    await worker.disconnect(4001, 'bye');
    const closed = await conn.waitForClose();
    expect(closed).toMatchObject({ code: 4001, reason: 'bye' });
    expect(conn.registrations.functions).toEqual([]);
    expect(engine.workers).toEqual([]);
  });

  it('answers engine::workers::register, engine::workers::list and engine::functions::list from what was registered', async () => {
    const engine = await peers.engine();
    const a = await peers.worker(engine.url);
    const b = await peers.worker(engine.url);
    await a.registerFunction('alpha::one', () => 1);
    await a.registerFunction('engine::hidden', () => 1);
    await b.registerFunction('beta::two', () => 2, { metadata: { internal: true } });
    expect(await a.registerWorker({ name: 'alpha', pid: 11, runtime: 'node' })).toMatchObject({ ok: true, result: { success: true } });
    await b.registerWorker({ name: 'beta', pid: 12 }, { awaitResult: false });
    const listed = await a.invoke('engine::workers::list', {});
    await engine.waitForFrame({ type: 'invokefunction', function_id: 'engine::workers::register', action: { type: 'void' } });
    const again = await a.invoke('engine::workers::list', {});
    expect(listed.ok && again.ok).toBe(true);
    const rows = (again.ok ? again.result : null) as { workers: Array<Record<string, unknown>> };
    // The engine lists its own in-process worker too (engine-protocol §5).
    expect(rows.workers.map((w) => w.name)).toEqual(['alpha', 'beta', 'iii-engine-functions']);
    expect(rows.workers[0]).toMatchObject({
      id: a.workerId,
      namespace: 'default',
      runtime: 'node',
      status: 'connected',
      function_count: 2,
      isolation: null,
      ip_address: '127.0.0.1',
    });
    expect(Object.keys(rows.workers[0]!).sort()).toEqual([
      'active_invocations',
      'connected_at_ms',
      'description',
      'function_count',
      'id',
      'ip_address',
      'isolation',
      'name',
      'namespace',
      'os',
      'runtime',
      'status',
      'version',
    ]);
    const fns = await b.invoke('engine::functions::list', {});
    expect(fns).toMatchObject({ ok: true, result: { functions: [{ function_id: 'alpha::one', namespace: 'default', worker_name: 'alpha' }] } });
    const all = await b.invoke('engine::functions::list', { include_internal: true });
    const ids = ((all.ok ? all.result : null) as { functions: Array<{ function_id: string }> }).functions.map((f) => f.function_id);
    expect(ids).toEqual(expect.arrayContaining(['alpha::one', 'beta::two', 'engine::hidden', 'engine::workers::list']));
    const bad = await a.invoke('engine::workers::register', 'not an object');
    expect(bad).toMatchObject({ ok: false, error: { code: 'deserialization_error' } });
    const blank = await a.invoke('engine::workers::register', { namespace: '  ' });
    expect(blank).toMatchObject({ ok: false, error: { code: 'INVALID_NAMESPACE' } });
  });

  it('refuses a second worker claiming the same name with WORKER_NAMESPACE_CONFLICT and closes it', async () => {
    const engine = await peers.engine();
    const a = await peers.worker(engine.url);
    const b = await peers.worker(engine.url);
    await a.registerWorker({ name: 'same', pid: 1 });
    void b.registerWorker({ name: 'same', pid: 2 }).catch(() => undefined);
    const rejected = await b.waitFor({ type: 'registrationrejected' });
    expect(rejected.frame).toMatchObject({ code: 'WORKER_NAMESPACE_CONFLICT', worker_name: 'same', owner_worker_id: a.workerId, namespace: 'default' });
    expect((await b.waitForClose()).code).toBe(1005);
  });

  it('refuses a function id another live worker owns with FUNCTION_NAMESPACE_CONFLICT and stays open', async () => {
    const engine = await peers.engine();
    const a = await peers.worker(engine.url);
    const b = await peers.worker(engine.url);
    await a.registered();
    await a.registerFunction('x::f', () => 'a');
    await a.registerWorker({ name: 'a', pid: 1 });
    await b.registerFunction('x::f', () => 'b');
    await b.registerWorker({ name: 'b', pid: 2 }, { awaitResult: false }); // the conflict is decided when b's namespace is fixed
    const rejected = await b.waitFor({ type: 'registrationrejected' });
    expect(rejected.frame).toEqual({
      type: 'registrationrejected',
      code: 'FUNCTION_NAMESPACE_CONFLICT',
      namespace: 'default',
      function_id: 'x::f',
      owner_worker_id: a.workerId,
    });
    expect(await b.invoke('x::f')).toMatchObject({ ok: true, result: 'a' });
  });

  it('routes calls between workers, adds _caller_worker_id, and stops them when the executor leaves', async () => {
    const engine = await peers.engine();
    const caller = await peers.worker(engine.url);
    const executor = await peers.worker(engine.url);
    await caller.registered();
    await executor.registerFunction('math::add', (d) => {
      const { a, b } = d as { a: number; b: number };
      return a + b;
    });
    await executor.registerFunction('slow::never', () => null, { answer: 'never' });
    // Registrations wait for the worker's namespace (engine::workers::register, or the 5 s grace), as in the engine.
    await executor.registerWorker({ pid: 2 });
    const sum = await caller.invoke('math::add', { a: 2, b: 3 });
    expect(sum).toMatchObject({ ok: true, result: 5 });
    const delivered = await executor.waitFor({ type: 'invokefunction', function_id: 'math::add' });
    expect(delivered.frame).toMatchObject({ data: { a: 2, b: 3, _caller_worker_id: caller.workerId } });
    const pending = caller.invoke('slow::never', {});
    await executor.waitFor({ type: 'invokefunction', function_id: 'slow::never' });
    executor.terminate();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'invocation_stopped', message: 'Invocation stopped' } });
    expect(await caller.invoke('math::add', { a: 1, b: 1 })).toMatchObject({
      ok: false,
      error: { code: 'function_not_found', message: 'Function math::add not found in namespace default.' },
    });
  });

  it('delivers trigger bindings to the provider and forwards its refusal to the registering worker', async () => {
    const engine = await peers.engine();
    const consumer = await peers.worker(engine.url);
    await consumer.registerTrigger({ id: 'early', trigger_type: 'hook', function_id: 'c::on', config: { a: 1 } });
    // Registrations wait for each worker's namespace (engine::workers::register, or the 5 s grace).
    await consumer.registerWorker({ name: 'consumer', pid: 1 });
    const provider = await peers.worker(engine.url);
    await provider.registerTriggerType(
      { id: 'hook', description: 'hooks' },
      {
        register: (t) => {
          if (t.id === 'bad') throw new Error('no thanks');
        },
      },
    );
    await provider.registerWorker({ name: 'provider', pid: 2 });
    const parked = await provider.waitFor({ type: 'registertrigger', id: 'early' });
    expect(parked.frame).toEqual({ type: 'registertrigger', id: 'early', trigger_type: 'hook', function_id: 'c::on', config: { a: 1 } });
    await consumer.registerTrigger({ id: 'bad', trigger_type: 'hook', function_id: 'c::on' });
    const refusal = await consumer.waitFor({ type: 'triggerregistrationresult', id: 'bad' });
    expect(refusal.frame).toMatchObject({ trigger_type: 'hook', function_id: 'c::on', error: { code: 'trigger_registration_failed', message: 'no thanks' } });
    await consumer.unregisterTrigger('early', 'hook');
    await provider.waitFor({ type: 'unregistertrigger', id: 'early', trigger_type: 'hook' });
    expect(provider.deliveredTriggers.has('early')).toBe(false);
  });

  it('honours reattach with the right token (retires the old connection) and ignores a wrong one', async () => {
    const engine = await peers.engine();
    const first = await peers.worker(engine.url);
    await first.registered();
    await first.registerFunction('r::f', () => 1);
    const oldConn = await engine.waitForConnection();
    await oldConn.waitFor({ type: 'registerfunction' });
    const wrong = await peers.worker(engine.url, { reattach: { workerId: first.identity.workerId, reattachToken: 'nope' } });
    await (await engine.waitForConnection()).waitFor({ type: 'reattach' });
    expect(oldConn.isOpen).toBe(true);
    await wrong.disconnect();
    const second = await peers.worker(engine.url, { reattach: first.identity });
    await second.registered();
    await first.waitForClose();
    await second.registerWorker({ pid: 2 });
    expect(oldConn.retiredBy).toBe(3);
    await second.registerFunction('r::f', () => 2);
    expect(await second.invoke('r::f')).toMatchObject({ ok: true, result: 2 });
  });
});

describe('fake engine: scripting', () => {
  it('holds workerregistered until released, or delays it', async () => {
    const engine = await peers.engine({ workerRegistered: 'hold' });
    const worker = await peers.worker(engine.url);
    await worker.expectSilence({ type: 'workerregistered' }, 100);
    const conn = await engine.waitForConnection();
    await conn.sendWorkerRegistered();
    expect((await worker.registered()).workerId).toBe(conn.workerId);
    engine.setWorkerRegistered({ delayMs: 150 });
    const late = await peers.worker(engine.url);
    const lateConn = await engine.waitForConnection();
    const arrived = await late.waitFor({ type: 'workerregistered' });
    expect(arrived.at - lateConn.openedAt).toBeGreaterThanOrEqual(140);
  });

  it('omits reattach_token when configured like an engine older than 0.21.8', async () => {
    const engine = await peers.engine({ reattachToken: false });
    const worker = await peers.worker(engine.url);
    expect((await worker.next()).frame).toEqual({ type: 'workerregistered', worker_id: expect.any(String) });
  });

  it('answers scripted functions with a value, an error code, after a delay, or never', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    engine.answer('remote::value', { result: { v: 1 } });
    engine.answer('remote::missing', { error: { code: 'function_not_found', message: 'Function remote::missing not found' } });
    engine.answer(/^remote::echo/, (call) => ({ result: call.data, delayMs: 30 }));
    engine.answer('remote::once', { result: 'first' }, { times: 1 });
    engine.neverAnswer('remote::silent');
    expect(await worker.invoke('remote::value')).toMatchObject({ ok: true, result: { v: 1 } });
    expect(await worker.invoke('remote::missing')).toMatchObject({ ok: false, error: { code: 'function_not_found' } });
    const echoed = await worker.invoke('remote::echo', [1, 2]);
    expect(echoed).toMatchObject({ ok: true, result: [1, 2] });
    expect(echoed.elapsedMs).toBeGreaterThanOrEqual(25);
    expect(await worker.invoke('remote::once')).toMatchObject({ ok: true, result: 'first' });
    expect(await worker.invoke('remote::once')).toMatchObject({ ok: false, error: { code: 'function_not_found' } });
    const silent = worker.invoke('remote::silent', null, { timeoutMs: 100 });
    await expect(silent).rejects.toBeInstanceOf(WaitTimeoutError);
    engine.answer('remote::async', async (call) => ({ result: { echoed: call.data } }));
    expect(await worker.invoke('remote::async', 5)).toMatchObject({ ok: true, result: { echoed: 5 } });
    engine.answer('remote::never-symbol', NO_ANSWER);
    await expect(worker.invoke('remote::never-symbol', null, { timeoutMs: 50 })).rejects.toThrow(/no invocationresult for remote::never-symbol/);
  });

  it('sends no result for void calls and calls without an id', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    let calls = 0;
    engine.answer('v::f', () => {
      calls += 1;
      return { result: 1 };
    });
    await worker.fire('v::f', {});
    await worker.send({ type: 'invokefunction', function_id: 'v::f', data: null });
    await worker.send({
      type: 'invokefunction',
      invocation_id: '0d7b4c1a-9a55-4b1f-8c8e-4d102b1f6c8e',
      function_id: 'v::f',
      data: null,
      action: { type: 'void' },
    });
    await worker.expectSilence({ type: 'invocationresult' }, 100);
    expect(calls).toBe(3);
  });

  it('invokes a worker function and explains a missed deadline with what arrived instead', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    await worker.registerFunction('w::ok', (d) => ({ got: d }));
    await worker.registerFunction('w::mute', () => 1, { answer: 'never' });
    const conn = await engine.waitForConnection();
    expect(await conn.invoke('w::ok', 7)).toMatchObject({ ok: true, result: { got: 7 } });
    const error = await conn.invoke('w::mute', null, { timeoutMs: 80 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(String((error as Error).message)).toMatch(/no invocationresult for w::mute .* within 80 ms; (arrived instead|nothing arrived)/);
    const waitError = await conn.waitFor({ type: 'registertrigger' }, { timeoutMs: 50 }).catch((e: unknown) => e as Error);
    expect((waitError as Error).message).toMatch(/no \{type:"registertrigger"\} within 50 ms; arrived instead: #0 registerfunction/);
    // A flood that buries the awaited frame is named by its size, not only by its last frames.
    const from = conn.mark();
    const flooded = conn.invoke('w::mute', null, { timeoutMs: 300 }).catch((e: Error) => e);
    for (let i = 0; i < 30; i++) await worker.send({ type: 'ping' });
    expect(String(await flooded)).toMatch(/within 300 ms; arrived instead \(3\d frames; the last 12\): #\d+ /);
    expect(String(await conn.waitFor({ type: 'registertrigger' }, { timeoutMs: 50, since: from }).catch((e: Error) => e))).toMatch(
      /arrived instead \(3\d frames; the last 12\)/,
    );
  });

  it('rejects waits at once when the connection closes, with the close code', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    const conn = await engine.waitForConnection();
    const waiting = conn.waitFor({ type: 'registerfunction' }, { timeoutMs: 5000 });
    conn.close(4002, 'scripted');
    const e = await waiting.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionClosedError);
    expect(await worker.waitForClose()).toMatchObject({ code: 4002, reason: 'scripted' });
  });

  it('answers WebSocket pings unless autoPong is off, and goes half-open with pauseReading', async () => {
    const pongs = (w: { transcript: { records: readonly { kind: string; event?: string; peer?: string }[] } }): number =>
      w.transcript.records.filter((r) => r.kind === 'event' && r.event === 'ws-pong' && r.peer === 'worker').length;
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url, { transcript: engine.transcript });
    worker.wsPing('x');
    await worker.ping();
    expect(pongs(worker)).toBe(1);
    const conn = await engine.waitForConnection();
    conn.pauseReading();
    const before = worker.mark();
    await worker.send({ type: 'ping' });
    await worker.expectSilence({ type: 'pong' }, 100, before);
    conn.resumeReading();
    await worker.waitFor({ type: 'pong' }, { since: before });
    const mute = await peers.engine({ autoPong: false });
    const w2 = await peers.worker(mute.url, { transcript: mute.transcript });
    w2.wsPing('y');
    await w2.ping();
    expect(pongs(w2)).toBe(0);
  });

  it('terminates a connection without a close frame (the worker sees 1006)', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    (await engine.waitForConnection()).terminate();
    expect((await worker.waitForClose()).code).toBe(1006);
  });

  it('sends raw text, invalid JSON, binary and oversized frames and records them as such', async () => {
    const engine = await peers.engine({ maxPayload: 1024 * 1024 });
    const worker = await peers.worker(engine.url, { maxPayload: 64 * 1024 });
    const conn = await engine.waitForConnection();
    await conn.sendRaw('{"type":"pong"');
    await conn.sendRaw(Buffer.from(JSON.stringify({ type: 'ping' })));
    await worker.waitFor({ type: 'ping' });
    const broken = worker.all((_f, e) => e.verdict.reason === 'malformed-json');
    expect(broken).toHaveLength(1);
    expect(broken[0]!.record).toMatchObject({ encoding: 'text', text: '{"type":"pong"', origin: 'peer' });
    const waiting = worker.waitFor({ type: 'never-sent' }, { timeoutMs: 10_000 }).catch((e: Error) => e);
    const calling = worker.invoke('conf::unanswered', null, { timeoutMs: 10_000 }).catch((e: Error) => e);
    await conn.sendRaw('x'.repeat(100 * 1024));
    expect((await conn.waitForClose()).code).toBe(1009); // the worker's maxPayload refused it
    // The wait it broke names the cap, not only the close.
    expect(String(await calling)).toMatch(
      /before the result of conf::unanswered .* arrived; the engine sent a frame larger than this connection takes \(64 KiB/,
    );
    await expect(worker.invoke('conf::after-close')).rejects.toThrow(/is closed; cannot invoke conf::after-close; the engine sent a frame larger/);
    expect(String(await waiting)).toMatch(
      /closed \(\d+\) before .*; the engine sent a frame larger than this connection takes \(64 KiB, ws maxPayload\): refused with 1009, unread$/,
    );
    const sent = engine.transcript.records.filter((r) => r.kind === 'frame' && r.dir === 'engine->worker' && r.origin === 'raw');
    expect(sent.at(-1)).toMatchObject({ length: 100 * 1024, truncated: true, verdict: { base: 'invalid', reason: 'malformed-json' } });
    expect(
      worker.transcript.records.some((r) => r.kind === 'event' && r.event === 'error' && /larger than this connection takes \(64 KiB/.test(r.message ?? '')),
    ).toBe(true);
  });

  it("refuses a worker's frame over the engine's own message limit (64 MiB) unread, as the engine would, and names the limit", async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    const conn = await engine.waitForConnection();
    await worker.sendRaw('x'.repeat(64 * 1024 * 1024 + 1));
    expect((await worker.waitForClose()).code).toBe(1009);
    expect(conn.closedBecause).toBe("the worker sent a frame larger than the engine's message limit (64 MiB, ws maxPayload): refused with 1009, unread");
  });

  it('records /otel telemetry frames and never treats that socket as a worker', async () => {
    const engine = await peers.engine();
    const otel = await peers.worker(engine.url, { path: '/otel' });
    await otel.sendRaw(Buffer.concat([Buffer.from('OTLP'), Buffer.from(JSON.stringify({ resourceSpans: [] }))]));
    await otel.sendRaw(Buffer.concat([Buffer.from('MTRC'), Buffer.from('not json')]));
    const conn = await engine.waitForConnection({ path: '/otel' });
    const spans = await conn.waitFor((_f, e) => e.telemetry?.prefix === 'OTLP');
    expect(spans.telemetry).toEqual({ prefix: 'OTLP', body: { resourceSpans: [] } });
    const metrics = await conn.waitFor((_f, e) => e.telemetry?.prefix === 'MTRC');
    expect(metrics.telemetry?.error).toBeTruthy();
    expect(engine.workers).toEqual([]);
    await otel.expectSilence(() => true, 50);
  });
});

describe('fake engine: handshake and listener control', () => {
  it('rejects the next N upgrades with a status, then accepts; every attempt is logged with a monotonic stamp', async () => {
    const engine = await peers.engine();
    engine.rejectNextUpgrades(2, 503);
    const e1 = await FakeWorker.connect(engine.url, { transcript: engine.transcript }).catch((e: unknown) => e);
    const e2 = await FakeWorker.connect(engine.url, { transcript: engine.transcript }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ConnectFailedError);
    expect((e2 as ConnectFailedError).status).toBe(503);
    await peers.worker(engine.url);
    const attempts = await engine.waitForUpgrades(3);
    expect(attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['rejected', 503],
      ['rejected', 503],
      ['accepted', undefined],
    ]);
    expect(attempts[0]!.at).toBeLessThan(attempts[1]!.at);
    expect(attempts[1]!.at).toBeLessThan(attempts[2]!.at);
    expect(attempts[0]!.tcpAt).toBeLessThanOrEqual(attempts[0]!.at);
    const upgradeEvents = engine.transcript.records.filter((r) => r.kind === 'event' && r.event === 'upgrade');
    expect(upgradeEvents).toHaveLength(3);
  });

  it('accepts then closes at once (close code or terminate), without workerregistered', async () => {
    const engine = await peers.engine();
    engine.acceptThenClose(1, { code: 1012, reason: 'restart' });
    engine.acceptThenClose(1, { terminate: true });
    const a = await peers.worker(engine.url);
    expect(await a.waitForClose()).toMatchObject({ code: 1012, reason: 'restart' });
    const b = await peers.worker(engine.url);
    expect((await b.waitForClose()).code).toBe(1006);
    expect(a.received).toEqual([]);
    const c = await peers.worker(engine.url);
    await c.registered();
    expect(engine.upgrades.map((u) => u.outcome)).toEqual(['accepted-then-closed', 'accepted-then-closed', 'accepted']);
    expect((await engine.waitForConnection()).conn).toBe(3);
  });

  it('a waiting waitForConnection gets a silent connection, and never one accepted only to be closed', async () => {
    const engine = await peers.engine({ workerRegistered: 'hold' });
    engine.acceptThenClose(1, { code: 1008 });
    const waiting = engine.waitForConnection({ timeoutMs: 3000 });
    const refused = await peers.worker(engine.url);
    await refused.waitForClose();
    await peers.worker(engine.url); // says nothing, gets nothing (workerregistered held)
    const conn = await waiting;
    expect(conn.conn).toBe(2);
    expect(engine.upgrades.map((u) => u.outcome)).toEqual(['accepted-then-closed', 'accepted']);
  });

  it('answers 404 on unknown paths', async () => {
    const engine = await peers.engine();
    const e = await FakeWorker.connect(engine.url, { path: '/nope', transcript: engine.transcript }).catch((x: unknown) => x);
    expect((e as ConnectFailedError).status).toBe(404);
    expect(engine.upgrades[0]).toMatchObject({ path: '/nope', outcome: 'not-found', status: 404 });
  });

  it('stops listening (connections refused) and resumes on the same port', async () => {
    const engine = await peers.engine();
    const port = engine.port;
    const worker = await peers.worker(engine.url);
    await engine.stopListening({ dropConnections: 'terminate' });
    expect((await worker.waitForClose()).code).toBe(1006);
    const refused = await new Promise<string>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
    const down = await FakeWorker.connect(engine.url, { transcript: engine.transcript }).catch((e: unknown) => e);
    expect((down as ConnectFailedError).errorCode).toBe('ECONNREFUSED');
    await engine.resumeListening();
    expect(engine.port).toBe(port);
    const again = await peers.worker(engine.url);
    await again.registered();
    expect(engine.listenerDowntime).toHaveLength(1);
    expect(engine.listenerDowntime[0]!.upAt).toBeGreaterThan(engine.listenerDowntime[0]!.downAt);
    const kinds = engine.transcript.records.filter((r) => r.kind === 'event').map((r) => (r.kind === 'event' ? r.event : ''));
    expect(kinds).toEqual(expect.arrayContaining(['listening', 'listener-down', 'listener-up', 'connect-failed']));
  });

  it('closes every socket and timer on close(), also with connections mid-handshake', async () => {
    const engine = await peers.engine({ workerRegistered: { delayMs: 10_000 } });
    await peers.worker(engine.url);
    const raw = createConnection({ host: '127.0.0.1', port: engine.port });
    raw.on('error', () => {});
    await new Promise((r) => raw.on('connect', r));
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n'); // never finishes its headers
    await engine.close();
    expect(engine.pendingTimers).toBe(0);
    await new Promise((r) => raw.on('close', r));
  });
});
