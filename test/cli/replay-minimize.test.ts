// Issue 14, minimisation: a known failure, the Node SDK's message_type leak (sdk.wire.strict-fields), is
// recorded against the corrected SDK (fixed-no-message-type), so the recording holds what a correct SDK
// sends. Replayed against the real SDK it diverges; `replay --minimize` shrinks it to <= 5 frames, and the
// written minimal.jsonl still diverges the same way in a fresh process (the real bin). A transcript that
// replays clean has nothing to minimise (the tool says no too; its other refusals: test/replay/minimize.test.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sdkCatalogue } from '../../specs/sdk/index.ts';
import { runCatalogue } from '../../harness/runner/run-catalogue.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { materializeNodeVariant } from '../../fixtures/mutants/sdk/node/materialize.ts';
import { parseRecords, scriptFromRecords } from '../../harness/runner/replay.ts';
import { cli } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SDK_DIR = join(ROOT, 'fixtures', 'drivers', 'node', 'node_modules', 'iii-sdk');
const HAVE_NODE_DRIVER = existsSync(join(SDK_DIR, 'package.json'));
const CASE = 'sdk.wire.strict-fields';

describe.skipIf(!HAVE_NODE_DRIVER)('replay --minimize', () => {
  let dir: string;
  let transcript: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iii-conf-minimize-'));
    const fixed = await materializeNodeVariant(SDK_DIR, ['fixed-no-message-type']);
    const driver = join(ROOT, 'fixtures', 'drivers', 'node', 'driver.mjs');
    const target = { kind: 'cmd', command: `env III_CONFORMANCE_NODE_SDK=${join(fixed, 'dist', 'index.mjs')} ${process.execPath} ${driver}` } as const;
    const cases = sdkCatalogue.cases.filter((c) => c.id === CASE);
    const silent = { begin() {}, caseStarted() {}, caseFinished() {}, end() {} };
    const run = await runCatalogue(sdkCatalogue, target, {
      targetLabel: 'fixed',
      cases,
      repeat: 1,
      baseSeed: 1,
      tolerance: DEFAULT_TOLERANCE,
      artifactsRoot: join(dir, 'artifacts'),
      progress: silent,
    });
    expect(run.cases[0]?.result.outcome.verdict).toBe('PASS');
    transcript = join(dir, 'recorded.jsonl');
    await copyFile(run.cases[0]?.result.artifacts.transcriptFile as string, transcript);
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shrinks the message_type leak to <= 5 frames that still diverge in a fresh process', async () => {
    const out = join(dir, 'minimal.jsonl');
    const r = await cli(['replay', transcript, '--sdk', 'node', '--minimize', out], { cwd: dir });
    expect(r.err).toBe('');
    expect(r.out).toMatch(/replay: minimised from \d+ steps to \d+ \(\d+ frames?\) in \d+ replays/);
    expect(r.code).toBe(1);
    const minimal = scriptFromRecords(parseRecords(await readFile(out, 'utf8')));
    const frames = minimal.steps.filter((s) => s.frame !== undefined);
    const before = scriptFromRecords(parseRecords(await readFile(transcript, 'utf8'))).steps.filter((s) => s.frame !== undefined);
    console.log(`minimise ${CASE}: ${before.length} frames -> ${frames.length}; ${r.out.split('\n')[0]}`);
    expect(frames.length).toBeLessThanOrEqual(5);
    expect(r.out).toContain(`rerun: npx --no iii-conformance replay ${out} --sdk node`);

    const fresh = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'iii-conformance.mjs'), 'replay', out, '--sdk', 'node'], {
      cwd: dir,
      env: { ...process.env, CI: '1' },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toMatch(/DIVERGED at SDK frame \d+/);
    expect(fresh.stdout).toMatch(/message_type/);
  }, 240_000);

  it('a transcript that replays clean: nothing to minimise (exit 0, no file)', async () => {
    const out = join(dir, 'none.jsonl');
    const r = await cli(
      [
        'replay',
        transcript,
        '--sdk',
        `cmd:env III_CONFORMANCE_NODE_SDK=${join(await materializeNodeVariant(SDK_DIR, ['fixed-no-message-type']), 'dist', 'index.mjs')} ${process.execPath} ${join(ROOT, 'fixtures', 'drivers', 'node', 'driver.mjs')}`,
        '--minimize',
        out,
      ],
      { cwd: dir },
    );
    // The whole output is the message: a CI failure here says what the replays saw.
    expect(r.out, r.out).toMatch(/replays without divergence: there is nothing to minimise/);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
