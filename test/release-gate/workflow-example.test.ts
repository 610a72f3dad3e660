// Issue 13, item 6: docs/github-actions-example.yml works as written. Its shell steps are read from the
// YAML (not copied) and run here, in a fake GitHub workspace: the SDK repository is a monorepo whose
// package folder holds the tree PyPI (sdist) or npm (tarball) publishes, the harness is this checkout.
// First run: no baseline, the run creates it (exit 0, the summary says so). Second run, with one seeded
// bug in the tree: exit 1 and the regression in the step summary. The `uses:` steps (checkout, toolchains,
// JUnit, artifact) are GitHub's; "Install the harness" (npm ci) is skipped: the test runs in this
// already-installed checkout. A narrower CONFORMANCE_ARGS (--case sdk.connect) keeps it inside CI's budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { applyPatch } from '../../fixtures/mutants/sdk/node/materialize.ts';
import { SOURCE_TREE_PATCHES } from '../../fixtures/mutants/sdk/source/patches.ts';
import { REPO_ROOT } from '../../harness/targets/sdk/drivers.ts';
import { driverReady, registryTree, TEST_CACHE } from './support.ts';

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  'working-directory'?: string;
}
interface Workflow {
  jobs: { conformance: { env: Record<string, string>; steps: Step[] } };
}

const SKIPPED = new Set(['Install the harness']);

/** The job's env and its shell steps, with the only expressions they may use evaluated. */
async function workflowSteps(workspace: string): Promise<{ env: Record<string, string>; steps: Step[] }> {
  const doc = parse(await readFile(join(REPO_ROOT, 'docs', 'github-actions-example.yml'), 'utf8')) as Workflow;
  const expr = (text: string) => text.replaceAll('${{ github.workspace }}', workspace);
  const env = Object.fromEntries(Object.entries(doc.jobs.conformance.env).map(([k, v]) => [k, expr(String(v))]));
  const steps = doc.jobs.conformance.steps.filter((s) => s.run !== undefined && !SKIPPED.has(s.name ?? ''));
  for (const s of steps) expect(expr(s.run as string), `step "${s.name}" uses a GitHub expression the test cannot evaluate`).not.toContain('${{');
  return { env, steps: steps.map((s) => ({ ...s, run: expr(s.run as string) })) };
}

/** Runs the job's shell steps as GitHub does (bash -eo pipefail, each in its working-directory). */
async function runJob(workspace: string, overrides: Record<string, string>): Promise<{ codes: number[]; summary: string; output: string; log: string }> {
  const { env, steps } = await workflowSteps(workspace);
  const summaryFile = join(workspace, 'step-summary.md');
  const outputFile = join(workspace, 'github-output');
  await writeFile(summaryFile, '');
  await writeFile(outputFile, '');
  const codes: number[] = [];
  let log = '';
  let failed = false;
  for (const [i, step] of steps.entries()) {
    // `if: always()` steps run after a failure, the others do not.
    if (failed && !/Summary/.test(step.name ?? '')) continue;
    const script = join(workspace, `step-${i}.sh`);
    await writeFile(script, step.run as string);
    const code = await new Promise<number>((resolve) => {
      execFile(
        'bash',
        ['--noprofile', '--norc', '-eo', 'pipefail', script],
        {
          cwd: join(workspace, step['working-directory'] ?? '.'),
          env: {
            ...process.env,
            ...env,
            GITHUB_WORKSPACE: workspace,
            GITHUB_RUN_NUMBER: '17',
            GITHUB_OUTPUT: outputFile,
            GITHUB_STEP_SUMMARY: summaryFile,
            III_CONFORMANCE_CACHE: TEST_CACHE,
            ...overrides,
          },
          maxBuffer: 64 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          log += `--- ${step.name}\n${stdout}${stderr}`;
          resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0);
        },
      );
    });
    codes.push(code);
    if (code !== 0) failed = true;
  }
  return { codes, summary: await readFile(summaryFile, 'utf8'), output: await readFile(outputFile, 'utf8'), log };
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iii-workflow-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.each([
  { sdk: 'python' as const, path: 'sdk/packages/python/iii' },
  { sdk: 'node' as const, path: 'sdk/packages/node/iii' },
])('docs/github-actions-example.yml on the $sdk SDK', ({ sdk, path }) => {
  it.skipIf(!driverReady(sdk))(
    'first run creates the baseline and passes; a seeded bug then fails the job with the regression in the summary',
    async () => {
      const workspace = join(work, sdk);
      const pkg = join(workspace, 'sdk-repo', path);
      await mkdir(join(pkg, '..'), { recursive: true });
      await cp(await registryTree(sdk, join(work, `${sdk}-download`)), pkg, { recursive: true });
      await symlink(REPO_ROOT, join(workspace, 'harness'), 'dir');
      const overrides = { SDK: sdk, SDK_PATH: path, BASELINE: `.github/conformance/${sdk}-baseline.json`, CONFORMANCE_ARGS: '--case sdk.connect' };

      const first = await runJob(workspace, overrides);
      expect(first.codes, first.log).toEqual([0, 0]);
      expect(existsSync(join(workspace, 'sdk-repo', overrides.BASELINE)), first.log).toBe(true);
      expect(existsSync(join(workspace, 'conformance-report', 'baseline', `${sdk}-baseline.json`))).toBe(true);
      expect(first.summary).toMatch(/^Baseline created: \.github\/conformance\/\w+-baseline\.json \(\d+ known failures\)/m);
      expect(first.summary).toMatch(/^### iii-conformance$/m);
      expect(first.summary).toMatch(/\*\*iii-sdk \(\w+\) [\d.]+\*\*: \d+ pass, /);
      expect(first.summary).toContain('Seed 17 · exit 0');
      expect(first.output).toContain('exit-code=0');
      expect(first.output).toContain('attempt=first');

      const patch = SOURCE_TREE_PATCHES.find((p) => p.sdk === sdk);
      if (!patch) throw new Error(`no source-tree mutant for ${sdk}`);
      const file = join(pkg, patch.file);
      await writeFile(file, applyPatch(await readFile(file, 'utf8'), patch));
      await rm(join(workspace, 'conformance-report'), { recursive: true, force: true });
      const second = await runJob(workspace, overrides);
      expect(second.codes, second.log).toEqual([1, 0]);
      expect(second.summary).not.toContain('Baseline created');
      expect(second.summary).toContain(`- :x: \`${patch.caseId}\` (MUST)`);
      expect(second.summary).toContain('Seed 17 · exit 1');
      expect(second.output).toContain('exit-code=1');
    },
    600_000,
  );
});
