// --shard i/n: the selected cases split across CI runners by a hash of the case id (stable when cases are
// added elsewhere), each shard's reports recording it, `report` merging the shards of one implementation
// into one column and naming a missing or repeated shard, and the baseline gate judging only the shard's
// own cases. Synthetic catalogues only.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inShard, shardOf } from '../../harness/runner/select.ts';
import type { ReportData } from '../../harness/reports/html.ts';
import { cli, withTempDir } from './helpers.ts';

const FOUR = ['--case', 'sdk.synth.passes', '--case', 'sdk.synth.fails', '--case', 'sdk.synth.needs-metrics', '--case', 'sdk.synth.flaky'];

async function ranIds(dir: string): Promise<{ ids: string[]; shard: unknown }> {
  const doc = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { options: { shard?: unknown }; runs: { cases: { id: string }[] }[] };
  return { ids: doc.runs.flatMap((r) => r.cases.map((c) => c.id)).sort(), shard: doc.options.shard };
}

async function reportData(file: string): Promise<ReportData> {
  const html = await readFile(file, 'utf8');
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? 'null';
  return JSON.parse(json) as ReportData;
}

describe('the split', () => {
  it('is a hash of the case id: pinned values, every case in exactly one shard, unmoved by other cases', () => {
    // Pinned: runners of one CI job must agree, and a harness update must not reshuffle every runner.
    expect(shardOf('sdk.synth.passes', 2)).toBe(1);
    expect(shardOf('sdk.synth.fails', 2)).toBe(2);
    const ids = Array.from({ length: 200 }, (_, i) => ({ id: `sdk.topic-${i % 7}.case-${i}`, lane: 'fast' as const }));
    for (const n of [1, 3, 8]) {
      const parts = Array.from({ length: n }, (_, i) => inShard(ids, { index: i + 1, count: n }).map((c) => c.id));
      expect(parts.flat().sort()).toEqual(ids.map((c) => c.id).sort());
      if (n === 8) for (const p of parts) expect(p.length).toBeGreaterThan(10); // roughly even: 25 expected each
    }
    // A case added (or removed) elsewhere moves no other case.
    const grown = [...ids, { id: 'sdk.aaa.new-case', lane: 'fast' as const }];
    const before = inShard(ids, { index: 2, count: 3 }).map((c) => c.id);
    expect(
      inShard(grown, { index: 2, count: 3 })
        .map((c) => c.id)
        .filter((id) => id !== 'sdk.aaa.new-case'),
    ).toEqual(before);
  });

  it('refuses a bad --shard with exit 3 and one line', async () => {
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '2', '1/257', '-1/2', '1/2/3']) {
      const r = await cli(['sdk', 'node', '--shard', bad]);
      expect(r.code, bad).toBe(3);
      expect(r.err.trim().split('\n'), bad).toHaveLength(1);
      expect(r.err).toContain('--shard');
    }
  });
});

