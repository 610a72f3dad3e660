// Issue 14, self-replay of the property cases: each runs against the real Node SDK (its runs draw their
// configurations from seed 1), and its transcript, several runs with an engine and a driver each, is replayed
// run by run against the same SDK three times (harness/replay/runs.ts). Every divergence here is spurious.
// Apart from test/cli/replay-self-sdk.test.ts because the properties sit in the slow lane, which that file leaves out.

import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdkCatalogue } from '../../specs/sdk/index.ts';
import { sdkSelfReplay, selfReplay } from '../../harness/replay/self-replay.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HAVE_NODE_DRIVER = existsSync(join(ROOT, 'fixtures', 'drivers', 'node', 'node_modules', 'iii-sdk', 'package.json'));
const TIMES = 3;

describe.skipIf(!HAVE_NODE_DRIVER)('self-replay: the SDK property cases against the real Node SDK', () => {
  it(`replays each property's runs ${TIMES} times with 0 divergences`, async () => {
    const spec = { kind: 'builtin', sdk: 'node' } as const;
    const cases = sdkCatalogue.cases.filter((c) => c.id.startsWith('prop.'));
    expect(cases.length).toBeGreaterThanOrEqual(6);
    const results = await selfReplay(sdkCatalogue, spec, { cases, times: TIMES, ...sdkSelfReplay(spec) });
    const lines = results.map(
      (r) =>
        `${r.id} ${r.verdict} ${r.skipped ? `not replayed: ${r.skipped}` : `${r.divergences.length}/${r.replays} diverged${r.undecided.length > 0 ? `, ${r.undecided.length} timing finding(s) INDETERMINATE: ${r.undecided[0]?.message}` : ''}`}`,
    );
    console.log(`self-replay (sdk properties, node):\n${lines.join('\n')}`);
    expect(results.map((r) => r.id)).toEqual(cases.map((c) => c.id));
    expect(results.filter((r) => r.skipped).map((r) => `${r.id}: ${r.skipped}`)).toEqual([]);
    const diverged = results.filter((r) => r.divergences.length > 0).map((r) => `${r.id}: ${r.divergences.length}/${r.replays}: ${r.divergences[0]?.message}`);
    expect(diverged).toEqual([]);
    for (const r of results) expect(r.replays, r.id).toBe(TIMES);
  }, 600_000);
});
