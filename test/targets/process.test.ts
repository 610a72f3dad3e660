// Process-group hygiene: a group is stopped with SIGTERM, SIGKILL follows when SIGTERM is ignored, and
// grandchildren die with their leader. Each check is also shown to see a live process (it can fail).

import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  canConnect,
  groupAlive,
  processAlive,
  liveGroups,
  parseCommand,
  socketsOnPort,
  spawnGroup,
  splitCommandLine,
  waitForPort,
} from '../../harness/process/index.ts';

const node = process.execPath;
// A leader that ignores SIGTERM and starts a grandchild in its group, then reports both pids.
const STUBBORN = `
  process.on('SIGTERM', () => {});
  const { spawn } = require('node:child_process');
  const g = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  console.log(JSON.stringify({ leader: process.pid, grandchild: g.pid }));
  setInterval(() => {}, 1000);
`;

const pidAlive = processAlive;

async function firstLine(group: ReturnType<typeof spawnGroup>): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    group.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
  });
}

describe('spawnGroup / stop', () => {
  it('stops a cooperative process with SIGTERM alone', async () => {
    const g = spawnGroup(node, ['-e', 'setInterval(() => {}, 1000)'], { name: 'test:cooperative' });
    expect(groupAlive(g.pid)).toBe(true);
    const info = await g.stop(2000);
    expect(info).toMatchObject({ signal: 'SIGTERM', killed: false });
    expect(groupAlive(g.pid)).toBe(false);
  });

  it('SIGKILLs a group that ignores SIGTERM, grandchild included, after the grace period', async () => {
    const g = spawnGroup(node, ['-e', STUBBORN], { name: 'test:stubborn' });
    const { leader, grandchild } = JSON.parse(await firstLine(g)) as { leader: number; grandchild: number };
    expect(leader).toBe(g.pid);
    expect(pidAlive(grandchild)).toBe(true);
    const started = Date.now();
    const info = await g.stop(300);
    expect(info).toMatchObject({ signal: 'SIGKILL', killed: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await expect.poll(() => pidAlive(grandchild), { timeout: 2000 }).toBe(false);
    expect(groupAlive(g.pid)).toBe(false);
    expect(liveGroups().some((l) => l.pid === g.pid)).toBe(false);
  });

  it('sweeps a grandchild left behind when the leader exits by itself', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log(String(g.pid));
      setTimeout(() => process.exit(0), 50);
    `;
    const g = spawnGroup(node, ['-e', script], { name: 'test:orphaning' });
    const grandchild = Number(await firstLine(g));
    await g.exited;
    await expect.poll(() => pidAlive(grandchild), { timeout: 2000 }).toBe(false);
    expect(groupAlive(g.pid)).toBe(false);
  });

  it('reports a program that cannot be started instead of throwing', async () => {
    const g = spawnGroup('/nonexistent/driver', [], { name: 'test:missing' });
    const info = await g.stop(100);
    expect(info.spawnError).toMatch(/ENOENT/);
  });
});

describe('ports', () => {
  it('waits for a port, sees it open, and sees it closed with no socket left afterwards', async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await waitForPort(port, { timeoutMs: 2000 });
    expect(await canConnect(port)).toBe(true);
    const whileOpen = await socketsOnPort(port);
    if (whileOpen !== null) expect(whileOpen.some((s) => s.state === 'LISTEN')).toBe(true);
    await new Promise<void>((r) => server.close(() => r()));
    expect(await canConnect(port)).toBe(false);
    const after = await socketsOnPort(port);
    if (after !== null) expect(after).toEqual([]);
  });

  it('gives up on a port nothing listens on, with the reason', async () => {
    await expect(waitForPort(9, { timeoutMs: 200 })).rejects.toThrow(/nothing answered on 127\.0\.0\.1:9/);
    await expect(waitForPort(9, { timeoutMs: 5000, abort: () => 'the engine exited' })).rejects.toThrow('the engine exited');
  });
});

describe('command lines', () => {
  it('splits like a POSIX shell without running one', () => {
    expect(splitCommandLine(`python3 "my driver.py" --name 'a b' x\\ y ""`)).toEqual(['python3', 'my driver.py', '--name', 'a b', 'x y', '']);
    expect(parseCommand('  ./driver  --flag ')).toEqual({ file: './driver', args: ['--flag'] });
    expect(() => parseCommand('')).toThrow(/empty/);
    expect(() => splitCommandLine('a "b')).toThrow(/unterminated/);
  });
});