describe('sharded runs and report', () => {
  it('each shard runs its own cases and records the shard; report merges them into one column', async () => {
    await withTempDir(async (dir) => {
      const [a, b, whole] = [join(dir, 'a'), join(dir, 'b'), join(dir, 'whole')];
      const ra = await cli(['sdk', 'node', ...FOUR, '--shard', '1/2', '--seed', '7', '--report-dir', a]);
      expect(ra.out).toContain('shard 1/2');
      await cli(['sdk', 'node', ...FOUR, '--shard', '2/2', '--seed', '7', '--report-dir', b]);
      await cli(['sdk', 'node', ...FOUR, '--seed', '7', '--report-dir', whole]);
      const [sa, sb, sw] = [await ranIds(a), await ranIds(b), await ranIds(whole)];
      expect(sa.shard).toEqual({ index: 1, count: 2 });
      expect(sb.shard).toEqual({ index: 2, count: 2 });
      expect(sw.shard).toBeUndefined();
      expect(sa.ids.length).toBeGreaterThan(0);
      expect(sb.ids.length).toBeGreaterThan(0);
      expect([...sa.ids, ...sb.ids].sort()).toEqual(sw.ids);

      const merged = await cli([
        'report',
        join(a, 'results.json'),
        join(b, 'results.json'),
        '-o',
        join(dir, 'merged.html'),
        '--junit',
        join(dir, 'merged.xml'),
      ]);
      expect(merged.code, merged.err).toBe(0);
      expect(merged.err).toBe('');
      expect(merged.out).toContain('2 implementation runs in 1 column');
      const data = await reportData(join(dir, 'merged.html'));
      expect(data.columns).toHaveLength(1);
      expect(data.columns[0]?.shards).toBe('shards 1, 2 of 2');
      expect(data.columns[0]?.key).toMatch(/^[\w-]+$/); // part of the page's #case=<column>:<id> links
      expect(data.columns[0]?.counts.total).toBe(sw.ids.length);
      expect(Object.keys(data.cells)).toHaveLength(sw.ids.length);
      const junit = await readFile(join(dir, 'merged.xml'), 'utf8');
      expect(junit.match(/<testsuite /g)).toHaveLength(1);
      expect(junit.match(/<testcase /g)).toHaveLength(sw.ids.length);

      // Without shards, two runs stay two columns (as before).
      await cli(['report', join(whole, 'results.json'), join(whole, 'results.json'), '-o', join(dir, 'two.html')]);
      expect((await reportData(join(dir, 'two.html'))).columns).toHaveLength(2);
    });
  });

  it('names a missing shard and a repeated one', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'a');
      await cli(['sdk', 'node', ...FOUR, '--shard', '1/2', '--report-dir', a]);
      const missing = await cli(['report', join(a, 'results.json'), '-o', join(dir, 'm.html')]);
      expect(missing.err).toMatch(/no results for shard 2\/2: the column holds 1 of 2 shards/);
      // The matrix is written, but a CI step merging shards must not read it as complete.
      expect(missing.code).toBe(2);
      const data = await reportData(join(dir, 'm.html'));
      expect(data.columns[0]?.shards).toBe('shard 1 of 2');
      expect(data.notes.join('\n')).toContain('no results for shard 2/2');

      const twice = await cli(['report', join(a, 'results.json'), join(a, 'results.json'), '-o', join(dir, 't.html')]);
      expect(twice.err).toMatch(/shard 1\/2 of sdk .* is in results files 1 and 2: file 2's is left out/);
      expect(twice.code).toBe(2); // still missing shard 2
      expect((await reportData(join(dir, 't.html'))).columns).toHaveLength(1);

      // Shards of different selections do not split one selection: said, though the column is still one.
      const other = join(dir, 'other');
      await cli(['sdk', 'node', '--case', 'sdk.synth.fails', '--shard', '2/2', '--report-dir', other]);
      const mixed = await cli(['report', join(a, 'results.json'), join(other, 'results.json'), '-o', join(dir, 'x.html')]);
      expect(mixed.err).toMatch(/different --case\/--slow selections \(results file 2 differs\)/);
      expect(mixed.code).toBe(2);
      expect(missing.err).not.toMatch(/different --case/);

      // A crafted shard beyond the count stands alone, named.
      const crafted = join(dir, 'crafted');
      await cli(['sdk', 'node', ...FOUR, '--shard', '2/2', '--report-dir', crafted]);
      const doc = JSON.parse(await readFile(join(crafted, 'results.json'), 'utf8')) as { options: { shard: { index: number } } };
      doc.options.shard.index = 9;
      await writeFile(join(crafted, 'results.json'), JSON.stringify(doc));
      const odd = await cli(['report', join(a, 'results.json'), join(crafted, 'results.json'), '-o', join(dir, 'c.html')]);
      expect(odd.code).toBe(2);
      expect(odd.err).toContain('results file 2 claims shard 9/2, which is no shard of 2');
      expect((await reportData(join(dir, 'c.html'))).columns).toHaveLength(2);
    });
  });
});

describe('baseline gating per shard', () => {
  it('an entry for a case of another shard is not stale; the same entry in its own shard is', async () => {
    await withTempDir(async (dir) => {
      const baseline = join(dir, 'baseline.json');
      // sdk.synth.passes passes (shard 1/2), sdk.synth.fails fails (shard 2/2): both listed.
      await writeFile(baseline, JSON.stringify({ 'sdk.synth.passes': 'listed, but passes', 'sdk.synth.fails': 'known failure' }));
      const two = ['sdk', 'node', '--case', 'sdk.synth.passes', '--case', 'sdk.synth.fails', '--baseline', baseline];
      const other = await cli([...two, '--shard', '2/2', '--report-dir', join(dir, 'b')]);
      expect(other.code, other.out).toBe(0);
      expect(other.out).not.toMatch(/stale/i);
      const own = await cli([...two, '--shard', '1/2', '--report-dir', join(dir, 'a')]);
      expect(own.code).toBe(1);
      expect(own.out).toMatch(/stale/i);
      expect(own.out).toContain('sdk.synth.passes');
    });
  });
});
