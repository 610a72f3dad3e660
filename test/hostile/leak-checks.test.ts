// The leak checks the hostile tests rely on must be able to fail: a child process, a listening socket,
// a timer and RSS growth left on purpose are each seen, and gone once released.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { descendants, eventually, liveTimers, ownTcpSockets, snapshot, watchMemory } from './support.ts';

describe('leak checks', () => {
  it('see a child process, and not once it is gone', async () => {
    const before = snapshot().children.length;
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      expect(await eventually(() => descendants().some((d) => d.pid === child.pid))).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await eventually(() => snapshot().children.length === before)).toBe(true);
  });

  it('see a listening socket, and not once it is closed', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(ownTcpSockets()).toContain(`LISTEN ${port}->0`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(ownTcpSockets()).not.toContain(`LISTEN ${port}->0`);
  });

  it('see a live timer, and not once it is cleared', () => {
    const before = liveTimers();
    const timer = setTimeout(() => {}, 60_000);
    expect(liveTimers()).toBe(before + 1);
    clearTimeout(timer);
    expect(liveTimers()).toBe(before);
  });

  it('see RSS growth', () => {
    const watch = watchMemory();
    const held = Buffer.alloc(64 * 1024 * 1024, 1); // touched, so resident
    const { rssPeakGrowthMiB } = watch.stop();
    expect(held.length).toBeGreaterThan(0);
    expect(rssPeakGrowthMiB).toBeGreaterThan(48);
  });
});
