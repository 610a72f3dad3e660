// Issue 13, item 3: two published versions of one SDK in one command make one report whose HTML matrix
// has a column per version (and results.json a run per version).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverReady, runCli } from './support.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iii-matrix-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it.skipIf(!driverReady('node'))(
  'sdk node@0.22.0 node@0.22.1: one report, one column per version',
  async () => {
    const report = join(work, 'report');
    const r = await runCli(['sdk', 'node@0.22.0', 'node@0.22.1', '--case', 'sdk.connect.plain-websocket', '--seed', '3'], report);
    expect(r.code, r.out).toBe(0);
    expect(r.results.runs.map((run) => [run.target, run.implementation?.version])).toEqual([
      ['node@0.22.0', '0.22.0'],
      ['node@0.22.1', '0.22.1'],
    ]);
    // 0.22.0 has no baseline of its own and none earlier: said in one line, not silently.
    expect(r.out).toMatch(/^No baseline for iii-sdk \(node\) 0\.22\.0 .*every gating failure counts\.$/m);
    const html = await readFile(join(report, 'index.html'), 'utf8');
    const header = html.slice(0, html.indexOf('</thead>'));
    expect(header).toContain('iii-sdk (node) 0.22.0');
    expect(header).toContain('iii-sdk (node) 0.22.1');
    const junit = await readFile(join(report, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)?.length).toBe(2);
  },
  300_000,
);
