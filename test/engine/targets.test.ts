// The engine targets: url against a running reference engine, cmd by launching the reference engine
// as a command (process group, port wait, output kept, stopped), image skipped without Docker.

import { createServer } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceEngine, type RunningEngine } from '../../harness/reference-engine/index.ts';
import { EngineTargetSkipped, openEngineTarget, probeDocker, probeEngine } from '../../harness/targets/engine/index.ts';
import { planCommand } from '../../harness/targets/engine/process.ts';

let artifactsRoot = '';
beforeAll(async () => {
  artifactsRoot = await mkdtemp(join(tmpdir(), 'engine-targets-'));
});
afterAll(async () => {
  await rm(artifactsRoot, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describe('url target', () => {
  let engine: RunningEngine;
  beforeAll(async () => {
    engine = await startReferenceEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('opens a running engine and sees workerregistered first', async () => {
    const target = await openEngineTarget({ kind: 'url', url: engine.url }, { artifactsRoot });
    expect(target.url).toBe(engine.url);
    const probe = await probeEngine(target.url);
    expect(JSON.parse(probe.firstFrame ?? '{}').type).toBe('workerregistered');
    await target.close();
  });

  it('says what to do when nothing listens there', async () => {
    const port = await freePort();
    await expect(openEngineTarget({ kind: 'url', url: `ws://127.0.0.1:${port}` }, { artifactsRoot })).rejects.toThrow(/Is the engine running\?/);
  });

  it('refuses a URL that is not ws://', async () => {
    await expect(openEngineTarget({ kind: 'url', url: 'http://127.0.0.1:1' }, { artifactsRoot })).rejects.toThrow(/ws:\/\//);
  });
});

describe('cmd target', () => {
  it('runs a plain command line directly (the engine leads its group) and shell syntax under /bin/sh', () => {
    expect(planCommand(`III_X=1 node 'a b.js' --port 9`, {})).toEqual({ file: 'node', args: ['a b.js', '--port', '9'], env: { III_X: '1' }, shell: false });
    expect(planCommand('engine --port 9 && echo done', {})).toMatchObject({ file: '/bin/sh', args: ['-c', 'engine --port 9 && echo done'], shell: true });
    expect(planCommand('engine --config $HOME/x.yaml', {})).toMatchObject({ shell: true });
  });

  it('launches the reference engine as a command, waits for its port, keeps its output and stops it', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const command = `"${process.execPath}" --import tsx harness/reference-engine/main.ts --port ${port}`;
    const target = await openEngineTarget({ kind: 'cmd', command, url }, { artifactsRoot, readyTimeoutMs: 20_000 });
    try {
      const probe = await probeEngine(url);
      expect(probe.ok).toBe(true);
      expect(JSON.parse(probe.firstFrame ?? '{}')).toMatchObject({ type: 'workerregistered' });
    } finally {
      await target.close();
    }
    expect(target.outputTail()).toContain(`listening ${url}`);
    const [logFile] = target.logFiles();
    expect(await readFile(logFile ?? '', 'utf8')).toContain('SIGTERM: stopping');
    expect((await probeEngine(url, 1000)).ok).toBe(false); // the whole process group is gone
  });

  it('reports the output of a command that dies before its port answers', async () => {
    const port = await freePort();
    const command = `echo "engine exploded" >&2; exit 3`;
    await expect(openEngineTarget({ kind: 'cmd', command, url: `ws://127.0.0.1:${port}` }, { artifactsRoot, readyTimeoutMs: 10_000 })).rejects.toThrow(
      /exited before.*\n?.*engine exploded/s,
    );
  });
});

describe('image target', () => {
  it('is skipped with the stated reason when no Docker daemon is reachable', async () => {
    const docker = await probeDocker();
    if (docker.available) return; // a machine with Docker runs the container for real; not this test's job
    const attempt = openEngineTarget({ kind: 'image', image: 'iiidev/iii:latest' }, { artifactsRoot });
    await expect(attempt).rejects.toBeInstanceOf(EngineTargetSkipped);
    await expect(attempt).rejects.toMatchObject({ skipped: true, reason: expect.stringMatching(/no Docker daemon is reachable/) });
  });
});
