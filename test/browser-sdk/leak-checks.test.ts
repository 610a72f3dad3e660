// No browser process outlives its driver. The browser driver starts Chromium inside its own process group
// (fixtures/drivers/browser/chromium.mjs), so the harness's usual stop reaches every Chromium process:
// after a clean shutdown, after SIGTERM, and after SIGKILL of the whole group, nothing of it is left.
// Each check first sees the Chromium processes alive, so it can say both "leaked" and "gone".

import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { groupMembers, processAlive } from '../../harness/process/index.ts';
import { launchDriver, type DriverSession } from '../../harness/targets/sdk/index.ts';
import { eventually } from '../hostile/support.ts';
import { browserSkip } from './support.ts';

async function withBrowserDriver(body: (session: DriverSession, chromiumPid: number) => Promise<void>): Promise<void> {
  const engine = await FakeEngine.start({ host: '127.0.0.1', port: 0 });
  let session: DriverSession | undefined;
  try {
    session = await launchDriver({ kind: 'builtin', sdk: 'browser' }, { url: engine.url, worker: { workerName: 'leak-check' } });
    await engine.waitForConnection({ timeoutMs: 10_000 });
    const chromiumPid = Number(session.ready.facts.chromiumPid);
    // Chromium and its helpers (zygote, renderer, network service) share the driver's group.
    expect(processAlive(chromiumPid)).toBe(true);
    expect(groupMembers(session.pid)).toContain(chromiumPid);
    expect(groupMembers(session.pid).length).toBeGreaterThan(2);
    await body(session, chromiumPid);
  } finally {
    await session?.stop();
    await engine.close();
  }
}

describe.skipIf(browserSkip !== undefined)(`browser driver leaves no Chromium behind${browserSkip ? ` (skipped: ${browserSkip})` : ''}`, () => {
  it('after a clean shutdown', async () => {
    await withBrowserDriver(async (session, chromiumPid) => {
      const { clean } = await session.shutdown();
      expect(clean).toBe(true);
      expect(await eventually(() => !processAlive(chromiumPid) && groupMembers(session.pid).length === 0)).toBe(true);
    });
  }, 40_000);

  it('after SIGTERM (the harness stopping a case)', async () => {
    await withBrowserDriver(async (session, chromiumPid) => {
      process.kill(-session.pid, 'SIGTERM');
      expect(await eventually(() => !processAlive(chromiumPid) && groupMembers(session.pid).length === 0)).toBe(true);
    });
  }, 40_000);

  it('after SIGKILL of the whole group (the harness’s last resort); the next driver removes the profile left', async () => {
    let killed = 0;
    await withBrowserDriver(async (session, chromiumPid) => {
      killed = session.pid;
      process.kill(-session.pid, 'SIGKILL');
      expect(await eventually(() => !processAlive(chromiumPid) && groupMembers(session.pid).length === 0)).toBe(true);
    });
    const profilesOf = (pid: number): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`iii-browser-driver-${pid}-`));
    expect(profilesOf(killed)).toHaveLength(1);
    // Chromium's singleton folder (org.chromium.Chromium.*), which a SIGKILL leaves, is inside the profile,
    // not loose in the system's temp folder, so the sweep takes it too.
    const scratch = readdirSync(join(tmpdir(), profilesOf(killed)[0] as string, 'tmp'));
    expect(scratch.some((n) => n.startsWith('org.chromium.Chromium.'))).toBe(true);
    await withBrowserDriver(async () => {});
    expect(profilesOf(killed)).toEqual([]);
  }, 60_000);
});
