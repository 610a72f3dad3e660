// serve: the reference engine and the fake engine on a port, for manual debugging with real workers.

import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { runCli } from '../../harness/cli/program.ts';
import type { CliIO } from '../../harness/cli/io.ts';
import { Capture, withTempDir } from './helpers.ts';

function start(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const abort = new AbortController();
  const io: CliIO = {
    stdout,
    stderr,
    env: { CI: 'true' },
    cwd: process.cwd(),
    signal: abort.signal,
    loadSdkCatalogue: async () => {
      throw new Error('not used');
    },
    loadEngineCatalogue: async () => {
      throw new Error('not used');
    },
  };
  const done = runCli(argv, io);
  const url = async (): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const m = /listening on (ws:\/\/\S+)/.exec(stdout.text);
      if (m) return m[1] as string;
      if (stderr.text) throw new Error(stderr.text);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no URL printed: ${stdout.text}`);
  };
  return { stdout, stderr, done, url, stop: () => abort.abort() };
}

async function firstFrame(url: string): Promise<Record<string, unknown>> {
  const ws = new WebSocket(url);
  try {
    return await new Promise((resolve, reject) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>));
      ws.once('error', reject);
    });
  } finally {
    ws.terminate();
  }
}

describe('serve', () => {
  it('runs the reference engine until stopped; a worker gets workerregistered', async () => {
    const s = start(['serve', '--port', '0']);
    const url = await s.url();
    expect(s.stdout.text).toContain(`reference engine listening on ${url}`);
    expect(await firstFrame(url)).toMatchObject({ type: 'workerregistered' });
    s.stop();
    expect(await s.done).toBe(0);
    expect(s.stdout.text).toContain('stopped');
  });

  it('--fake prints every frame and keeps the transcript', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 't.jsonl');
      const s = start(['serve', '--fake', '--port', '0', '--transcript', file]);
      const url = await s.url();
      expect(await firstFrame(url)).toMatchObject({ type: 'workerregistered' });
      for (let i = 0; i < 100 && !s.stdout.text.includes('workerregistered'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(s.stdout.text).toMatch(/engine → worker +workerregistered/);
      // The file grows while the server runs (the journal is flushed every 200 ms), for someone tailing it.
      let written = '';
      for (let i = 0; i < 50 && !written.includes('"workerregistered"'); i++) {
        await new Promise((r) => setTimeout(r, 40));
        written = await readFile(file, 'utf8');
      }
      expect(written).toContain('"workerregistered"');
      s.stop();
      expect(await s.done).toBe(0);
      // Complete at the end: the connection's close is there too, and every line parses.
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { kind: string; event?: string }).event)).toContain('close');
    });
  });

  it('--transcript naming a folder: exit 4, naming the file', async () => {
    await withTempDir(async (dir) => {
      const s = start(['serve', '--fake', '--port', '0', '--transcript', dir]);
      expect(await s.done).toBe(4);
      expect(s.stderr.text).toContain(`the transcript cannot be written to ${dir}`);
    });
  });

  it('a port in use: exit 4 with what to do; a bad port: exit 3', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const s = start(['serve', '--port', String(port)]);
      expect(await s.done).toBe(4);
      expect(s.stderr.text).toBe(
        `iii-conformance: port ${port} on 127.0.0.1 is already in use: stop what listens there, or pass --port <n> (0 picks a free port)\n`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    const bad = start(['serve', '--port', 'http']);
    expect(await bad.done).toBe(3);
    const noFake = start(['serve', '--transcript', 'x.jsonl']);
    expect(await noFake.done).toBe(3);
    expect(noFake.stderr.text).toContain('--transcript records the fake engine: add --fake');
  });
});
