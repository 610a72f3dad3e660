// Every fast backoff case can fail: it FAILS on the Node SDK mutant(s) aimed at it and PASSES on a
// correct Node SDK (the real one, or for the accept-then-close case, where the real iii-sdk@0.22.1
// itself diverges, the real one with that divergence corrected by a "fixed-*" patch). A verdict that is
// INDETERMINATE twice (the machine too busy to decide) is reported as skipped, never as a pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCase } from '../../harness/cases/run-case.ts';
import type { OpenedTarget } from '../../harness/cases/catalogue.ts';
import type { Verdict } from '../../harness/cases/model.ts';
import { toleranceFromEnv } from '../../harness/timing/tolerance.ts';
import { launchSpecOf, openNodeMutantTarget, openSdkTarget } from '../../specs/sdk/target.ts';
import type { SdkCaseContext } from '../../specs/sdk/context.ts';
import { backoffCases } from '../../specs/sdk/backoff/cases.ts';

/** Case id -> the mutants that must make it fail, and the Node variant it must pass on ([] = the real SDK). */
export const BACKOFF_CASE_MUTANTS: Record<string, { mutants: string[]; passesOn: string[] }> = {
  'sdk.backoff.grows-and-caps': { mutants: ['backoff-no-growth', 'backoff-no-cap', 'backoff-too-fast'], passesOn: [] },
  'sdk.backoff.jitter-within-band': { mutants: ['backoff-no-jitter'], passesOn: [] },
  'sdk.backoff.max-retries-exact': { mutants: ['max-retries-off-by-one'], passesOn: [] },
  'sdk.backoff.max-retries-zero': { mutants: ['max-retries-off-by-one'], passesOn: [] },
  'sdk.backoff.max-retries-unbounded': { mutants: ['no-reconnect'], passesOn: [] },
  'sdk.backoff.counter-resets': { mutants: ['counter-never-resets'], passesOn: [] },
  'sdk.backoff.accept-then-close-not-hammered': { mutants: ['backoff-no-growth'], passesOn: ['fixed-reset-after-engine-speaks'] },
};

const tolerance = toleranceFromEnv();
let root = '';
const targets = new Map<string, Promise<OpenedTarget<SdkCaseContext>>>();

function target(patches: string[]): Promise<OpenedTarget<SdkCaseContext>> {
  const key = patches.join('+') || 'real';
  let t = targets.get(key);
  if (!t) {
    t =
      patches.length === 0
        ? openSdkTarget(launchSpecOf({ kind: 'builtin', sdk: 'node' }), { tolerance, artifactsRoot: root })
        : openNodeMutantTarget(patches, { tolerance, artifactsRoot: root });
    targets.set(key, t);
  }
  return t;
}

async function verdictOf(caseId: string, patches: string[]): Promise<{ verdict: Verdict; summary: string }> {
  const def = backoffCases.find((c) => c.id === caseId);
  if (!def) throw new Error(`no case ${caseId}`);
  const opened = await target(patches);
  // An INDETERMINATE (a loaded machine) is retried once: it decides nothing either way.
  for (let attempt = 0; ; attempt++) {
    const r = await runCase(def, opened.implementation, opened.contextFactory, { seed: 1, tolerance, artifactsRoot: root });
    if (r.outcome.verdict !== 'INDETERMINATE' || attempt >= 1) return { verdict: r.outcome.verdict, summary: r.outcome.summary };
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iii-backoff-'));
});
afterAll(async () => {
  for (const t of targets.values()) await (await t).close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('backoff cases fail on their mutants and pass on a correct Node SDK', () => {
  it('covers every fast backoff case', () => {
    expect(Object.keys(BACKOFF_CASE_MUTANTS).sort()).toEqual(
      backoffCases
        .filter((c) => c.lane === 'fast')
        .map((c) => c.id)
        .sort(),
    );
  });
  for (const [caseId, { mutants, passesOn }] of Object.entries(BACKOFF_CASE_MUTANTS)) {
    it(`${caseId} passes on ${passesOn.length ? passesOn.join('+') : 'the real Node SDK'}`, async (t) => {
      const r = await verdictOf(caseId, passesOn);
      if (r.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE twice (machine too busy to decide): ${r.summary}`);
      expect(r.verdict, r.summary).toBe('PASS');
    }, 60_000);
    for (const m of mutants) {
      it(`${caseId} fails on ${m}`, async (t) => {
        const r = await verdictOf(caseId, [m]);
        if (r.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE twice (machine too busy to decide): ${r.summary}`);
        expect(r.verdict, r.summary).toBe('FAIL');
      }, 60_000);
    }
  }
  it('sdk.backoff.accept-then-close-not-hammered fails on the real iii-sdk@0.22.1 (its baselined divergence)', async (t) => {
    const r = await verdictOf('sdk.backoff.accept-then-close-not-hammered', []);
    if (r.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE twice: ${r.summary}`);
    expect(r.verdict, r.summary).toBe('FAIL');
  }, 60_000);
});
