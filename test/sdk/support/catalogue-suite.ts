// One vitest test per SDK case against one bundled SDK, through runCase exactly as the CLI runs it, gated
// by that SDK's baseline: a FAIL listed in fixtures/baselines/<sdk>@<version>.json is expected (a known
// finding), a listed case that PASSes is a stale entry and fails the test, UNSUPPORTED is fine, and
// INDETERMINATE is reported as skipped with its reason (never as a pass).

import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedTarget } from '../../../harness/cases/catalogue.ts';
import type { CaseDefinition, CaseResult } from '../../../harness/cases/model.ts';
import { runCase } from '../../../harness/cases/run-case.ts';
import { defaultBaselinePath, isIntermittent, loadBaseline, type Baseline } from '../../../harness/baselines/baseline.ts';
import { REPO_ROOT, type BuiltinSdk } from '../../../harness/targets/sdk/drivers.ts';
import { sdkCatalogue, type SdkCaseContext } from '../../../specs/sdk/index.ts';
import { freshArtifactsRoot, openBuiltin, skipReason, SLOW_LANE, tolerance, unavailableReason } from './targets.ts';

/** Turns a result into the line a failing test shows: verdict, summary, expected vs actual, transcript. */
export function explain(r: CaseResult): string {
  const o = r.outcome;
  const parts = [`${o.verdict}: ${o.summary}`];
  if (o.expected !== undefined) parts.push(`expected: ${JSON.stringify(o.expected)?.slice(0, 600)}`);
  if (o.actual !== undefined) parts.push(`actual:   ${JSON.stringify(o.actual)?.slice(0, 600)}`);
  if (r.artifacts.transcriptFile) parts.push(`transcript: ${r.artifacts.transcriptFile}`);
  return parts.join('\n');
}

export interface SuiteSelection {
  /** Which cases this file runs (default: all). */
  only?: (def: CaseDefinition<SdkCaseContext>) => boolean;
  /** Run slow-lane cases even when III_CONFORMANCE_SLOW is not set (the property files do). */
  includeSlow?: boolean;
  label?: string;
}

export function defineCatalogueSuite(sdk: BuiltinSdk, selection: SuiteSelection = {}): void {
  const label = selection.label ?? 'SDK catalogue';
  const cases = sdkCatalogue.cases.filter(selection.only ?? (() => true));
  const skip = skipReason(sdk);
  if (skip !== undefined) {
    describe.skip(`${label} against ${sdk}: driver unavailable (${skip})`, () => {
      it('needs the driver', () => {});
    });
    return;
  }

  let target: OpenedTarget<SdkCaseContext>;
  let baseline: Baseline | undefined;
  let root = '';
  const started = performance.now();
  const seen: { id: string; verdict: string; ms: number }[] = [];

  describe(`${label} against ${sdk}`, () => {
    beforeAll(async () => {
      const reason = unavailableReason(sdk);
      if (reason !== undefined) throw new Error(`the ${sdk} driver is unavailable in CI: ${reason}`);
      root = freshArtifactsRoot(`sdk-${sdk}`);
      target = await openBuiltin(sdk, root);
      baseline = await loadBaseline(defaultBaselinePath(REPO_ROOT, target.implementation), false);
    }, 60_000);

    afterAll(async () => {
      await target?.close();
      if (process.env.III_CONFORMANCE_KEEP_ARTIFACTS !== '1') await rm(root, { recursive: true, force: true });
      if (process.env.SDK_CASE_TIMES) {
        for (const s of seen) process.stdout.write(`${String(s.ms).padStart(6)} ms  ${s.verdict.padEnd(13)} ${s.id}\n`);
        process.stdout.write(`${sdk}: ${seen.length} cases in ${Math.round(performance.now() - started)} ms\n`);
      }
    });

    for (const def of cases) {
      const skipSlow = def.lane === 'slow' && !SLOW_LANE && !selection.includeSlow;
      it.skipIf(skipSlow)(
        def.id,
        async (t) => {
          const result = await runCase(def, target.implementation, target.contextFactory, { seed: 7, tolerance, artifactsRoot: root });
          seen.push({ id: def.id, verdict: result.outcome.verdict, ms: result.durationMs });
          const known = baseline?.entries.get(def.id);
          const v = result.outcome.verdict;
          if (v === 'UNSUPPORTED') return;
          if (v === 'INDETERMINATE') return t.skip(`INDETERMINATE (the machine could not decide): ${result.outcome.summary}`);
          if (known !== undefined) {
            if (v === 'PASS' && isIntermittent(known)) return t.skip(`intermittent known finding not seen this run: ${known}`);
            expect(v, `stale baseline entry in ${baseline?.path}: "${def.id}" (${known}) now ${v}; remove it\n${explain(result)}`).not.toBe('PASS');
            expect(v, `baselined as "${known}" but ${v}\n${explain(result)}`).toBe('FAIL');
            return;
          }
          expect(v, explain(result)).toBe('PASS');
        },
        def.timeoutMs + 10_000,
      );
    }
  });
}
