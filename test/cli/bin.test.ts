// The real command as users run it (node bin/iii-conformance.mjs through tsx): exit codes and messages
// reach the shell intact, and no error ends in a stack trace.

import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { STACK_LINE, withTempDir } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'iii-conformance.mjs');
const SYNTH = join(ROOT, 'test', 'cli', 'fixtures', 'synthetic.ts');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: 'true', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

describe('bin/iii-conformance.mjs', () => {
  it('bad arguments: exit 3 with one line on stderr', async () => {
    const r = await run(['sdk', 'node', '--seed', 'abc']);
    expect(r.code).toBe(3);
    expect(r.err).toBe('iii-conformance: --seed "abc" is not a whole number: give an integer from 0 to 2147483646\n');
  });

  it('a piped `list --json` arrives whole (more than the 64 KiB a pipe holds) and parses', async () => {
    const r = await run(['list', '--json']);
    expect(r.code).toBe(0);
    expect(r.out.length).toBeGreaterThan(65_536);
    expect(() => JSON.parse(r.out)).not.toThrow();
  });

  it('an unreachable engine: exit 4, no stack trace', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await run(['engine', '--engine-url', `ws://127.0.0.1:${port}`]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/^iii-conformance: cannot reach the engine at ws:\/\/127\.0\.0\.1:\d+: connection refused/);
    expect(r.err).not.toMatch(STACK_LINE);
  });

  it('a driver that does not start: exit 4 with the reason; reports are still written', async () => {
    await withTempDir(async (dir) => {
      const r = await run(['sdk', 'node', '--report-dir', dir, '--case', 'sdk.synth.passes'], {
        III_CONFORMANCE_SDK_CATALOGUE: SYNTH,
        SYNTH_OPEN_ERROR: 'the node driver is not installed: run `npm run setup`',
      });
      expect(r.code).toBe(4);
      expect(r.out).toContain('could not open the target: the node driver is not installed: run `npm run setup`');
      expect(`${r.out}${r.err}`).not.toMatch(STACK_LINE);
    });
  });

  it('a catalogue module that cannot be imported: exit 4, one message', async () => {
    const r = await run(['list', 'sdk'], { III_CONFORMANCE_SDK_CATALOGUE: join(ROOT, 'test', 'cli', 'fixtures', 'missing.ts') });
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/^iii-conformance: the sdk catalogue could not be loaded: /);
    expect(r.err).not.toMatch(STACK_LINE);
  });

  it('the default job (no arguments) runs both sides and exits with the gate code', async () => {
    await withTempDir(async (dir) => {
      const r = await run(['--report-dir', dir, '--case', 'sdk.synth.passes', '--case', 'engine.synth.first-frame'], {
        III_CONFORMANCE_SDK_CATALOGUE: SYNTH,
        III_CONFORMANCE_ENGINE_CATALOGUE: SYNTH,
      });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/sdk: synthetic-sdk 1\.0\.0 — target node, 1 case/);
      expect(r.out).toMatch(/engine: synthetic-engine 1\.0\.0 — target reference, 1 case/);
      expect(r.out).toContain('Result: exit 0 — every gating case passes');
    });
  });
});
