import { describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { outcome, type CaseOutcome, type Level } from '../../harness/cases/model.ts';
import { EXIT, evaluateGate } from '../../harness/baselines/gate.ts';
import {
  defaultBaselinePath,
  loadBaseline,
  parseBaseline,
  regenerateBaseline,
  serializeBaseline,
  writeBaseline,
  type Baseline,
} from '../../harness/baselines/baseline.ts';
import type { CaseRun, CatalogueRun } from '../../harness/runner/types.ts';
import { withTempDir } from './helpers.ts';

function caseRun(id: string, o: CaseOutcome, level: Level = 'MUST', attempts: CaseOutcome[] = [o]): CaseRun {
  const info = { id, title: id, level, sources: [{ document: 'seed' as const, section: 'x' }], lane: 'fast' as const, requires: [], timeoutMs: 1000 };
  const result = (oc: CaseOutcome) => ({
    id,
    title: id,
    level,
    sources: info.sources,
    lane: 'fast' as const,
    outcome: oc,
    durationMs: 1,
    seed: 1,
    artifacts: {},
  });
  const verdicts = new Set(attempts.map((a) => a.verdict));
  return { info, result: result(o), attempts: attempts.map(result), flaky: verdicts.size > 1 };
}

function run(cases: CaseRun[], extra: Partial<CatalogueRun> = {}): CatalogueRun {
  return {
    side: 'sdk',
    target: 'node',
    implementation: { kind: 'sdk', name: 'iii-sdk (node)', version: '0.22.1', capabilities: [] },
    cases,
    skippedSlow: [],
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    ...extra,
  };
}

const baseline = (entries: Record<string, string>): Baseline => ({ path: 'b.json', entries: new Map(Object.entries(entries)), comments: new Map() });
const pass = outcome.pass('ok');
const fail = outcome.fail('bad', 1, 2);
const ids = (...list: string[]) => new Set(list);

describe('the exit-code gate', () => {
  it('is 0 when every MUST case passes; SHOULD and INFO failures do not gate without --strict', () => {
    const r = run([
      caseRun('sdk.a.ok', pass),
      caseRun('sdk.a.should', fail, 'SHOULD'),
      caseRun('sdk.a.info', fail, 'INFO'),
      caseRun('sdk.a.unsup', outcome.unsupported('no metrics')),
    ]);
    const gate = evaluateGate([r], [undefined], { strict: false, knownIds: ids() });
    expect(gate.exitCode).toBe(EXIT.ok);
    expect([...(gate.statuses[0]?.values() ?? [])]).toEqual(['pass', 'non-gating', 'non-gating', 'unsupported']);
  });

  it('is 1 for a MUST failure, and for a SHOULD failure with --strict (INFO never gates)', () => {
    expect(evaluateGate([run([caseRun('sdk.a.f', fail)])], [undefined], { strict: false, knownIds: ids() }).exitCode).toBe(EXIT.regression);
    const should = run([caseRun('sdk.a.s', fail, 'SHOULD'), caseRun('sdk.a.i', fail, 'INFO')]);
    expect(evaluateGate([should], [undefined], { strict: true, knownIds: ids() }).regressions.map((r) => r.id)).toEqual(['sdk.a.s']);
  });

  it('tolerates a failure listed in the baseline, and fails on a stale entry (listed, now passing)', () => {
    const r = run([caseRun('sdk.a.f', fail), caseRun('sdk.a.fixed', pass)]);
    const known = evaluateGate([r], [baseline({ 'sdk.a.f': 'known bug' })], { strict: false, knownIds: ids('sdk.a.f', 'sdk.a.fixed') });
    expect(known.exitCode).toBe(EXIT.ok);
    expect(known.knownFailures.map((k) => k.id)).toEqual(['sdk.a.f']);
    const stale = evaluateGate([r], [baseline({ 'sdk.a.f': 'known bug', 'sdk.a.fixed': 'was broken' })], {
      strict: false,
      knownIds: ids('sdk.a.f', 'sdk.a.fixed'),
    });
    expect(stale.exitCode).toBe(EXIT.regression);
    expect(stale.stale).toEqual([{ id: 'sdk.a.fixed', reason: 'was broken', baselineFile: 'b.json', why: 'the case now passes: remove the entry' }]);
  });

  it('does not call an intermittent ("race:") entry stale when its case passes, but still tolerates its failure', () => {
    const racy = baseline({ 'sdk.a.race': 'race: registers twice when the socket dies mid-send' });
    const passed = evaluateGate([run([caseRun('sdk.a.race', pass)])], [racy], { strict: false, knownIds: ids('sdk.a.race') });
    expect(passed.stale).toEqual([]);
    expect(passed.exitCode).toBe(EXIT.ok);
    const failed = evaluateGate([run([caseRun('sdk.a.race', fail)])], [racy], { strict: false, knownIds: ids('sdk.a.race') });
    expect(failed.knownFailures.map((k) => k.id)).toEqual(['sdk.a.race']);
    expect(failed.exitCode).toBe(EXIT.ok);
  });

  it('calls an entry naming no case stale, and ignores entries of cases not run this time', () => {
    const r = run([caseRun('sdk.a.ok', pass)]);
    const gate = evaluateGate([r], [baseline({ 'sdk.gone.case': 'renamed', 'sdk.other.case': 'not selected' })], {
      strict: false,
      knownIds: ids('sdk.a.ok', 'sdk.other.case'),
    });
    expect(gate.stale.map((s) => s.id)).toEqual(['sdk.gone.case']);
    expect(gate.exitCode).toBe(EXIT.regression);
  });

  it('is 2 when only INDETERMINATE is left, 4 for a harness ERROR or a target that did not open, 1 wins over both', () => {
    const undecided = run([caseRun('sdk.a.u', outcome.indeterminate('busy')), caseRun('sdk.a.ok', pass)]);
    expect(evaluateGate([undecided], [undefined], { strict: false, knownIds: ids() }).exitCode).toBe(EXIT.indeterminate);
    const errored = run([caseRun('sdk.a.e', outcome.error('driver died')), caseRun('sdk.a.u', outcome.indeterminate('busy'))]);
    expect(evaluateGate([errored], [undefined], { strict: false, knownIds: ids() }).exitCode).toBe(EXIT.setup);
    const notOpened = run([], { implementation: null, setupError: 'no driver' });
    expect(evaluateGate([notOpened], [undefined], { strict: false, knownIds: ids() }).exitCode).toBe(EXIT.setup);
    const both = run([caseRun('sdk.a.e', outcome.error('x')), caseRun('sdk.a.f', fail)]);
    expect(evaluateGate([both], [undefined], { strict: false, knownIds: ids() }).exitCode).toBe(EXIT.regression);
  });

  it('reports a flaky case (verdict changed across repeats) as a regression unless baselined', () => {
    const flaky = caseRun('sdk.a.flaky', fail, 'MUST', [pass, fail]);
    const gate = evaluateGate([run([flaky])], [undefined], { strict: false, knownIds: ids() });
    expect(gate.flaky.map((f) => f.id)).toEqual(['sdk.a.flaky']);
    expect(gate.exitCode).toBe(EXIT.regression);
    expect(evaluateGate([run([flaky])], [baseline({ 'sdk.a.flaky': 'flaky: race' })], { strict: false, knownIds: ids('sdk.a.flaky') }).exitCode).toBe(EXIT.ok);
  });
});

describe('baseline files', () => {
  it('parse case id -> one-line reason, skip $ comments, and reject anything else with a clear message', () => {
    const b = parseBaseline('{"$comment":"x","sdk.a.b":"known"}', 'f.json');
    expect([...b.entries]).toEqual([['sdk.a.b', 'known']]);
    expect(() => parseBaseline('{', 'f.json')).toThrow(/not valid JSON.*--update-baseline/);
    expect(() => parseBaseline('[]', 'f.json')).toThrow(/must be a JSON object/);
    expect(() => parseBaseline('{"sdk.a.b":"two\\nlines"}', 'f.json')).toThrow(/one-line/);
    expect(() => parseBaseline('{"sdk.a.b":""}', 'f.json')).toThrow(/non-empty/);
  });

  it('live in fixtures/baselines/<implementation>@<version>.json', () => {
    expect(defaultBaselinePath('/r', { name: 'iii-sdk (node)', version: '0.22.1' })).toBe('/r/fixtures/baselines/iii-sdk-node@0.22.1.json');
  });

  it('regenerate from a run: keep reasons that still apply, add new failures, drop fixed ones', async () => {
    await withTempDir(async (dir) => {
      const previous = baseline({ 'sdk.a.f': 'issue #12', 'sdk.a.fixed': 'was broken', 'sdk.not.run': 'other lane' });
      const r = run([
        caseRun('sdk.a.f', fail),
        caseRun('sdk.a.fixed', pass),
        caseRun('sdk.a.new', outcome.fail('new bug\nsecond line', 1, 2)),
        caseRun('sdk.a.flaky', fail, 'MUST', [pass, fail]),
      ]);
      const next = regenerateBaseline(previous, join(dir, 'nested', 'b.json'), [r]);
      expect(Object.fromEntries(next.entries)).toEqual({
        'sdk.a.f': 'issue #12',
        'sdk.a.new': 'new bug second line',
        'sdk.a.flaky': 'flaky: bad',
        'sdk.not.run': 'other lane',
      });
      await writeBaseline(next);
      const text = await readFile(join(dir, 'nested', 'b.json'), 'utf8');
      expect(text).toBe(serializeBaseline(next));
      expect(Object.keys(JSON.parse(text) as object)[0]).toBe('$comment');
      const again = await loadBaseline(join(dir, 'nested', 'b.json'), true);
      expect(again && Object.fromEntries(again.entries)).toEqual(Object.fromEntries(next.entries));
    });
  });

  it('a missing default baseline is no baseline; a missing named one is an error', async () => {
    await withTempDir(async (dir) => {
      expect(await loadBaseline(join(dir, 'none.json'), false)).toBeUndefined();
      await expect(loadBaseline(join(dir, 'none.json'), true)).rejects.toThrow(/does not exist/);
      await mkdir(join(dir, 'd'));
      await writeFile(join(dir, 'd', 'x.json'), '{}');
      expect((await loadBaseline(join(dir, 'd', 'x.json'), true))?.entries.size).toBe(0);
    });
  });
});
