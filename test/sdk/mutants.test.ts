// Every SDK case can fail: each case of sdkCatalogue (this catalogue's and the backoff cases alike) has a
// row in fixtures/mutants/sdk/case-mutants.json, PASSes on its correct Node variant (the real iii-sdk,
// or the documented "fixed-*" correction named in the row) and FAILs on each of its mutants. A case
// without a row fails here: a check nobody has seen fail is a defect. Slow-lane cases run with
// III_CONFORMANCE_SLOW=1.

import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCase } from '../../harness/cases/run-case.ts';
import type { CaseResult } from '../../harness/cases/model.ts';
import { sdkCatalogue, type SdkCase } from '../../specs/sdk/index.ts';
import { correctVariant, mutantVariants, readCaseMutants, type Variant } from '../../fixtures/mutants/sdk/case-mutants.ts';
import { BROWSER_CASE_MUTANTS } from '../../fixtures/mutants/sdk/browser/case-mutants.ts';
import { explain } from './support/catalogue-suite.ts';
import { freshArtifactsRoot, NodeVariants, SLOW_LANE, tolerance, unavailableReason } from './support/targets.ts';

const rows = readCaseMutants();
const nodeUnavailable = unavailableReason('node');
const root = freshArtifactsRoot('sdk-mutants');
const variants = new NodeVariants(root);

afterAll(async () => {
  await variants.closeAll();
  if (process.env.III_CONFORMANCE_KEEP_ARTIFACTS !== '1') await rm(root, { recursive: true, force: true });
});

/**
 * The capability trap (specs/README.md): a case gated on a capability the Node variants do not declare is
 * UNSUPPORTED on all of them, so it can neither pass nor fail here. Said plainly instead of "expected
 * UNSUPPORTED to be PASS".
 */
function unsupportedExplained(def: SdkCase, r: CaseResult): string {
  return `${def.id} is UNSUPPORTED on the Node variants (${r.outcome.summary}): it requires [${def.requires.join(', ')}], which the Node driver does not declare, so this check cannot fail on it. If the case checks a duty every SDK owes, drop it from \`requires\` and baseline the SDKs that miss it (specs/README.md, "The capability trap").`;
}

async function runOn(def: SdkCase, variant: Variant): Promise<CaseResult> {
  const target = await variants.get(variant.patches);
  return runCase(def, target.implementation, target.contextFactory, { seed: 7, tolerance, artifactsRoot: `${root}/${variant.label}` });
}

describe('the mutant table', () => {
  it('has a row for every case of the SDK catalogue', () => {
    // Browser-only cases have their rows in fixtures/mutants/sdk/browser/ (test/browser-sdk/ runs them).
    const missing = sdkCatalogue.cases.map((c) => c.id).filter((id) => !rows.has(id) && !Object.hasOwn(BROWSER_CASE_MUTANTS, id));
    expect(missing, `cases with no mutant in fixtures/mutants/sdk/case-mutants.json: a case that was never seen failing cannot be trusted`).toEqual([]);
  });

  it('names only cases that exist', () => {
    const ids = new Set(sdkCatalogue.cases.map((c) => c.id));
    expect([...rows.keys()].filter((id) => !ids.has(id))).toEqual([]);
  });
});

describe.skipIf(nodeUnavailable !== undefined && !process.env.CI)(
  `every SDK case fails on a mutant and passes on a correct Node SDK${nodeUnavailable ? ` (skipped: ${nodeUnavailable})` : ''}`,
  () => {
    for (const def of sdkCatalogue.cases) {
      const row = rows.get(def.id);
      if (!row) continue; // reported by the table test above
      const slow = def.lane === 'slow' && !SLOW_LANE;
      const correct = correctVariant(row);
      it.skipIf(slow)(
        `${def.id} passes on ${correct.label}`,
        async (t) => {
          const r = await runOn(def, correct);
          if (r.outcome.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE: ${r.outcome.summary}`);
          expect(r.outcome.verdict, r.outcome.verdict === 'UNSUPPORTED' ? unsupportedExplained(def, r) : explain(r)).toBe('PASS');
        },
        def.timeoutMs + 15_000,
      );
      for (const mutant of mutantVariants(row)) {
        it.skipIf(slow)(
          `${def.id} fails on ${mutant.label}`,
          async (t) => {
            const r = await runOn(def, mutant);
            if (r.outcome.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE: ${r.outcome.summary}`);
            expect(
              r.outcome.verdict,
              r.outcome.verdict === 'UNSUPPORTED' ? unsupportedExplained(def, r) : `the case did not catch mutant ${mutant.label}\n${explain(r)}`,
            ).toBe('FAIL');
          },
          def.timeoutMs + 15_000,
        );
      }
    }
  },
);
