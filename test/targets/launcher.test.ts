// The launcher against drivers that break the contract: silent, dying, speaking another contract
// version, writing garbage. Every failure must name the cause and leave no process behind.

import { describe, expect, it } from 'vitest';
import { groupAlive, liveGroups } from '../../harness/process/index.ts';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverProtocolError, launchDriver } from '../../harness/targets/sdk/index.ts';
import { NOISE_CAPS } from '../../harness/targets/sdk/session.ts';

const node = JSON.stringify(process.execPath);
const cmd = (script: string): { kind: 'cmd'; command: string } => ({ kind: 'cmd', command: `${node} -e ${JSON.stringify(script.replace(/\n/g, ' '))}` });
const READY = `{"event":"ready","contract":1,"sdk":{"name":"fake","version":"0.0.1","language":"test"},"capabilities":["void-action","made-up"],"facts":{},"ignoredOptions":[],"worker":{"name":"w"}}`;

function noDriverLeft(): void {
  expect(liveGroups().filter((g) => g.name.startsWith('driver:'))).toEqual([]);
}

describe('launchDriver failure paths', () => {
  it('gives up on a driver that never says ready, and kills it even though it ignores SIGTERM', async () => {
    const started = Date.now();
    const err = await launchDriver(cmd(`process.on('SIGTERM', () => {}); console.error('starting slowly'); setInterval(() => {}, 1000)`), {
      url: 'ws://127.0.0.1:9',
      startTimeoutMs: 400,
      graceMs: 200,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverProtocolError);
    expect((err as Error).message).toMatch(/no ready event: no ready within 400 ms/);
    expect((err as Error).message).toContain('starting slowly');
    expect(Date.now() - started).toBeLessThan(5000);
    noDriverLeft();
  });

  it('reports a driver that exits before ready, with its stderr', async () => {
    const err = await launchDriver(cmd(`console.error('cannot import the SDK'); process.exit(3)`), { url: 'ws://127.0.0.1:9', startTimeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/exited before ready \(exit code 3\)/);
    expect((err as Error).message).toContain('cannot import the SDK');
    noDriverLeft();
  });

  it('refuses a driver that speaks another contract version', async () => {
    const err = await launchDriver(cmd(`console.log(${JSON.stringify(READY.replace('"contract":1', '"contract":2'))}); setInterval(() => {}, 1000)`), {
      url: 'ws://127.0.0.1:9',
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/contract 2, the harness speaks 1/);
    noDriverLeft();
  });

  it('passes the config, keeps garbage on stdout apart, keeps unknown capabilities out of the Implementation', async () => {
    const script = `
      const cfg = JSON.parse(process.env.III_DRIVER_CONFIG);
      console.log('this is not an event');
      console.log(${JSON.stringify(READY)});
      console.log(JSON.stringify({ event: 'log', level: 'info', message: 'cfg ' + JSON.stringify(cfg), source: 'sdk' }));
      console.log(JSON.stringify({ event: 'log', level: 'info', message: 'env III_URL=' + process.env.III_URL + ' OTEL_ENABLED=' + process.env.OTEL_ENABLED }));
      process.stdin.on('data', () => {});
      process.stdin.on('end', () => process.exit(0));
    `;
    process.env.III_URL = 'ws://should-not-leak:1';
    try {
      const session = await launchDriver(cmd(script), { url: 'ws://127.0.0.1:9', worker: { workerName: 'x', reconnection: { maxRetries: 2 } } });
      await session.waitFor((e) => e.event === 'log' && e.message.startsWith('env'), 5000);
      const [cfgLog, envLog] = session.logs();
      expect(JSON.parse(cfgLog!.message.slice(4))).toEqual({
        contract: 1,
        url: 'ws://127.0.0.1:9',
        workerName: 'x',
        reconnection: { maxRetries: 2 },
        metrics: false,
        otel: false,
      });
      expect(envLog!.message).toBe('env III_URL=undefined OTEL_ENABLED=false');
      expect(session.strayStdout).toEqual(['this is not an event']);
      const { implementationOfSession } = await import('../../harness/targets/sdk/index.ts');
      expect(implementationOfSession(session)).toEqual({ kind: 'sdk', name: 'fake (test)', version: '0.0.1', capabilities: ['void-action'] });
      const { clean } = await session.shutdown(2000); // stdin closes → this driver exits 0
      expect(clean).toBe(true);
    } finally {
      delete process.env.III_URL;
    }
    noDriverLeft();
  });

  it("keeps a flooding driver's noise bounded (log file, log events, stray lines) and names each cap it hit", async () => {
    // 40,000 stray lines, 20,000 log events of ~300 bytes and 4 MiB of stderr: ~20 MiB of noise, then a marker event.
    const script = `
      console.log(${JSON.stringify(READY)});
      const pad = 'x'.repeat(250);
      for (let i = 0; i < 40000; i++) process.stdout.write('garbage ' + i + '\\n');
      for (let i = 0; i < 20000; i++) process.stdout.write(JSON.stringify({ event: 'log', level: 'info', message: 'flood ' + i + pad, source: 'sdk' }) + '\\n');
      process.stderr.write(('e'.repeat(1023) + '\\n').repeat(4096));
      process.stdout.write(JSON.stringify({ event: 'log', level: 'info', message: 'done', source: 'driver' }) + '\\n');
      process.stdin.on('data', () => {});
      process.stdin.on('end', () => process.exit(0));
    `;
    const dir = mkdtempSync(join(tmpdir(), 'iii-flood-'));
    try {
      const logFile = join(dir, 'driver.jsonl');
      const session = await launchDriver(cmd(script), { url: 'ws://127.0.0.1:9', logFile });
      // The marker is seen on arrival although it is beyond the kept log events.
      await session.waitFor((e) => e.event === 'log' && e.message === 'done', 20_000);
      expect(session.logs()).toHaveLength(NOISE_CAPS.logEvents);
      expect(session.strayStdout).toHaveLength(NOISE_CAPS.strayLines);
      expect(session.strayCount).toBe(40_000);
      await session.shutdown(2000);
      const size = statSync(logFile).size;
      expect(size).toBeLessThan(NOISE_CAPS.logFileBytes + 64 * 1024);
      expect(size).toBeGreaterThan(NOISE_CAPS.logFileBytes / 2);
      const summary = session.capSummary();
      expect(summary.some((n) => /more than 8 MiB of stderr, stray stdout and log events/.test(n))).toBe(true);
      expect(summary.some((n) => /more than 5000 log events: .* 15001 log events dropped/.test(n))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    noDriverLeft();
  }, 30_000);

  it('stops the driver when the case aborts', async () => {
    const abort = new AbortController();
    const session = await launchDriver(cmd(`console.log(${JSON.stringify(READY)}); setInterval(() => {}, 1000)`), {
      url: 'ws://127.0.0.1:9',
      signal: abort.signal,
    });
    expect(groupAlive(session.pid)).toBe(true);
    abort.abort();
    const exit = await session.exited;
    expect(exit.signal).toBe('SIGTERM');
    await expect.poll(() => groupAlive(session.pid), { timeout: 2000 }).toBe(false);
    noDriverLeft();
  });
});
