// Issue 14, self-replay: every fast SDK case runs against the real Node SDK, then each case's own transcript
// is replayed against the same SDK three times. Every divergence here is spurious (the implementation did
// not change), so the count must be 0, per case. Cases not replayed are listed with their reason.

import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdkCatalogue } from '../../specs/sdk/index.ts';
import { sdkSelfReplay, selfReplay } from '../../harness/replay/self-replay.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HAVE_NODE_DRIVER = existsSync(join(ROOT, 'fixtures', 'drivers', 'node', 'node_modules', 'iii-sdk', 'package.json'));
const TIMES = 3;

/** Cases replay cannot play, each with why (checked: the list holds exactly the cases the runner skipped). */
const NOT_REPLAYED: Record<string, RegExp> = {
  // The 1.5 MiB frame is kept as a prefix in the transcript (memory bound of the recorder).
  'sdk.bad-input.oversized-frame': /keeps only a prefix of frame/,
};

describe.skipIf(!HAVE_NODE_DRIVER)('self-replay: SDK cases against the real Node SDK', () => {
  it(`replays each case's transcript ${TIMES} times with 0 divergences`, async () => {
    const spec = { kind: 'builtin', sdk: 'node' } as const;
    // The slow lane (5 cases waiting out real default timings, 20-60 s each) is left out: too long to run 4 times here.
    const cases = sdkCatalogue.cases.filter((c) => c.lane !== 'slow');
    const results = await selfReplay(sdkCatalogue, spec, { cases, times: TIMES, ...sdkSelfReplay(spec) });
    const lines = results.map(
      (r) =>
        `${r.id} ${r.verdict} ${r.skipped ? `not replayed: ${r.skipped}` : `${r.divergences.length}/${r.replays} diverged${r.undecided.length > 0 ? `, ${r.undecided.length} timing finding(s) INDETERMINATE: ${r.undecided[0]?.message}` : ''}`}`,
    );
    console.log(`self-replay (sdk, node):\n${lines.join('\n')}`);
    expect(results.map((r) => r.id)).toEqual(cases.map((c) => c.id));
    const skipped = results.filter((r) => r.skipped);
    // A case the Node SDK does not declare the capability for (the browser-only ones) runs nothing to replay.
    for (const r of skipped) expect(r.skipped, r.id).toMatch(r.verdict === 'UNSUPPORTED' ? /wrote no transcript/ : (NOT_REPLAYED[r.id] ?? /^$/));
    const diverged = results.filter((r) => r.divergences.length > 0).map((r) => `${r.id}: ${r.divergences.length}/${r.replays}: ${r.divergences[0]?.message}`);
    expect(diverged).toEqual([]);
    for (const r of results.filter((x) => !x.skipped)) expect(r.replays, r.id).toBe(TIMES);
  }, 600_000);
});
