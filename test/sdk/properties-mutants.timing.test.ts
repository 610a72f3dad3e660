// The reconnection properties catch the Node SDK mutants that break backoff (issue 6 "Done when"): each
// mutant fails the property aimed at it, with a fixed seed so the run is the same every time, and the
// real Node SDK holds all six properties with the same seeds. Shrinking is off here (it is exercised by
// the replay test) so the file stays near a minute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenedTarget } from '../../harness/cases/catalogue.ts';
import { toleranceFromEnv } from '../../harness/timing/tolerance.ts';
import { launchSpecOf, openNodeMutantTarget, openSdkTarget } from '../../specs/sdk/target.ts';
import type { SdkCaseContext } from '../../specs/sdk/context.ts';
import { findProperty, PROPERTIES } from '../../specs/sdk/properties/properties.ts';
import { runProperty, type PropertyReport } from '../../specs/sdk/properties/run-property.ts';
import { runsFor } from '../../specs/sdk/properties/budget.ts';

/** Mutant -> the property that must catch it, and the seed the run uses. The first five are the
 * backoff mutants issue 6 names; the others show the remaining two properties can fail too. */
export const PROPERTY_MUTANTS: readonly { mutant: string; property: string; seed: number }[] = [
  { mutant: 'backoff-no-cap', property: 'prop.sdk.backoff.envelope', seed: 7 },
  { mutant: 'backoff-no-growth', property: 'prop.sdk.backoff.envelope', seed: 42 },
  { mutant: 'backoff-no-jitter', property: 'prop.sdk.backoff.jitter-spreads', seed: 42 },
  { mutant: 'max-retries-off-by-one', property: 'prop.sdk.backoff.max-retries', seed: 42 },
  { mutant: 'counter-never-resets', property: 'prop.sdk.backoff.counter-resets', seed: 42 },
  { mutant: 'no-reattach', property: 'prop.sdk.reconnect.registrations-survive', seed: 42 },
  { mutant: 'timeout-early', property: 'prop.sdk.timeout.within-tolerance', seed: 42 },
];

const REAL_SEED = 42;

let root = '';
const tolerance = toleranceFromEnv();

async function runOn(opened: OpenedTarget<SdkCaseContext>, propertyId: string, seed: number, shrink: boolean, targetArg: string): Promise<PropertyReport> {
  const property = findProperty(propertyId);
  const abort = new AbortController();
  const artifactsDir = join(root, `${propertyId}-${seed}`);
  const prepared = await opened.contextFactory({ caseId: propertyId, seed, tolerance, artifactsDir, signal: abort.signal, judgesTiming: true });
  try {
    return await runProperty(property, prepared.ctx, {
      seed,
      numRuns: runsFor(property),
      shrinkBudgetMs: 0,
      shrink,
      targetArg,
      outDir: join(root, 'counterexamples'),
    });
  } finally {
    await prepared.dispose();
    abort.abort();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iii-prop-mutants-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the mutants are caught by the properties', () => {
  for (const { mutant, property, seed } of PROPERTY_MUTANTS) {
    it(`${property} fails on mutant ${mutant} (seed ${seed})`, async (t) => {
      const opened = await openNodeMutantTarget(mutant, { tolerance, artifactsRoot: root });
      try {
        const report = await runOn(opened, property, seed, false, `--node-mutant ${mutant}`);
        if (report.outcome.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE (machine too busy to decide): ${report.outcome.summary}`);
        expect(report.outcome.verdict, report.outcome.summary).toBe('FAIL');
        expect(report.counterexample?.replay).toContain(`--node-mutant ${mutant}`);
        expect(report.counterexample?.transcript.length ?? 0).toBeGreaterThan(0);
      } finally {
        await opened.close();
      }
    }, 60_000);
  }
});

describe('the real Node SDK holds every property', () => {
  let opened: OpenedTarget<SdkCaseContext> | undefined;
  beforeAll(async () => {
    opened = await openSdkTarget(launchSpecOf({ kind: 'builtin', sdk: 'node' }), { tolerance, artifactsRoot: root });
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });
  for (const p of PROPERTIES) {
    it(`${p.id} (seed ${REAL_SEED})`, async () => {
      const report = await runOn(opened!, p.id, REAL_SEED, true, '--sdk node');
      // INDETERMINATE is allowed (a loaded machine), a FAIL is not.
      expect(['PASS', 'INDETERMINATE'], report.outcome.summary).toContain(report.outcome.verdict);
    }, 90_000);
  }
});
