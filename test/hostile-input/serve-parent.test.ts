// Issue 12, "What to build" item 4: `serve` stops when its parent dies, instead of holding its port
// forever. A shell starts it in the background and exits; the serve process must stop on its own.

import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('serve', () => {
  it('stops when the process that started it exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iii-hostile-serve-'));
    const log = join(dir, 'serve.log');
    let pid = 0;
    try {
      // The shell waits until serve is listening, prints its pid, and exits: serve is orphaned.
      const script = `node bin/iii-conformance.mjs serve --port 0 > '${log}' 2>&1 & p=$!; for i in $(seq 1 150); do grep -q listening '${log}' 2>/dev/null && break; sleep 0.1; done; echo $p`;
      const { stdout } = await promisify(execFile)('sh', ['-c', script], { cwd: ROOT });
      pid = Number(stdout.trim());
      expect(pid).toBeGreaterThan(0);
      expect(await readFile(log, 'utf8')).toContain('listening');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid)).toBe(false);
      expect(await readFile(log, 'utf8')).toContain('stopped: the parent process exited');
    } finally {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
