// The verdict-snapshot comparison (scripts/verdicts/snapshot.ts) says both "same" and "different", and
// names how a case changed; two small synthetic snapshots, no catalogue run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSnapshot, compareSnapshots, parseSnapshot, serialiseSnapshot, type ResultsExcerpt, type Snapshot } from '../../scripts/verdicts/snapshot.ts';

type Row = [id: string, verdict: string, timings?: number];

function results(seed: number, rows: Row[], version = '0.22.1'): ResultsExcerpt {
  return {
    seed,
    runs: [
      {
        side: 'sdk',
        target: 'node',
        implementation: { name: 'iii-sdk', version },
        cases: rows.map(([id, verdict, t]) => ({ id, verdict, timings: t ? [{}] : [] })),
      },
    ],
  };
}

/** Three runs; `perRun[i]` overrides a case's verdict in run i. */
function snapshot(base: Row[], perRun: Record<number, Record<string, string>> = {}, version?: string): Snapshot {
  const runs = [0, 1, 2].map((i) => ({
    results: results(
      i + 1,
      base.map(([id, v, t]) => [id, perRun[i]?.[id] ?? v, t] as Row),
      version,
    ),
    run: { seed: i + 1, durationMs: 1, loadBefore: 0, loadAfter: 0 },
  }));
  return buildSnapshot({ commit: 'abc', recordedAt: '2026-01-01T00:00:00Z', runs });
}

const BASE: Row[] = [
  ['sdk.a.pass', 'PASS'],
  ['sdk.b.fail', 'FAIL'],
  ['sdk.c.timing', 'PASS', 1],
];

describe('verdict snapshots', () => {
  it('says the same for the same verdicts, and survives its own serialisation', () => {
    const before = snapshot(BASE);
    const text = serialiseSnapshot(before);
    expect(text.split('\n').filter((l) => l.includes('"verdicts"'))).toHaveLength(3); // one line per case
    const c = compareSnapshots(parseSnapshot(text, 'before'), snapshot(BASE));
    expect(c).toMatchObject({ failed: false, unchanged: 3, differences: [], mismatches: [] });
  });

  it('names a flipped case, an added and a removed one, and fails', () => {
    const after = snapshot([
      ['sdk.a.pass', 'FAIL'],
      ['sdk.b.fail', 'FAIL'],
      ['sdk.d.new', 'PASS'],
    ]);
    const c = compareSnapshots(snapshot(BASE), after);
    expect(c.failed).toBe(true);
    expect(c.differences).toEqual([
      { id: 'sdk.a.pass', kind: 'flipped', before: ['PASS', 'PASS', 'PASS'], after: ['FAIL', 'FAIL', 'FAIL'] },
      { id: 'sdk.c.timing', kind: 'removed', before: ['PASS', 'PASS', 'PASS'] },
      { id: 'sdk.d.new', kind: 'added', after: ['PASS', 'PASS', 'PASS'] },
    ]);
  });

  it('reports a case whose runs disagree as unstable, not hidden', () => {
    const after = snapshot(BASE, { 1: { 'sdk.a.pass': 'FAIL' } });
    const c = compareSnapshots(snapshot(BASE), after);
    expect(c.failed).toBe(true);
    expect(c.differences).toEqual([{ id: 'sdk.a.pass', kind: 'unstable', before: ['PASS', 'PASS', 'PASS'], after: ['PASS', 'FAIL', 'PASS'] }]);
  });

  it('keeps PASS ↔ INDETERMINATE on a timing case apart, as no regression; on a non-timing case it is one', () => {
    const timing = compareSnapshots(snapshot(BASE), snapshot(BASE, { 2: { 'sdk.c.timing': 'INDETERMINATE' } }));
    expect(timing.failed).toBe(false);
    expect(timing.differences).toEqual([
      { id: 'sdk.c.timing', kind: 'timing-undecided', before: ['PASS', 'PASS', 'PASS'], after: ['PASS', 'PASS', 'INDETERMINATE'] },
    ]);
    // A FAIL on a timing case is a flip like any other.
    const timingFail = compareSnapshots(
      snapshot(BASE),
      snapshot(BASE, { 0: { 'sdk.c.timing': 'FAIL' }, 1: { 'sdk.c.timing': 'FAIL' }, 2: { 'sdk.c.timing': 'FAIL' } }),
    );
    expect(timingFail.differences[0]).toMatchObject({ id: 'sdk.c.timing', kind: 'flipped' });
    expect(timingFail.failed).toBe(true);
  });

  it('refuses to compare different implementations, and rejects a snapshot that would inject into the terminal', () => {
    expect(compareSnapshots(snapshot(BASE), snapshot(BASE, {}, '0.25.0'))).toMatchObject({
      failed: true,
      mismatches: ['implementation: iii-sdk@0.22.1 → iii-sdk@0.25.0'],
    });
    const hostile = JSON.parse(serialiseSnapshot(snapshot(BASE))) as Snapshot;
    hostile.cases['sdk.\u001b[2Jx'] = { verdicts: ['PASS'], timing: false };
    expect(() => parseSnapshot(JSON.stringify(hostile), 'hostile.json')).toThrow(/not a dotted catalogue id/);
    expect(() => parseSnapshot('{"format":"other"}', 'x.json')).toThrow(/not a iii-conformance-verdicts v1 file/);
  });
});

describe('npm run verdicts -- compare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdicts-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (a: Snapshot, b: Snapshot) => {
    writeFileSync(join(dir, 'before.json'), serialiseSnapshot(a));
    writeFileSync(join(dir, 'after.json'), serialiseSnapshot(b));
    return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verdicts/main.ts', 'compare', join(dir, 'before.json'), join(dir, 'after.json')], {
      encoding: 'utf8',
    });
  };

  it('exits 0 on the same verdicts and 1 naming the flipped case', () => {
    const same = run(snapshot(BASE), snapshot(BASE));
    expect(same.status).toBe(0);
    expect(same.stdout).toContain('3 unchanged, 0 flipped');
    const flipped = run(snapshot(BASE), snapshot(BASE, { 0: { 'sdk.b.fail': 'PASS' }, 1: { 'sdk.b.fail': 'PASS' }, 2: { 'sdk.b.fail': 'PASS' } }));
    expect(flipped.status).toBe(1);
    expect(flipped.stdout).toContain('sdk.b.fail: FLIPPED: [FAIL FAIL FAIL] → [PASS PASS PASS]');
  });
});
