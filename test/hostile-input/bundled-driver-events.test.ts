// The driver-contract schema (schemas/driver/event.schema.json) must accept what the bundled drivers send
// (else every real SDK would be refused) and refuse what breaks it: checked both ways here, on the events
// of a register / invoke / trigger / log / shutdown round trip of each available bundled driver.

import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { driverEventProblem } from '../../harness/targets/sdk/contract-schema.ts';
import { BUILTIN_SDKS, launchDriver, readDriverStatus } from '../../harness/targets/sdk/index.ts';

const status = readDriverStatus();

describe('driver event schema', () => {
  it('refuses events that break the contract, one line naming the field', () => {
    const ready = {
      event: 'ready',
      contract: 1,
      sdk: { name: 'a', version: '1', language: 'x' },
      capabilities: [],
      facts: {},
      ignoredOptions: [],
      worker: { name: null },
    };
    expect(driverEventProblem(ready)).toBe('');
    expect(driverEventProblem({ ...ready, sdk: { ...ready.sdk, version: 1 } })).toBe('invalid ready event: /sdk/version must be string');
    expect(driverEventProblem({ event: 'settled', id: 'c1', ok: false })).toMatch(/^invalid settled event/);
    expect(driverEventProblem({ event: 'ack' })).toBe("invalid ack event: / must have required property 'id'");
    expect(driverEventProblem({ event: 'log', level: 'loud', message: 'x' })).toMatch(/^invalid log event: \/level must be equal to one of the allowed values/);
    expect(driverEventProblem({ event: 'nope' })).toBe('unknown event "nope"');
    expect(driverEventProblem([1])).toBe('not a JSON object');
  });
});

for (const sdk of BUILTIN_SDKS) {
  const s = status[sdk];
  describe.skipIf(!s?.available)(`bundled ${sdk} driver${s?.available ? '' : ` (skipped: ${s?.reason ?? 'not set up'})`}`, () => {
    it('sends only events the schema accepts', async () => {
      const engine = await FakeEngine.start({ port: 0 });
      const session = await launchDriver({ kind: 'builtin', sdk }, { url: engine.url, worker: { workerName: `schema-${sdk}` } });
      try {
        const conn = await engine.waitForConnection({ path: '/', timeoutMs: 15_000 });
        await session.registerFunction('schema::echo', { kind: 'echo' });
        await session.registerFunction('schema::throw', { kind: 'throw', message: 'boom' });
        await conn.waitFor({ type: 'registerfunction', id: 'schema::throw' }, { timeoutMs: 10_000 });
        await conn.invoke('schema::echo', { a: [1, 'x', null] }, { timeoutMs: 10_000 });
        await conn.invoke('schema::throw', {}, { timeoutMs: 10_000 });
        await session.trigger('schema::missing', { q: 1 }, { timeoutMs: 5_000 });
        await session.shutdown(10_000);
      } finally {
        await session.stop();
        await engine.close();
      }
      expect(session.strayStdout, session.strayReasons.join('\n')).toEqual([]);
      const kinds = new Set(session.events.map((e) => e.event));
      for (const k of ['ready', 'ack', 'invoked', 'settled']) expect(kinds).toContain(k);
      for (const e of session.events) {
        const { at: _at, ...wire } = e;
        expect(driverEventProblem(wire)).toBe('');
      }
    }, 60_000);
  });
}
