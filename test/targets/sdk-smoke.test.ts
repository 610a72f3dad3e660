// Smoke test of each real SDK through its driver, against the fake engine: connect, register two
// functions and a trigger (the engine sees valid frames), the engine invokes one and gets the right
// result, the worker triggers a function the engine answers, and the driver shuts down cleanly.
// A driver the set-up could not prepare here is skipped with the set-up's reason.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeEngine, type EngineConnection, type ReceivedFrame } from '../../harness/fake-engine/index.ts';
import { groupAlive, liveGroups, socketsOnPort, canConnect } from '../../harness/process/index.ts';
import { BUILTIN_SDKS, launchDriver, readDriverStatus, readPinnedVersions, type DriverSession } from '../../harness/targets/sdk/index.ts';

const status = readDriverStatus();
const pins = readPinnedVersions();
const artifacts = join(process.cwd(), 'reports', 'test-artifacts', 'sdk-smoke');
const pidsSeen: number[] = [];

async function registrationFrame(conn: EngineConnection, type: string, key: 'id' | 'function_id', value: string): Promise<ReceivedFrame> {
  return conn.waitFor(
    (frame: unknown) => {
      const f = frame as Record<string, unknown> | null;
      return f !== null && typeof f === 'object' && f.type === type && f[key] === value;
    },
    { timeoutMs: 15_000 },
  );
}

for (const sdk of BUILTIN_SDKS) {
  const s = status[sdk];
  const why = s?.available ? '' : ` (skipped: ${s?.reason ?? 'not set up; run npm run setup'})`;
  describe.skipIf(!s?.available)(`SDK smoke: ${sdk}${why}`, () => {
    it(`drives the real ${sdk} SDK through a register / invoke / trigger / shutdown round trip`, async () => {
      const engine = await FakeEngine.start({ port: 0 });
      const stopEngineAnswer = engine.answer('smoke::from-engine', { result: { answeredBy: 'engine', n: 7 } });
      let session: DriverSession | undefined;
      try {
        session = await launchDriver(
          { kind: 'builtin', sdk },
          {
            url: engine.url,
            worker: { workerName: `smoke-${sdk}`, invocationTimeoutMs: 10_000 },
            logFile: join(artifacts, `${sdk}.jsonl`),
          },
        );
        pidsSeen.push(session.pid);
        const ready = session.ready;
        expect(ready.sdk.language).toBe(sdk);
        if (pins[sdk].version) expect(ready.sdk.version).toBe(pins[sdk].version);

        const conn = await engine.waitForConnection({ path: '/', timeoutMs: 15_000 });
        await session.registerFunction('smoke::echo', { kind: 'echo' });
        await session.registerFunction('smoke::answer', { kind: 'value', value: { answer: 42 } });
        await session.registerTrigger('smoke::type', 'smoke::echo', { every: '1s' });

        const frames = await Promise.all([
          registrationFrame(conn, 'registerfunction', 'id', 'smoke::echo'),
          registrationFrame(conn, 'registerfunction', 'id', 'smoke::answer'),
          registrationFrame(conn, 'registertrigger', 'function_id', 'smoke::echo'),
        ]);
        for (const f of frames) expect(f.verdict.base, `${f.type}: ${JSON.stringify(f.verdict.violations)}`).toBe('valid');
        expect(conn.registrations.functions).toEqual(expect.arrayContaining(['smoke::echo', 'smoke::answer']));

        // The engine invokes one function and gets the right result.
        const outcome = await conn.invoke('smoke::answer', { ask: 'meaning' }, { timeoutMs: 10_000 });
        expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
        if (outcome.ok) expect(outcome.result).toEqual({ answer: 42 });
        const echoed = await conn.invoke('smoke::echo', { hello: 'world', n: [1, 2] }, { timeoutMs: 10_000 });
        expect(echoed.ok && echoed.result).toEqual({ hello: 'world', n: [1, 2] });
        const invoked = await session.waitFor((e) => e.event === 'invoked' && e.functionId === 'smoke::answer', 5000, 'invoked');
        expect(invoked).toMatchObject({ event: 'invoked', input: { ask: 'meaning' } });

        // The worker triggers a function the engine answers.
        const settled = await session.trigger('smoke::from-engine', { q: 1 }, { timeoutMs: 10_000 });
        expect(settled, JSON.stringify(settled)).toMatchObject({ ok: true, value: { answeredBy: 'engine', n: 7 } });
        const call = await engine.waitForFrame({ type: 'invokefunction', function_id: 'smoke::from-engine' }, { timeoutMs: 5000 });
        expect(call.entry.verdict.base).toBe('valid');

        // Clean shutdown: the driver acknowledges, reports exit and leaves with code 0 on its own.
        const { clean, exit } = await session.shutdown(15_000);
        expect(clean, JSON.stringify(exit)).toBe(true);
        expect(session.events.some((e) => e.event === 'exit' && e.reason === 'shutdown')).toBe(true);
        expect(session.strayStdout).toEqual([]);
      } finally {
        stopEngineAnswer();
        await session?.stop();
        await engine.close();
      }
      // Checked at once: a freed ephemeral port may later be reused by an unrelated test.
      expect(await canConnect(engine.port), `port ${engine.port} still accepts connections`).toBe(false);
      const sockets = await socketsOnPort(engine.port);
      if (sockets !== null) expect(sockets, `sockets still using port ${engine.port}`).toEqual([]);
    }, 90_000);
  });
}

describe('process hygiene after the smoke runs', () => {
  afterAll(() => {
    pidsSeen.length = 0;
  });

  it('leaves no driver process behind (ports are checked inside each smoke run)', () => {
    expect(liveGroups().filter((g) => g.name.startsWith('driver:'))).toEqual([]);
    for (const pid of pidsSeen) expect(groupAlive(pid), `driver process group ${pid} still alive`).toBe(false);
  });
});
