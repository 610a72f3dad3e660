// A property failure is shrunk and comes with one command that replays exactly that counterexample: run
// the property on a Node mutant, then run the printed command (and the saved-file form) in a fresh
// process and see the same failure again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { toleranceFromEnv } from '../../harness/timing/tolerance.ts';
import { REPO_ROOT } from '../../harness/targets/sdk/drivers.ts';
import { openNodeMutantTarget } from '../../specs/sdk/target.ts';
import { findProperty } from '../../specs/sdk/properties/properties.ts';
import { runProperty, type PropertyReport } from '../../specs/sdk/properties/run-property.ts';

const MUTANT = 'counter-never-resets';
const PROPERTY = 'prop.sdk.backoff.counter-resets';
const SEED = 42;

let root = '';
let report: PropertyReport | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iii-prop-replay-'));
  const tolerance = toleranceFromEnv();
  const opened = await openNodeMutantTarget(MUTANT, { tolerance, artifactsRoot: root });
  const abort = new AbortController();
  const prepared = await opened.contextFactory({ caseId: PROPERTY, seed: SEED, tolerance, artifactsDir: root, signal: abort.signal, judgesTiming: true });
  try {
    report = await runProperty(findProperty(PROPERTY), prepared.ctx, {
      seed: SEED,
      numRuns: 3,
      shrinkBudgetMs: 8000,
      targetArg: `--node-mutant ${MUTANT}`,
      outDir: join(root, 'cx'),
    });
  } finally {
    await prepared.dispose();
    abort.abort();
    await opened.close();
  }
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('replaying a shrunk counterexample', () => {
  it('fails, shrinks, and records seed, path, input, transcript and the replay command', async () => {
    expect(report?.outcome.verdict, report?.outcome.summary).toBe('FAIL');
    const cx = report!.counterexample!;
    expect(cx.seed).toBe(SEED);
    expect(cx.path).toMatch(/^\d+(:\d+)*$/);
    expect(cx.replay).toBe(`npx tsx specs/sdk/properties/replay.ts --node-mutant ${MUTANT} --property ${PROPERTY} --seed ${SEED} --path ${cx.path}`);
    expect(cx.transcript.some((r) => r.kind === 'frame')).toBe(true);
    const saved = JSON.parse(await readFile(report!.counterexampleFile!, 'utf8')) as { input: unknown; path: string };
    expect(saved.input).toEqual(cx.input);
    expect(report!.outcome.summary).toContain(`path ${cx.path}`);
  });

  it('the printed --seed/--path command fails again in a fresh process', async () => {
    const args = report!.counterexample!.replay.replace(/^npx tsx /, '').split(' ');
    const r = await execa('npx', ['tsx', ...args, '--no-shrink'], { cwd: REPO_ROOT, reject: false, timeout: 90_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/^FAIL: /m);
  }, 100_000);

  it('the saved counterexample file replays to the same failure', async () => {
    const r = await execa('npx', ['tsx', 'specs/sdk/properties/replay.ts', '--node-mutant', MUTANT, '--counterexample', report!.counterexampleFile!], {
      cwd: REPO_ROOT,
      reject: false,
      timeout: 90_000,
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/^#1 FAIL: /m);
  }, 100_000);
});
