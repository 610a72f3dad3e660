// Finding 5 (issue 12): unbounded and deep input. A driver writing 400 MB without a newline keeps the
// harness's memory bounded and the verdict names the line cap; a result nested 5,000 deep reaches the
// fake engine as a verdict naming the depth (not "nothing arrived"); the depth-safe helpers say yes and no.

import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { FRAME_DEPTH_LIMIT, keyCount } from '../../harness/peer/classify.ts';
import { launchDriver } from '../../harness/targets/sdk/launch.ts';
import { jsonDepth, jsonShape, pruneDeep } from '../../harness/util/json-depth.ts';
import { watchMemory } from '../hostile/support.ts';

const DRIVER = fileURLToPath(new URL('./drivers/identity-driver.mjs', import.meta.url));
const deepArray = (n: number) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown;

describe('depth-safe JSON helpers', () => {
  it('count, measure and prune a 200,000-deep value without recursion', () => {
    const v = { a: deepArray(200_000), b: { c: 1 } };
    expect(keyCount(v)).toBe(3);
    expect(jsonDepth(v)).toBe(200_001);
    expect(jsonDepth({ a: [1] })).toBe(2);
    const pruned = pruneDeep(v, 10);
    expect(pruned).toHaveLength(1);
    expect(jsonDepth(v)).toBe(10);
    expect(JSON.stringify(v)).toContain('left out: nested deeper than 10 levels');
    expect(pruneDeep({ a: [[1]] }, 10)).toEqual([]);
  });

  it('jsonShape gives the depth and the key count in one walk, and stops at the depth asked', () => {
    const cases: [unknown, { depth: number; keys: number }][] = [
      [1, { depth: 0, keys: 0 }],
      ['x', { depth: 0, keys: 0 }],
      [null, { depth: 0, keys: 0 }],
      [[], { depth: 1, keys: 0 }],
      [{}, { depth: 1, keys: 0 }],
      [{ a: [1] }, { depth: 2, keys: 1 }],
      [
        { a: { b: { c: [{ d: 1 }, {}] } }, e: 2 },
        { depth: 5, keys: 5 },
      ],
      [[[[]], { k: [1, { l: 2 }] }], { depth: 4, keys: 2 }],
      [
        { a: deepArray(500), b: { c: 1 } },
        { depth: 501, keys: 3 },
      ],
    ];
    for (const [v, shape] of cases) expect(jsonShape(v), JSON.stringify(v).slice(0, 40)).toEqual(shape);
    expect(jsonShape(deepArray(200_000), 128).depth).toBe(129);
  });
});

describe('a worker answering with a result nested 5,000 deep', () => {
  it('gets a verdict naming the depth, and the transcript stays writable', async () => {
    const engine = await FakeEngine.start({ port: 0 });
    const ws = new WebSocket(engine.url);
    try {
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; invocation_id?: string; function_id?: string };
        if (frame.type !== 'invokefunction') return;
        const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
        ws.send(`{"type":"invocationresult","invocation_id":"${frame.invocation_id}","function_id":"${frame.function_id}","result":${deep}}`);
      });
      const conn = await engine.waitForConnection({ path: '/', timeoutMs: 5000 });
      const answer = await conn.invoke('deep::fn', {}, { timeoutMs: 1500 }).catch((e: unknown) => e);
      const said = JSON.stringify(answer instanceof Error ? answer.message : answer);
      const records = conn.received.map((r) => JSON.parse(JSON.stringify(r.record)) as { verdict: { violations: { message: string }[] } });
      const messages = records.flatMap((r) => r.verdict.violations.map((v) => v.message)).join('\n');
      expect(messages).toContain(`nested deeper than ${FRAME_DEPTH_LIMIT} levels`);
      expect(said).not.toContain('nothing arrived');
      expect(said).toContain(`(invalid: nested deeper than ${FRAME_DEPTH_LIMIT} levels`);
    } finally {
      ws.close();
      await engine.close();
    }
  }, 20_000);
});

describe('a driver writing 400 MB without a newline', () => {
  it('keeps RSS bounded and names the line cap', async () => {
    const memory = watchMemory();
    const started = performance.now();
    const error = await launchDriver(
      { kind: 'cmd', command: `node ${DRIVER} ${Buffer.from(JSON.stringify({ flood: 400 * 1024 * 1024 })).toString('base64')}` },
      { url: 'ws://127.0.0.1:9', startTimeoutMs: 6_000, graceMs: 500 },
    ).then(
      async (s) => {
        await s.stop();
        return new Error('the flooding driver was accepted as ready');
      },
      (e: unknown) => e as Error,
    );
    const { rssPeakGrowthMiB } = memory.stop();
    console.log(`400 MB flood: RSS peak +${rssPeakGrowthMiB} MiB, verdict after ${Math.round(performance.now() - started)} ms`);
    expect(error.message).toMatch(/no ready event/);
    expect(error.message).toMatch(/a line longer than the 16777216-byte cap \(16 MiB\); dropped/);
    expect(rssPeakGrowthMiB).toBeLessThan(200);
  }, 60_000);
});
