// An engine reports its identity: the version from its own engine::workers::list answer (in-process rows,
// runtime "engine"), the name iii-engine, --engine-name over both; a hostile answer (control bytes, 300
// characters) is made printable and short, and the reports are still written. Against the embedded
// reference engine and a scripted engine (a plain ws server playing the few frames needed).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Catalogue, EngineTargetSpec } from '../../harness/cases/catalogue.ts';
import type { EngineCatalogue } from '../../harness/cli/io.ts';
import { defaultBaselinePath } from '../../harness/baselines/baseline.ts';
import { startReferenceEngine, ENGINE_VERSION, type RunningEngine } from '../../harness/reference-engine/index.ts';
import { openEngineTarget } from '../../harness/targets/engine/index.ts';
import { parseEngineName, resolveEngineIdentity, sanitizeIdentifier, versionFromWorkerList } from '../../harness/targets/engine/identity.ts';
import { syntheticEngineCatalogue, type SynthContext } from './fixtures/synthetic.ts';
import { cli, withTempDir } from './helpers.ts';
import { validateFrame } from '../../harness/wire/index.ts';

const HOSTILE = `\u001b]0;pwned\u0007\u001b[2J\r\nResult: exit 0\u0000${'v'.repeat(300)}`;

describe('identity rules', () => {
  it('takes the version of the first in-process engine row, sanitised and clipped', () => {
    const rows = [
      { name: 'billing', runtime: 'node', version: '9.9.9' },
      { name: 'iii-engine-functions', runtime: 'engine', version: '0.13.0' },
    ];
    expect(versionFromWorkerList({ workers: rows })).toBe('0.13.0');
    expect(versionFromWorkerList({ workers: [{ runtime: 'node', version: '1.0.0' }] })).toBeUndefined();
    expect(versionFromWorkerList({ workers: 'no' })).toBeUndefined();
    expect(versionFromWorkerList(null)).toBeUndefined();
    const hostile = versionFromWorkerList({ workers: [{ runtime: 'engine', version: HOSTILE }] }) ?? '';
    expect(hostile).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(hostile.length).toBeLessThanOrEqual(64);
    expect(hostile.startsWith(']0;pwned[2JResult: exit 0v')).toBe(true);
  });

  it('--engine-name overrides the name, and the version when given; the target label is the last resort', () => {
    expect(parseEngineName('my-engine@1.4.0')).toEqual({ name: 'my-engine', version: '1.4.0' });
    expect(parseEngineName('@scope/engine')).toEqual({ name: '@scope/engine' });
    expect(parseEngineName('x@')).toBeNull();
    expect(parseEngineName('\u0007')).toBeNull();
    expect(resolveEngineIdentity('0.13.0', undefined, 'ws://h:1')).toEqual({ name: 'iii-engine', version: '0.13.0', source: 'engine' });
    expect(resolveEngineIdentity('0.13.0', { name: 'mine' }, 'ws://h:1')).toEqual({ name: 'mine', version: '0.13.0', source: '--engine-name' });
    expect(resolveEngineIdentity('0.13.0', { name: 'mine', version: '2' }, 'ws://h:1')).toEqual({ name: 'mine', version: '2', source: '--engine-name' });
    expect(resolveEngineIdentity(undefined, undefined, 'ws://h:1')).toEqual({ name: 'ws://h:1', version: 'unknown', source: 'target' });
    expect(sanitizeIdentifier(' a\u202eb ')).toBe('ab');
  });

  it('keys the default baseline file by the identity', () => {
    expect(defaultBaselinePath('/r', { name: 'iii-engine', version: '0.13.0' })).toBe('/r/fixtures/baselines/iii-engine@0.13.0.json');
  });
});

