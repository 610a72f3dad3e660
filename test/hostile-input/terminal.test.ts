// Finding 4 (issue 12): no byte an implementation sends reaches the terminal as a control. ESC, BEL, NUL,
// CR, newlines, C1 controls and bidi overrides from a driver (error messages, stderr tail), from a worker
// talking to `serve --fake` (frame types, violations) and to `serve` (engine::log::* messages) are shown
// as visible escapes. Checked on the raw bytes the harness writes (a child process for the CLI run).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { startServer } from '../../harness/cli/serve.ts';
import type { CliIO } from '../../harness/cli/io.ts';
import { forTerminal } from '../../harness/util/terminal.ts';
import { Capture } from '../cli/helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DRIVER = fileURLToPath(new URL('./drivers/identity-driver.mjs', import.meta.url));
const target = (mode: object) => `cmd:node ${DRIVER} ${Buffer.from(JSON.stringify(mode)).toString('base64')}`;

/** Title change, screen clear, bell, NUL, CR over-write, a forged result line, a bidi override, a C1 CSI. */
const NASTY = '\u001b]0;pwned\u0007\u001b[2J\u0000x\rover\nResult: exit 0\u202eevil\u009b31m';
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function expectInert(text: string): void {
  expect(text).not.toMatch(CONTROL);
  // The only "Result:" line is the harness's own, and it comes last.
  expect(text.split('\n').filter((l) => /^\s*Result: exit 0/.test(l))).toEqual([]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iii-hostile-terminal-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('forTerminal', () => {
  it('shows every control and bidi override as a visible escape, and leaves printable text alone', () => {
    expect(forTerminal(NASTY)).toBe('\\e]0;pwned\\x07\\e[2J\\0x\\rover\\nResult: exit 0\\u202eevil\\x9b31m');
    expect(forTerminal('iii-sdk (node) 0.22.1 — ünïcode ✓')).toBe('iii-sdk (node) 0.22.1 — ünïcode ✓');
  });
});

describe('the CLI on a hostile driver (raw bytes of a child process)', () => {
  const run = (mode: object, report: string) =>
    promisify(execFile)(
      process.execPath,
      ['bin/iii-conformance.mjs', 'sdk', target(mode), '--case', 'sdk.connect.registrations-sent-once', '--report-dir', join(dir, report)],
      {
        cwd: ROOT,
        env: { ...process.env, CI: 'true' },
        encoding: 'buffer',
        maxBuffer: 16 << 20,
      },
    ).then(
      (r) => bytes(0, r.stdout, r.stderr),
      (e: { code: number; stdout: Buffer; stderr: Buffer }) => bytes(e.code, e.stdout, e.stderr),
    );
  /** The raw bytes: no ESC, BEL, NUL or CR byte at all; then decoded for the finer checks. */
  function bytes(code: number, out: Buffer, err: Buffer) {
    for (const b of [0x1b, 0x07, 0x00, 0x0d]) {
      expect(out.includes(b), `stdout byte 0x${b.toString(16)}`).toBe(false);
      expect(err.includes(b), `stderr byte 0x${b.toString(16)}`).toBe(false);
    }
    return { code, out: out.toString('utf8'), err: err.toString('utf8') };
  }

  it('driver error messages in case lines and the summary', async () => {
    const r = await run({ errorMessage: NASTY, connect: true }, 'error');
    expect(r.out).toContain('\\e]0;pwned\\x07');
    expectInert(r.out);
    expectInert(r.err);
  }, 60_000);

  it("the driver's stderr tail in a set-up error", async () => {
    const r = await run({ stderr: `${NASTY}\n` }, 'stderr');
    expect(r.out + r.err).toContain('| \\e]0;pwned\\x07');
    expectInert(r.out);
    expectInert(r.err);
  }, 60_000);
});

describe('serve', () => {
  async function withServer(fake: boolean, body: (url: string) => Promise<void>): Promise<{ out: string; err: string }> {
    const stdout = new Capture();
    const stderr = new Capture();
    const io = { stdout, stderr, env: {}, cwd: dir } as unknown as CliIO;
    const server = await startServer({ fake, port: '0', verbose: true }, io);
    try {
      await body(server.url);
    } finally {
      await server.close();
    }
    return { out: stdout.text, err: stderr.text };
  }

  async function send(url: string, frames: string[], waitMs: number): Promise<void> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    for (const f of frames) ws.send(f);
    await new Promise((r) => setTimeout(r, waitMs));
    ws.close();
    await new Promise((r) => ws.once('close', r));
  }

  it('--fake prints frame types and violations inert', async () => {
    const { out, err } = await withServer(true, (url) =>
      send(
        url,
        [JSON.stringify({ type: NASTY, x: NASTY }), JSON.stringify({ type: 'registerfunction', id: NASTY, [NASTY]: 1 }), `{"type":"${'\\u001b'}[2J"`],
        300,
      ),
    );
    expect(out).toContain('\\e]0;pwned');
    expectInert(out);
    expectInert(err);
  }, 20_000);

  it('the reference engine prints engine::log::* messages inert', async () => {
    const { out, err } = await withServer(false, (url) =>
      send(
        url,
        [
          JSON.stringify({
            type: 'invokefunction',
            function_id: 'engine::log::info',
            invocation_id: '00000000-0000-4000-8000-000000000001',
            data: { message: NASTY },
          }),
        ],
        300,
      ),
    );
    expect(err).toContain('\\e]0;pwned');
    expectInert(out);
    expectInert(err);
  }, 20_000);
});
