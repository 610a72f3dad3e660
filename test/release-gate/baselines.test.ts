// Item 4 of issue 13: a version without a baseline names (and with --baseline-from nearest, borrows)
// the nearest earlier baseline of the same implementation.
import { describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baselinesOf, compareVersions, nearestEarlierBaseline } from '../../harness/baselines/nearest.ts';
import { EXIT, evaluateGate } from '../../harness/baselines/gate.ts';
import { outcome } from '../../harness/cases/model.ts';
import type { Baseline } from '../../harness/baselines/baseline.ts';
import type { CatalogueRun } from '../../harness/runner/types.ts';
import { withTempDir } from '../cli/helpers.ts';

describe('compareVersions', () => {
  it('orders releases numerically and a pre-release before its release', () => {
    const sorted = ['0.25.0', '0.9.0', '0.23.0', '0.23.0-rc.4', '0.23.0rc2', 'v0.0.0', '0.22.1'].sort(compareVersions);
    expect(sorted).toEqual(['v0.0.0', '0.9.0', '0.22.1', '0.23.0rc2', '0.23.0-rc.4', '0.23.0', '0.25.0']);
    expect(compareVersions('1.0.0', '1.0')).toBe(0);
  });
});

describe('nearestEarlierBaseline', () => {
  it('picks the highest earlier version of the same implementation, and none when there is none', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'fixtures', 'baselines');
      await mkdir(dir, { recursive: true });
      for (const f of ['iii-sdk-python@0.23.0.json', 'iii-sdk-python@0.24.6.json', 'iii-sdk-python@0.25.0.json', 'iii-sdk-node@0.24.9.json'])
        await writeFile(join(dir, f), '{}');
      const impl = (version: string) => ({ name: 'iii-sdk (python)', version });
      expect(nearestEarlierBaseline(root, impl('0.25.1'))?.version).toBe('0.25.0');
      expect(nearestEarlierBaseline(root, impl('0.25.0rc1'))?.version).toBe('0.24.6');
      expect(nearestEarlierBaseline(root, impl('0.24.6'))?.version).toBe('0.23.0');
      expect(nearestEarlierBaseline(root, impl('0.22.0'))).toBeUndefined();
      // No file at all for an implementation: the run says nothing about baselines (reference engine, cmd: drivers).
      expect(baselinesOf(root, { name: 'reference engine', version: '1.0.0' })).toEqual([]);
      expect(
        baselinesOf(root, impl('0.22.0'))
          .map((b) => b.version)
          .sort(),
      ).toEqual(['0.23.0', '0.24.6', '0.25.0']);
    });
  });
});

describe('a borrowed baseline', () => {
  const info = (id: string) => ({ id, title: id, level: 'MUST' as const, sources: [], lane: 'fast' as const, requires: [], timeoutMs: 1000 });
  const caseRun = (id: string, o: ReturnType<typeof outcome.pass>) => {
    const result = { id, title: id, level: 'MUST' as const, sources: [], lane: 'fast' as const, outcome: o, durationMs: 1, seed: 1, artifacts: {} };
    return { info: info(id), result, attempts: [result], flaky: false };
  };
  const run: CatalogueRun = {
    side: 'sdk',
    target: 'python@0.25.1',
    implementation: { kind: 'sdk', name: 'iii-sdk (python)', version: '0.25.1', capabilities: [] },
    cases: [caseRun('sdk.a.known', outcome.fail('bad', 1, 2)), caseRun('sdk.a.fixed', outcome.pass('ok')), caseRun('sdk.a.new', outcome.fail('bad', 1, 2))],
    skippedSlow: [],
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
  };
  const entries = new Map([
    ['sdk.a.known', 'known'],
    ['sdk.a.fixed', 'fixed since'],
  ]);
  const knownIds = new Set(['sdk.a.known', 'sdk.a.fixed', 'sdk.a.new']);

  it('excuses its failures, does not call its fixed entries stale, and still catches a new failure', () => {
    const borrowed: Baseline = { path: 'iii-sdk-python@0.25.0.json', entries, comments: new Map(), borrowedFor: '0.25.1' };
    const gate = evaluateGate([run], [borrowed], { strict: false, knownIds });
    expect(gate.knownFailures.map((r) => r.id)).toEqual(['sdk.a.known']);
    expect(gate.stale).toEqual([]);
    expect(gate.regressions.map((r) => r.id)).toEqual(['sdk.a.new']);
    expect(gate.exitCode).toBe(EXIT.regression);
    const withoutNew = { ...run, cases: run.cases.slice(0, 2) };
    expect(evaluateGate([withoutNew], [borrowed], { strict: false, knownIds }).exitCode).toBe(EXIT.ok);
  });

  it("as the version's own baseline, the same entry that passes is stale (exit 1)", () => {
    const own: Baseline = { path: 'iii-sdk-python@0.25.1.json', entries, comments: new Map() };
    const gate = evaluateGate([{ ...run, cases: run.cases.slice(0, 2) }], [own], { strict: false, knownIds });
    expect(gate.stale.map((s) => s.id)).toEqual(['sdk.a.fixed']);
    expect(gate.exitCode).toBe(EXIT.regression);
  });
});
