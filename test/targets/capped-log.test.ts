// Issue 17 item 5: a launched engine's output is capped on disk and in the write buffer, and the cap is
// named; output within the caps is kept whole and names nothing.

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cappedLog } from '../../harness/targets/engine/capped-log.ts';
import { launchCommand } from '../../harness/targets/engine/process.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capped-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cappedLog', () => {
  it('keeps output within the caps whole and names no cap', async () => {
    const file = join(dir, 'engine.log');
    const log = cappedLog(file, { fileBytes: 1024, bufferedBytes: 1 << 20, tailBytes: 16 });
    log.write('hello ');
    log.write(Buffer.from('engine\n'));
    await log.end();
    expect(await readFile(file, 'utf8')).toBe('hello engine\n');
    expect(log.tail()).toBe('hello engine\n');
    expect(log.capNote()).toBeUndefined();
  });

  it('stops the file at its cap, says so once in the file, and counts the rest', async () => {
    const file = join(dir, 'engine.log');
    const log = cappedLog(file, { fileBytes: 1000, bufferedBytes: 1 << 20, tailBytes: 8 });
    for (let i = 0; i < 30; i++) log.write(Buffer.alloc(100, 0x61 + (i % 26)));
    await log.end();
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('a'.repeat(100))).toBe(true);
    expect(text.match(/log cap/g)).toHaveLength(1);
    expect(Buffer.byteLength(text)).toBeLessThan(1000 + 200);
    expect(log.capNote()).toMatch(/^engine output not kept: 2000 bytes past the 1000 bytes log file cap$/);
    expect(log.tail()).toBe('d'.repeat(8)); // the tail still follows the output
  });

  it('drops what the file stream cannot take yet instead of buffering it', async () => {
    const file = join(dir, 'engine.log');
    const log = cappedLog(file, { fileBytes: 1 << 30, bufferedBytes: 64 * 1024, tailBytes: 8 });
    for (let i = 0; i < 100; i++) log.write(Buffer.alloc(64 * 1024)); // one synchronous burst: nothing reaches the disk meanwhile
    await log.end();
    expect((await stat(file)).size).toBeLessThanOrEqual(2 * 64 * 1024);
    expect(log.capNote()).toMatch(/bytes written faster than the log file took them \(over 64 KiB unwritten\)/);
  });
});

describe('a launched command that floods its stdout', () => {
  it('leaves a log no bigger than the cap and names the cap', async () => {
    const file = join(dir, 'engine.log');
    // 64 MiB of output from a real child process, against a 1 MiB file cap.
    const launched = launchCommand('head -c 67108864 /dev/zero', file, process.env, { fileBytes: 1 << 20, bufferedBytes: 8 << 20, tailBytes: 1024 });
    expect(await launched.exited).toBe('0');
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThanOrEqual(1 << 20);
    expect(size).toBeLessThan((1 << 20) + 200);
    expect(launched.capNote()).toMatch(/past the 1 MiB log file cap/);
  }, 30_000);
});
