// One timer for many invoke deadlines: each fires once, at or after its time, unless settled first.

import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../harness/peer/deadlines.ts';
import { TimerSet } from '../../harness/peer/timers.ts';
import { usePeers } from './helpers.ts';

const peers = usePeers();

describe('Deadlines', () => {
  it('fires due entries in one sweep, re-arms for an earlier one, skips settled ones', async () => {
    const timers = new TimerSet();
    const d = new Deadlines<string>(timers);
    const fired: Array<[string, number]> = [];
    const start = performance.now();
    const mark = (k: string) => () => fired.push([k, performance.now() - start]);
    d.add('late', 120, mark('late'));
    d.add('early', 30, mark('early')); // earlier than the armed timer: re-arms
    d.add('settled', 40, mark('settled'));
    d.settle('settled');
    await timers.sleep(200);
    expect(fired.map(([k]) => k)).toEqual(['early', 'late']);
    expect(fired[0]![1]).toBeGreaterThanOrEqual(29);
    expect(fired[1]![1]).toBeGreaterThanOrEqual(119);
    d.add('cleared', 10, mark('cleared'));
    d.clear();
    await timers.sleep(30);
    expect(fired).toHaveLength(2);
    expect(timers.size).toBe(0);
  });

  it('invoke() with a reused invocation id fails the earlier call at once instead of orphaning it', async () => {
    const engine = await peers.engine();
    const worker = await peers.worker(engine.url);
    await worker.registerFunction('d::slow', () => new Promise((r) => setTimeout(() => r('done'), 50)));
    const conn = await engine.waitForConnection();
    await conn.waitFor({ type: 'registerfunction' });
    const id = '3f1c2a1e-0d7b-4c1a-9a55-2b1f6c8e4d10';
    const first = conn.invoke('d::slow', 1, { invocationId: id });
    const second = conn.invoke('d::slow', 2, { invocationId: id });
    await expect(first).rejects.toThrow(/reused/);
    expect(await second).toMatchObject({ ok: true, result: 'done' });
  });
});