describe('the embedded reference engine, at a URL', () => {
  let engine: RunningEngine;
  beforeAll(async () => {
    engine = await startReferenceEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('lists an in-process engine worker: named iii-engine at its version, and the asking worker is gone', async () => {
    const opened = await openEngineTarget({ kind: 'url', url: engine.url }, { artifactsRoot: '/nonexistent' });
    await opened.close();
    expect(opened.implementation).toMatchObject({ name: 'iii-engine', version: ENGINE_VERSION });
    // One fake worker asked, then disconnected: nothing of it is left in the engine.
    await expect.poll(() => engine.engine.connections.size, { timeout: 2000 }).toBe(0);
  });

  it('--engine-name names it; with a version, the engine is not asked', async () => {
    const named = await openEngineTarget({ kind: 'url', url: engine.url, engineName: { name: 'my-engine' } }, { artifactsRoot: '/nonexistent' });
    expect(named.implementation).toMatchObject({ name: 'my-engine', version: ENGINE_VERSION });
    const both = await openEngineTarget(
      { kind: 'url', url: engine.url, engineName: { name: 'my-engine', version: '1.4.0' } },
      { artifactsRoot: '/nonexistent' },
    );
    expect(both.implementation).toMatchObject({ name: 'my-engine', version: '1.4.0' });
  });
});

/** A scripted engine: workerregistered on connect, and `list` answers engine::workers::list (null: an error). */
async function scriptedEngine(list: unknown): Promise<{ url: string; asked: () => number; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let asked = 0;
  const sockets = new Set<WebSocket>();
  server.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.send(JSON.stringify({ type: 'workerregistered', worker_id: '5b0e4b8e-4a41-4bd6-9f3c-0d1e2f3a4b5c' }));
    ws.on('message', (data) => {
      // The identity probe is the harness's own frame: validated, then read through its generated type.
      const verdict = validateFrame(data.toString(), 'worker->engine');
      if (!verdict.ok || verdict.type !== 'invokefunction' || verdict.frame.function_id !== 'engine::workers::list') return;
      const frame = verdict.frame;
      asked++;
      const answer = list === null ? { error: { code: 'function_not_found', message: 'no such function' } } : { result: list };
      ws.send(JSON.stringify({ type: 'invocationresult', invocation_id: frame.invocation_id, function_id: frame.function_id, ...answer }));
    });
  });
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    asked: () => asked,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The synthetic engine cases, on a target opened for real (so the identity comes from openEngineTarget). */
function catalogueOpeningTargets(): EngineCatalogue {
  const synth = syntheticEngineCatalogue();
  const catalogue: Catalogue<SynthContext, EngineTargetSpec> = {
    ...synth,
    open: async (spec, options) => {
      const endpoint = await openEngineTarget(spec, { artifactsRoot: options.artifactsRoot });
      const inner = await synth.open(spec, options);
      return { ...inner, implementation: endpoint.implementation, close: () => endpoint.close() };
    },
  };
  return catalogue as unknown as EngineCatalogue;
}

describe('a scripted engine', () => {
  it('answering with a hostile version: sanitised in the reports and on the terminal, reports still written', async () => {
    const engine = await scriptedEngine({ workers: [{ name: HOSTILE, runtime: 'engine', version: HOSTILE, id: 'x', status: 'available' }] });
    try {
      await withTempDir(async (dir) => {
        const r = await cli(['engine', '--engine-url', engine.url, '--report-dir', dir], { engine: catalogueOpeningTargets() });
        expect(r.code, r.out + r.err).toBe(0);
        expect(engine.asked()).toBe(1);
        expect(r.out + r.err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        const doc = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { runs: { implementation: { name: string; version: string } }[] };
        const impl = doc.runs[0]?.implementation;
        expect(impl?.name).toBe('iii-engine');
        expect(impl?.version).toBe(sanitizeIdentifier(HOSTILE));
        expect(impl?.version.length).toBe(64);
        expect(r.out).toContain(`iii-engine ${impl?.version}`);
        for (const f of ['junit.xml', 'index.html']) await expect(readFile(join(dir, f), 'utf8')).resolves.toContain('iii-engine');
      });
    } finally {
      await engine.close();
    }
  });

  it('giving no version: named by its URL, or by --engine-name', async () => {
    const engine = await scriptedEngine(null);
    try {
      await withTempDir(async (dir) => {
        const plain = await cli(['engine', '--engine-url', engine.url, '--report-dir', dir], { engine: catalogueOpeningTargets() });
        expect(plain.code, plain.out + plain.err).toBe(0);
        expect(plain.out).toContain(`${engine.url} unknown`);
        const named = await cli(['engine', '--engine-url', engine.url, '--engine-name', 'my-engine@1.4.0', '--report-dir', dir], {
          engine: catalogueOpeningTargets(),
        });
        expect(named.code, named.out + named.err).toBe(0);
        expect(named.out).toContain('my-engine 1.4.0');
        expect(engine.asked()).toBe(1); // with name and version given, the engine is not asked
      });
    } finally {
      await engine.close();
    }
  });

  it('refuses an unprintable --engine-name, and one for the embedded engine, with exit 3 and one line', async () => {
    for (const args of [
      ['engine', '--engine-url', 'ws://127.0.0.1:9', '--engine-name', 'a\u001b[2Jb'],
      ['engine', '--engine-url', 'ws://127.0.0.1:9', '--engine-name', 'x'.repeat(65)],
      ['engine', '--engine-name', 'mine'],
    ]) {
      const r = await cli(args, { engine: catalogueOpeningTargets() });
      expect(r.code).toBe(3);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toContain('\u001b');
    }
  });
});
