// Finding 3 (issue 12): a driver's `ready` identity is checked against schemas/driver/event.schema.json.
// A 300-character name, a numeric or object version, a missing `sdk`, non-array capabilities: each is a
// one-line error naming the field (never a raw TypeError), and results.json, junit.xml and index.html are
// still written. A driver claiming the bundled Node SDK's identity is not given that SDK's baseline.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SdkCatalogue } from '../../harness/cli/io.ts';
import { sdkBaselineKey } from '../../harness/baselines/baseline-key.ts';
import { defaultBaselinePath } from '../../harness/baselines/baseline.ts';
import { sdkCatalogue } from '../../specs/sdk/index.ts';
import { cli, STACK_LINE } from '../cli/helpers.ts';

const DRIVER = fileURLToPath(new URL('./drivers/identity-driver.mjs', import.meta.url));
const target = (mode: object) => `cmd:node ${DRIVER} ${Buffer.from(JSON.stringify(mode)).toString('base64')}`;
const CASE = 'sdk.connect.plain-websocket';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iii-hostile-identity-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const READY = { event: 'ready', contract: 1, capabilities: [], facts: {}, ignoredOptions: [], worker: { name: null } };

const TABLE: { name: string; mode: object; words: RegExp }[] = [
  {
    name: '300-character name',
    mode: { ready: { sdk: { name: 'n'.repeat(300), version: '1', language: 'js' } } },
    words: /invalid ready event: \/sdk\/name must NOT have more than 64 characters/,
  },
  {
    name: 'numeric version',
    mode: { ready: { sdk: { name: 'x', version: 12, language: 'js' } } },
    words: /invalid ready event: \/sdk\/version must be string/,
  },
  {
    name: 'object version',
    mode: { ready: { sdk: { name: 'x', version: { major: 1 }, language: 'js' } } },
    words: /invalid ready event: \/sdk\/version must be string/,
  },
  { name: 'missing sdk', mode: { readyRaw: READY }, words: /invalid ready event: \/ must have required property 'sdk'/ },
  { name: 'non-array capabilities', mode: { ready: { capabilities: 'all' } }, words: /invalid ready event: \/capabilities must be array/ },
  {
    name: 'escape in the name',
    mode: { ready: { sdk: { name: 'x\u001b]0;pwned\u0007', version: '1', language: 'js' } } },
    words: /invalid ready event: \/sdk\/name must match pattern/,
  },
];

describe('a hostile ready event', () => {
  for (const [i, row] of TABLE.entries()) {
    it(`${row.name}: one clear line, and every report written`, async () => {
      const reportDir = join(dir, `r${i}`);
      const r = await cli(['sdk', target(row.mode), '--case', CASE, '--report-dir', reportDir], { sdk: sdkCatalogue as unknown as SdkCatalogue });
      const said = r.out + r.err;
      expect(said).toMatch(row.words);
      expect(said).not.toMatch(/TypeError|is not a function|ENAMETOOLONG/);
      expect(said).not.toMatch(STACK_LINE);
      expect(r.code).toBe(4); // the target could not be opened (5 would be an internal error)
      for (const f of ['results.json', 'junit.xml', 'index.html']) expect(existsSync(join(reportDir, f)), f).toBe(true);
      const results = JSON.parse(await readFile(join(reportDir, 'results.json'), 'utf8'));
      expect(results.runs[0].setupError).toMatch(row.words);
    }, 60_000);
  }
});

describe('a driver claiming another SDK identity', () => {
  const node = { name: 'iii-sdk (node)', version: '0.22.1' };
  const nodeBaseline = defaultBaselinePath('/r', node);

  it('a cmd: target claiming iii-sdk node gets a cmd- baseline, never the bundled one', () => {
    const key = sdkBaselineKey({ kind: 'cmd', command: 'node evil.mjs' }, node).key;
    expect(key && defaultBaselinePath('/r', key)).toBe('/r/fixtures/baselines/cmd-iii-sdk-node@0.22.1.json');
  });

  it('a bundled target is keyed by the target named; a different claim gets no baseline and is named as a mismatch', () => {
    const liar = sdkBaselineKey({ kind: 'builtin', sdk: 'python' }, node);
    expect(liar.key).toBeUndefined();
    expect(liar.mismatch).toMatch(/the python target reported itself as iii-sdk \(node\) 0\.22\.1, not iii-sdk \(python\) .*no default baseline/);
    const honest = sdkBaselineKey({ kind: 'builtin', sdk: 'node' }, node);
    expect(honest.mismatch).toBeUndefined();
    expect(honest.key && defaultBaselinePath('/r', honest.key)).toBe(nodeBaseline);
  });

  it('a run of a cmd: driver claiming iii-sdk node does not use the node baseline', async () => {
    const reportDir = join(dir, 'claim');
    const r = await cli(
      [
        'sdk',
        target({ ready: { sdk: { name: 'iii-sdk', version: '0.22.1', language: 'node' } } }),
        '--case',
        'sdk.connect.handshake-headers',
        '--report-dir',
        reportDir,
      ],
      {
        sdk: sdkCatalogue as unknown as SdkCatalogue,
      },
    );
    // The case needs `headers`, which the driver does not declare: UNSUPPORTED at once, and the run goes on to baselines.
    expect(r.out).toContain('unsupported');
    expect(r.out).not.toContain('iii-sdk-node@0.22.1.json');
    const results = JSON.parse(await readFile(join(reportDir, 'results.json'), 'utf8'));
    expect(results.runs[0].baseline).toBeUndefined();
  }, 60_000);
});
