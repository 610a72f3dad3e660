// Warm spares (issue 17): a driver that declares deferredStart is spawned ahead of its case, loads, says
// `loaded`, and gets its configuration from a `start` command. These tests use small contract-speaking
// scripts, so that each rule is seen to hold and to break.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveGroups } from '../../harness/process/index.ts';
import { WarmSpares } from '../../harness/targets/sdk/warm-spares.ts';

const node = JSON.stringify(process.execPath);
const cmd = (script: string): { kind: 'cmd'; command: string } => ({ kind: 'cmd', command: `${node} -e ${JSON.stringify(script.replace(/\n/g, ' '))}` });

/** A deferred-start driver: says loaded after `loadMs` (never, with -1), then answers `start` with a ready naming the configured worker. */
function deferredDriver(loadMs: number): { kind: 'cmd'; command: string } {
  return cmd(`
    if (process.env.III_DRIVER_DEFER_START !== '1') { console.error('not deferred'); process.exit(2); }
    const say = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
    if (${loadMs} >= 0) setTimeout(() => say({ event: 'loaded', contract: 1 }), ${loadMs});
    let buf = '';
    process.stdin.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\\n');
      if (nl < 0) return;
      const start = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      say({ event: 'ready', contract: 1, sdk: { name: 'fake', version: '0.0.1', language: 'test' }, capabilities: [], facts: { pid: process.pid, otel: process.env.OTEL_ENABLED ?? null }, ignoredOptions: [], worker: { name: start.config.workerName ?? null }, deferredStart: true });
    });
    process.stdin.on('end', () => process.exit(0));
  `);
}

const open: WarmSpares[] = [];
function spares(spec: { kind: 'cmd'; command: string }, count = 1, env?: Record<string, string>): WarmSpares {
  const s = new WarmSpares(spec, { count, graceMs: 200, ...(env ? { env } : {}) });
  open.push(s);
  s.fill();
  return s;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  expect(liveGroups().filter((g) => g.name.startsWith('driver:'))).toEqual([]);
});

describe('warm spares', () => {
  it('starts each case from a loaded spare with its own configuration, a fresh process each time, the start kept out of the case commands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iii-warm-'));
    try {
      const s = spares(deferredDriver(0));
      const first = await s.launch({ url: 'ws://127.0.0.1:9', worker: { workerName: 'case-one' }, logFile: join(dir, 'one.jsonl') });
      const second = await s.launch({ url: 'ws://127.0.0.1:9', worker: { workerName: 'case-two' } });
      expect(first?.ready.worker.name).toBe('case-one');
      expect(second?.ready.worker.name).toBe('case-two');
      expect(first?.ready.facts.pid).not.toBe(second?.ready.facts.pid);
      expect(first?.ready.facts.otel).toBe('false');
      expect(s.taken).toBe(2);
      expect(first?.commands).toEqual([]);
      await first?.stop();
      await second?.stop();
      // The log file attached at take time holds what came before it: the loaded event and the start.
      const log = readFileSync(join(dir, 'one.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(log.map((l) => l.event ?? l.cmd)).toEqual(expect.arrayContaining(['loaded', 'start', 'ready']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a launch that needs another environment to a cold start', async () => {
    const s = spares(deferredDriver(0), 1, { EXTRA: '1' });
    expect(await s.launch({ url: 'ws://127.0.0.1:9', worker: { otel: true }, env: { EXTRA: '1' } })).toBeUndefined();
    expect(await s.launch({ url: 'ws://127.0.0.1:9', env: { EXTRA: '2' } })).toBeUndefined();
    const same = await s.launch({ url: 'ws://127.0.0.1:9', env: { EXTRA: '1' } });
    expect(same?.ready.sdk.name).toBe('fake');
    await same?.stop();
  });

  it('holds for a timing case until every spare has loaded, and spawns none while held', async () => {
    const s = spares(deferredDriver(400), 2);
    const t0 = performance.now();
    const release = await s.hold(10_000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(350);
    const taken = await s.launch({ url: 'ws://127.0.0.1:9' });
    expect(liveGroups().filter((g) => g.name.startsWith('driver:'))).toHaveLength(2); // the taken one and one spare: no refill while held
    release();
    expect(liveGroups().filter((g) => g.name.startsWith('driver:'))).toHaveLength(3);
    await taken?.stop();
  });

  it('switches spares off, naming why, when a spare never says loaded', async () => {
    const s = spares(deferredDriver(-1));
    const release = await s.hold(300);
    release();
    expect(s.offReason).toMatch(/did not say loaded within 300 ms/);
    expect(await s.launch({ url: 'ws://127.0.0.1:9' })).toBeUndefined();
  });
});
