// replay against an SDK: a transcript recorded with the real Node SDK (fake engine + bundled driver) plays
// back clean against the same SDK, and names the first diverging frame against a mutant of it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { launchDriver } from '../../harness/targets/sdk/index.ts';
import { writeTranscript } from '../../harness/transcript/jsonl.ts';
import { materializeNodeMutant } from '../../fixtures/mutants/sdk/node/materialize.ts';
import { cli } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SDK_DIR = join(ROOT, 'fixtures', 'drivers', 'node', 'node_modules', 'iii-sdk');
const HAVE_NODE_DRIVER = existsSync(join(SDK_DIR, 'package.json'));

describe.skipIf(!HAVE_NODE_DRIVER)(
  `replay against the Node SDK${HAVE_NODE_DRIVER ? '' : ' (skipped: the node driver is not set up; npm run setup -- --only=node)'}`,
  () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'iii-conf-sdkreplay-'));
      await mkdir(join(dir, 'logs'));
      const engine = await FakeEngine.start();
      const session = await launchDriver({ kind: 'builtin', sdk: 'node' }, { url: engine.url, logFile: join(dir, 'logs', 'driver.jsonl') });
      try {
        await session.registerFunction('demo::echo', { kind: 'echo' });
        const conn = await engine.waitForConnection();
        await engine.waitForFrame({ type: 'registerfunction', id: 'demo::echo' } as never);
        await engine.waitForFrame({ type: 'invokefunction', function_id: 'engine::workers::register' } as never);
        expect(await conn.invoke('demo::echo', { a: 1 })).toMatchObject({ ok: true });
        await session.shutdown();
      } finally {
        await session.stop();
        await engine.close();
      }
      await writeTranscript(join(dir, 'transcript.jsonl'), engine.transcript);
      // The shape of a repro bundle: the transcript plus the driver log whose commands replay re-sends.
      await writeFile(
        join(dir, 'bundle.json'),
        JSON.stringify({
          format: 'iii-conformance-repro',
          version: 1,
          side: 'sdk',
          target: 'node',
          transcript: 'transcript.jsonl',
          logs: ['logs/driver.jsonl'],
        }),
      );
    }, 60_000);

    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('the same SDK answers like the recording (exit 0)', async () => {
      const r = await cli(['replay', dir]);
      expect(r.err).toBe('');
      expect(r.out).toContain('playing the recorded engine side');
      expect(r.out).toMatch(/no divergence — sent \d+ recorded frames as the engine, and the SDK \(node\) answered like the recording/);
      expect(r.code).toBe(0);
    }, 60_000);

    it('a mutant SDK (worker metadata without runtime) diverges at the register call (exit 1)', async () => {
      const mutant = await materializeNodeMutant(SDK_DIR, 'metadata-no-runtime');
      const driver = join(ROOT, 'fixtures', 'drivers', 'node', 'driver.mjs');
      const r = await cli(['replay', dir, '--sdk', `cmd:env III_CONFORMANCE_NODE_SDK=${join(mutant, 'dist', 'index.mjs')} ${process.execPath} ${driver}`]);
      expect(r.out).toMatch(/DIVERGED at SDK frame \d+/);
      expect(r.out).toMatch(/invokefunction \(worker->engine, .*\) differs at \/data\/runtime: recorded "node", live undefined/);
      expect(r.code).toBe(1);
    }, 60_000);

    it('a mutant that changes no frame (it requests a subprotocol) diverges at the upgrade request (exit 1)', async () => {
      const mutant = await materializeNodeMutant(SDK_DIR, 'requests-subprotocol');
      const driver = join(ROOT, 'fixtures', 'drivers', 'node', 'driver.mjs');
      const r = await cli(['replay', dir, '--sdk', `cmd:env III_CONFORMANCE_NODE_SDK=${join(mutant, 'dist', 'index.mjs')} ${process.execPath} ${driver}`]);
      expect(r.out).toMatch(/DIVERGED at the upgrade \(sec-websocket-protocol\)/);
      expect(r.out).toMatch(/header sec-websocket-protocol: recorded undefined, live "/);
      expect(r.code).toBe(1);
    }, 60_000);
  },
);
