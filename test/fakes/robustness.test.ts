// Neither peer can be crashed from the other side: fast-check throws arbitrary bytes, arbitrary JSON and
// schema-violating frames at each one; the peer records every frame with its verdict, keeps serving (a
// valid invocation afterwards still gets its result), and leaves no socket, timer or rejection behind.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameRecord } from '../../harness/transcript/index.ts';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { FakeWorker } from '../../harness/fake-worker/index.ts';
import { describeHostile, hostileFrame, type HostileFrame } from './arbitraries.ts';
import { assertNoHarnessErrors, usePeers } from './helpers.ts';

const peers = usePeers();
const RUNS = Number(process.env.FAKES_PROPERTY_RUNS ?? 20);

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function send(target: { sendRaw(data: string | Uint8Array, o?: { binary?: boolean }): Promise<boolean> }, f: HostileFrame): Promise<boolean> {
  return f.kind === 'text' ? target.sendRaw(f.text) : target.sendRaw(f.bytes, { binary: true });
}

const receivedFrames = (records: readonly unknown[], peer: string): FrameRecord[] =>
  (records as FrameRecord[]).filter((r) => r.kind === 'frame' && r.peer === peer && r.origin === 'peer');

describe('robustness under hostile input', () => {
  it('the fake engine records garbage as violations and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileFrame, { minLength: 1, maxLength: 25 }), async (garbage) => {
        const engine = await FakeEngine.start();
        const worker = await FakeWorker.connect(engine.url, { transcript: engine.transcript });
        try {
          await worker.registerFunction('safe::echo', (d) => d);
          await worker.registerWorker({ pid: 1 }); // fixes its namespace: the function is routable from here
          for (const f of garbage) await send(worker, f);
          // the engine still executes, answers and routes after all of it
          expect(await worker.ping()).toMatchObject({ frame: { type: 'pong' } });
          expect(await worker.invoke('safe::echo', { ok: 1 })).toMatchObject({ ok: true, result: { ok: 1 } });
          const conn = await engine.waitForConnection();
          expect(await conn.invoke('safe::echo', 'back')).toMatchObject({ ok: true, result: 'back' });
          const got = receivedFrames(engine.transcript.records, 'engine');
          // every hostile frame was recorded (plus the four legitimate ones), each with a verdict
          expect(got.length).toBeGreaterThanOrEqual(garbage.length + 4);
          for (const r of got) expect(['valid', 'invalid', 'telemetry']).toContain(r.verdict.base);
          for (const r of got.filter((x) => x.verdict.base === 'invalid')) expect(r.verdict.violations.length).toBeGreaterThan(0);
          assertNoHarnessErrors(engine.transcript.records);
        } finally {
          worker.terminate();
          await engine.close();
        }
        expect(engine.pendingTimers).toBe(0);
      }),
      { numRuns: RUNS, examples: [[[{ kind: 'text', text: '{' }]]], verbose: 1, interruptAfterTimeLimit: 20_000 },
    );
  });

  it('the fake worker records garbage as violations and keeps answering', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileFrame, { minLength: 1, maxLength: 25 }), async (garbage) => {
        const engine = await FakeEngine.start();
        const worker = await FakeWorker.connect(engine.url, { transcript: engine.transcript });
        try {
          await worker.registerFunction('safe::echo', (d) => d);
          const conn = await engine.waitForConnection();
          await conn.waitFor({ type: 'registerfunction' });
          for (const f of garbage) await send(conn, f);
          expect(await conn.invoke('safe::echo', [1, 'two'])).toMatchObject({ ok: true, result: [1, 'two'] });
          expect(await worker.ping()).toMatchObject({ frame: { type: 'pong' } });
          const got = receivedFrames(engine.transcript.records, 'worker');
          expect(got.length).toBeGreaterThanOrEqual(garbage.length + 2);
          assertNoHarnessErrors(engine.transcript.records);
        } finally {
          worker.terminate();
          await engine.close();
        }
      }),
      { numRuns: RUNS, verbose: 1, interruptAfterTimeLimit: 20_000 },
    );
  });

  it('the property can fail: an engine whose protocol logic throws on garbage is caught by it', async () => {
    const broken = fc.asyncProperty(fc.constant([{ kind: 'text', text: '{"type":"ping","x":' } as HostileFrame]), async (garbage) => {
      const engine = await FakeEngine.start();
      // mutant: the dispatcher throws on anything it cannot read (the harness must contain and report it)
      const internals = engine as unknown as { dispatch(c: unknown, v: unknown, e: { verdict: { base: string } }): void };
      const original = internals.dispatch.bind(engine);
      internals.dispatch = (c, v, e) => {
        if (e.verdict.base !== 'valid') throw new Error('mutant dispatcher crashed');
        original(c, v, e);
      };
      const worker = await FakeWorker.connect(engine.url, { transcript: engine.transcript });
      try {
        for (const f of garbage) await send(worker, f);
        expect(await worker.ping()).toMatchObject({ frame: { type: 'pong' } }); // contained: still serving
        assertNoHarnessErrors(engine.transcript.records);
      } finally {
        worker.terminate();
        await engine.close();
      }
    });
    const failure = (await fc.assert(broken, { numRuns: 1 }).catch((e: unknown) => e)) as Error & { cause?: Error };
    expect(failure.message).toMatch(/Property failed/);
    expect(String(failure.cause?.message)).toMatch(/mutant dispatcher crashed/);
  });

  it('a script that returns no answer object is reported as a harness error, and the caller is not left waiting', async () => {
    const engine = await FakeEngine.start();
    const worker = await FakeWorker.connect(engine.url, { transcript: engine.transcript });
    try {
      engine.answer('x::bad', (() => 42) as never);
      expect(await worker.invoke('x::bad')).toMatchObject({ ok: false, error: { code: 'harness_error' } });
      expect(engine.transcript.records.some((r) => r.kind === 'event' && r.event === 'harness-error' && /returned 42/.test(r.message ?? ''))).toBe(true);
    } finally {
      worker.terminate();
      await engine.close();
    }
  });

  it('a huge frame is recorded as a prefix and the engine keeps serving; one over maxPayload closes only that socket (1009)', async () => {
    const engine = await peers.engine({ maxPayload: 8 * 1024 * 1024 });
    const worker = await peers.worker(engine.url, { transcript: engine.transcript });
    await worker.registerFunction('safe::echo', (d) => d);
    const huge = JSON.stringify({ type: 'registerfunction', id: 'big', description: 'x'.repeat(6 * 1024 * 1024) });
    await worker.sendRaw(huge);
    const conn = await engine.waitForConnection();
    const big = await conn.waitFor((_f, e) => e.record.length === huge.length);
    expect(big.record.text!.length).toBe(engine.transcript.limits.maxTextChars);
    expect(big.record.truncated).toBe(true);
    expect(big.frame).toBeUndefined(); // too large to keep parsed...
    expect(conn.registrations.functions).toContain('big'); // ...but processed like any frame
    expect(await conn.invoke('safe::echo', 1)).toMatchObject({ ok: true, result: 1 });
    await worker.sendRaw('y'.repeat(9 * 1024 * 1024));
    expect((await worker.waitForClose()).code).toBe(1009);
    const next = await peers.worker(engine.url);
    await next.registered();
  });

  it('invalid UTF-8 in a text frame closes that socket with 1007, like any compliant WebSocket stack', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    await worker.sendRaw(new Uint8Array([0x7b, 0xff, 0x7d]), { binary: false });
    expect((await worker.waitForClose()).code).toBe(1007);
    const again = await peers.worker(engine.url);
    expect((await again.ping()).frame).toEqual({ type: 'pong' });
  });

  it('a handler or predicate that throws is contained', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    engine.answer(
      () => {
        throw new Error('broken target predicate');
      },
      { result: 1 },
    );
    engine.answer('x::boom', () => {
      throw new Error('broken script');
    });
    expect(await worker.invoke('x::boom')).toMatchObject({ ok: false, error: { code: 'invocation_failed', message: 'broken script' } });
    engine.answer('x::async-boom', async () => {
      throw Object.assign(new Error('coded'), { code: 'E_ASYNC' });
    });
    expect(await worker.invoke('x::async-boom')).toMatchObject({ ok: false, error: { code: 'E_ASYNC', message: 'coded' } });
    const conn = await engine.waitForConnection();
    await expect(
      conn.waitFor(
        () => {
          throw new Error('broken predicate');
        },
        { timeoutMs: 30 },
      ),
    ).rejects.toThrow(/within 30 ms/);
    expect(describeHostile({ kind: 'binary', bytes: new Uint8Array(3) })).toBe('binary 3 bytes');
  });
});
