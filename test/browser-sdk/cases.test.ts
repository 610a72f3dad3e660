// The browser-only SDK cases can fail: each PASSes on the iii-browser-sdk the set-up built from
// III_BROWSER_SDK_DIR, FAILs on each of its mutants (patches of that bundle), and is UNSUPPORTED on an
// SDK that does not run in a page (the Node driver). Skipped, saying why, when no tree was given.

import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { OpenedTarget } from '../../harness/cases/catalogue.ts';
import type { CaseResult } from '../../harness/cases/model.ts';
import { runCase } from '../../harness/cases/run-case.ts';
import { BROWSER_CASE_MUTANTS } from '../../fixtures/mutants/sdk/browser/case-mutants.ts';
import { browserCases } from '../../specs/sdk/browser.ts';
import type { SdkCaseContext, SdkCase } from '../../specs/sdk/index.ts';
import { explain } from '../sdk/support/catalogue-suite.ts';
import { freshArtifactsRoot, openBuiltin, tolerance, unavailableReason } from '../sdk/support/targets.ts';
import { browserSkip, openBrowserMutantTarget } from './support.ts';

const root = freshArtifactsRoot('browser-cases');
const opened = new Map<string, Promise<OpenedTarget<SdkCaseContext>>>();

/** '' is the real build; anything else a mutant id. Each is opened once for the file. */
function target(variant: string): Promise<OpenedTarget<SdkCaseContext>> {
  let p = opened.get(variant);
  if (!p) {
    p = variant === '' ? openBuiltin('browser', root) : openBrowserMutantTarget(variant, { tolerance, artifactsRoot: root });
    opened.set(variant, p);
  }
  return p;
}

async function runOn(def: SdkCase, variant: string): Promise<CaseResult> {
  const t = await target(variant);
  return runCase(def, t.implementation, t.contextFactory, { seed: 11, tolerance, artifactsRoot: `${root}/${variant || 'real'}` });
}

afterAll(async () => {
  for (const p of opened.values()) await (await p.catch(() => undefined))?.close();
  if (process.env.III_CONFORMANCE_KEEP_ARTIFACTS !== '1') await rm(root, { recursive: true, force: true });
});

describe('browser cases: mutant table', () => {
  it('names a mutant for every browser case, and only browser cases', () => {
    expect(Object.keys(BROWSER_CASE_MUTANTS).sort()).toEqual(browserCases.map((c) => c.id).sort());
    for (const c of browserCases) expect(c.requires, c.id).toContain('browser-page');
  });
});

describe.skipIf(browserSkip !== undefined)(`browser cases against iii-browser-sdk in Chromium${browserSkip ? ` (skipped: ${browserSkip})` : ''}`, () => {
  for (const def of browserCases) {
    it(
      `${def.id} passes on the built iii-browser-sdk`,
      async (t) => {
        const r = await runOn(def, '');
        if (r.outcome.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE: ${r.outcome.summary}`);
        expect(r.outcome.verdict, explain(r)).toBe('PASS');
      },
      def.timeoutMs + 30_000,
    );
    for (const mutant of BROWSER_CASE_MUTANTS[def.id] ?? []) {
      it(
        `${def.id} fails on mutant ${mutant}`,
        async (t) => {
          const r = await runOn(def, mutant);
          if (r.outcome.verdict === 'INDETERMINATE') return t.skip(`INDETERMINATE: ${r.outcome.summary}`);
          expect(r.outcome.verdict, `the case did not catch mutant ${mutant}\n${explain(r)}`).toBe('FAIL');
        },
        def.timeoutMs + 30_000,
      );
    }
  }
});

const nodeSkip = unavailableReason('node');
describe.skipIf(nodeSkip !== undefined)(`browser cases on a non-browser SDK${nodeSkip ? ` (skipped: ${nodeSkip})` : ''}`, () => {
  it('are UNSUPPORTED on the Node SDK, which does not run in a page', async () => {
    const node = await openBuiltin('node', root);
    try {
      for (const def of browserCases) {
        const r = await runCase(def, node.implementation, node.contextFactory, { seed: 11, tolerance, artifactsRoot: `${root}/node` });
        expect(r.outcome.verdict, def.id).toBe('UNSUPPORTED');
      }
    } finally {
      await node.close();
    }
  }, 60_000);
});
