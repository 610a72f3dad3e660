// Fork start (issue 17, driver contract §1): a driver that declares forkStart loads its SDK once, in a fork
// server, and each spare is a fork of it. The bundled Python driver is the real server here; a small Node
// script plays a server that breaks the contract, so that the fallback is seen to happen too.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveGroups, processAlive } from '../../harness/process/index.ts';
import { readDriverStatus } from '../../harness/targets/sdk/index.ts';
import { WarmSpares } from '../../harness/targets/sdk/warm-spares.ts';

const python = readDriverStatus().python;
const URL = 'ws://127.0.0.1:9'; // nothing listens: the SDK retries in the background while the test looks at processes

const open: WarmSpares[] = [];
function forkingSpares(spec: ConstructorParameters<typeof WarmSpares>[0], count = 1, env?: Record<string, string>): WarmSpares {
  const s = new WarmSpares(spec, { count, graceMs: 2000, fork: true, ...(env ? { env } : {}) });
  open.push(s);
  s.fill();
  return s;
}

const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
const forkServers = (): { name: string; pid: number }[] => liveGroups().filter((g) => g.name.startsWith('fork-server:'));
const socketDirs = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('iii-forks-'));

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  expect(liveGroups().filter((g) => g.name.startsWith('driver:') || g.name.startsWith('fork-server:'))).toEqual([]);
});

describe.skipIf(!python?.available)(
  `fork start with the bundled Python driver${python?.available ? '' : ` (skipped: ${python?.reason ?? 'not set up'})`}`,
  () => {
    it('starts each case in a fresh fork of one loaded server, with its own configuration, and reports how each fork ended', async () => {
      const dirsBefore = socketDirs();
      const s = forkingSpares({ kind: 'builtin', sdk: 'python' }, 2);
      const first = await s.launch({ url: URL, worker: { workerName: 'fork-one' } });
      const second = await s.launch({ url: URL, worker: { workerName: 'fork-two' } });
      expect(s.offReason).toBeUndefined();
      expect(first?.ready.worker.name).toBe('fork-one');
      expect(second?.ready.worker.name).toBe('fork-two');
      expect(first?.ready.sdk.language).toBe('python');
      const [server] = forkServers();
      expect(server).toBeDefined();
      // The socket lives in a folder only the harness's user may enter.
      const [dir] = socketDirs().filter((d) => !dirsBefore.includes(d));
      expect(statSync(join(tmpdir(), dir!)).mode & 0o777).toBe(0o700);
      // Forks of the server, not processes the harness spawned, and each its own process group.
      expect(first!.pid).not.toBe(second!.pid);
      expect(parentOf(first!.pid)).toBe(server!.pid);
      expect(parentOf(second!.pid)).toBe(server!.pid);
      expect(liveGroups().map((g) => g.pid)).toEqual(expect.arrayContaining([first!.pid, second!.pid]));
      // A clean shutdown is exit code 0, as the server reaped it; SIGKILL is named as such.
      expect(await first!.shutdown(5000)).toMatchObject({ clean: true, exit: { code: 0, signal: null } });
      process.kill(second!.pid, 'SIGKILL');
      expect(await second!.exited).toMatchObject({ code: null, signal: 'SIGKILL' });
      await s.close();
      expect(processAlive(server!.pid)).toBe(false);
      expect(socketDirs()).toEqual(dirsBefore);
    });

    it('takes its forks down with it when the server dies, reports their end, and spawns the spares after', async () => {
      const s = forkingSpares({ kind: 'builtin', sdk: 'python' });
      const fork = await s.launch({ url: URL, worker: { workerName: 'orphan' } });
      const [server] = forkServers();
      process.kill(server!.pid, 'SIGKILL');
      expect(await fork!.exited).toMatchObject({ code: null, signal: 'SIGKILL' });
      expect(processAlive(fork!.pid)).toBe(false);
      // The spare forked beside it died too (or never came up), so the next case may start cold; from then on
      // spares are spawned by the harness (it is the parent), and the reason is kept for the transcripts.
      const next = (await s.launch({ url: URL, worker: { workerName: 'after' } })) ?? (await s.launch({ url: URL, worker: { workerName: 'after' } }));
      expect(next?.ready.worker.name).toBe('after');
      expect(parentOf(next!.pid)).toBe(process.pid);
      expect(s.offReason).toMatch(/fork server of python exited \(killed by SIGKILL\)/);
      await next?.stop();
    });
  },
);

describe.skipIf(!python?.available)('fork start refused by the Python driver', () => {
  it('does not fork when a thread runs after the import, and the harness spawns instead, naming why', async () => {
    // sitecustomize runs at interpreter start: a thread alive there is what an SDK starting one at import leaves.
    const dir = mkdtempSync(join(tmpdir(), 'iii-threaded-'));
    try {
      writeFileSync(join(dir, 'sitecustomize.py'), 'import threading, time\nthreading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n');
      const s = forkingSpares({ kind: 'builtin', sdk: 'python' }, 1, { PYTHONPATH: dir });
      const spare = (await s.launch({ url: URL, env: { PYTHONPATH: dir } })) ?? (await s.launch({ url: URL, env: { PYTHONPATH: dir } }));
      expect(parentOf(spare!.pid)).toBe(process.pid);
      expect(s.offReason).toMatch(/fork server of python refused a fork: 2 threads run after the SDK import: not forking/);
      await spare?.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fork start with a server that breaks the contract', () => {
  it('spawns its spares instead, naming why, and leaves nothing behind', async () => {
    // Plays a deferred driver when spawned, and writes garbage when asked to serve forks.
    const script = `
      const say = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
      if (process.env.III_DRIVER_FORK_SERVER) { process.stdout.write('\\u001b[2Jnot an event\\n'); setInterval(() => {}, 1000); }
      else {
        say({ event: 'loaded', contract: 1 });
        process.stdin.once('data', (d) => {
          const start = JSON.parse(String(d).split('\\n')[0]);
          say({ event: 'ready', contract: 1, sdk: { name: 'fake', version: '0.0.1', language: 'test' }, capabilities: [], facts: {}, ignoredOptions: [], worker: { name: start.config.workerName ?? null }, deferredStart: true, forkStart: true });
        });
        process.stdin.on('end', () => process.exit(0));
      }`;
    const s = forkingSpares({ kind: 'cmd', command: `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script.replace(/\n/g, ' '))}` });
    const spare = await s.launch({ url: URL, worker: { workerName: 'spawned' } });
    expect(spare?.ready.worker.name).toBe('spawned');
    expect(parentOf(spare!.pid)).toBe(process.pid);
    expect(s.offReason).toMatch(/^spares are spawned, not forked: the fork server of .* wrote a line that is not a contract event \(not JSON\)$/);
    await spare?.stop();
  });
});
