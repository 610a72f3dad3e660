// The CLI end to end, in-process: arguments, exit codes, messages, reports and repro bundles, against
// the synthetic catalogues (one case per verdict).

import { describe, expect, it } from 'vitest';
import { access, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { validateResults } from '../../harness/reports/results-schema.ts';
import type { ResultsDocument } from '../../harness/reports/results.ts';
import type { SdkCatalogue } from '../../harness/cli/io.ts';
import { syntheticSdkCatalogue } from './fixtures/synthetic.ts';
import { SetupError } from '../../harness/cli/errors.ts';
import { cli, STACK_LINE, withTempDir } from './helpers.ts';

const read = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as ResultsDocument;
const exists = async (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );
const empty = {
  side: 'sdk',
  cases: [],
  open: async () => {
    throw new Error('not built');
  },
} as unknown as SdkCatalogue;

describe('iii-conformance runs', () => {
  it('with empty catalogues runs, writes reports and prints an honest summary (0 cases)', async () => {
    await withTempDir(async (dir) => {
      const engineEmpty = {
        side: 'engine',
        cases: [],
        open: async () => {
          throw new Error('not built');
        },
      } as never;
      const r = await cli(['--report-dir', dir], { sdk: empty, engine: engineEmpty });
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toContain('the sdk catalogue has 0 cases');
      expect(r.out).toContain('the engine catalogue has 0 cases');
      expect(r.out).toContain('Nothing was checked');
      expect(r.out).toMatch(/Result: exit 0 .*\(0 cases ran\)/);
      const doc = await read(join(dir, 'results.json'));
      expect(validateResults(doc)).toEqual([]);
      expect(doc.runs).toEqual([]);
      expect(await exists(join(dir, 'index.html'))).toBe(true);
      expect(await exists(join(dir, 'junit.xml'))).toBe(true);
    });
  });

  it('the default job runs the SDK side against node and the engine side against the reference engine', async () => {
    await withTempDir(async (dir) => {
      const r = await cli(['--report-dir', dir, '--case', 'sdk.synth.passes', '--case', 'engine.synth.first-frame', '--seed', '5']);
      expect(r.code).toBe(0);
      const doc = await read(join(dir, 'results.json'));
      expect(doc.runs.map((x) => [x.side, x.target, x.cases.length])).toEqual([
        ['sdk', 'node', 1],
        ['engine', 'reference', 1],
      ]);
      expect(doc.seed).toBe(5);
    });
  });

  it('exits 1 on regressions, lists them with a rerun command, and writes a schema-valid results.json', async () => {
    await withTempDir(async (dir) => {
      const r = await cli(['sdk', 'node', '--report-dir', dir, '--seed', '42']);
      expect(r.code).toBe(1);
      expect(r.out).toContain('REGRESSION  [MUST] sdk.synth.fails (node)');
      expect(r.out).toContain('rerun:  npx --no iii-conformance sdk node --case sdk.synth.fails --seed 42');
      expect(r.out).toContain('1 slow case not run (add --slow)');
      expect(r.out).toMatch(/Result: exit 1 — 2 regressions, 1 case the harness could not run, 1 undecided case/);
      const doc = await read(join(dir, 'results.json'));
      expect(validateResults(doc)).toEqual([]);
      const run = doc.runs[0];
      expect(run?.implementation).toEqual({ kind: 'sdk', name: 'synthetic-sdk', version: '1.0.0', capabilities: ['reconnection-config'] });
      expect(run?.counts).toMatchObject({ total: 10, PASS: 3, FAIL: 4, ERROR: 1, INDETERMINATE: 1, UNSUPPORTED: 1 });
      const fails = run?.cases.find((c) => c.id === 'sdk.synth.fails');
      expect(fails).toMatchObject({ verdict: 'FAIL', status: 'regression', level: 'MUST', expected: { type: 'invocationresult' }, actual: { result: null } });
      expect(fails?.transcript).toBe('artifacts/sdk/sdk.synth.fails/transcript.jsonl');
      const timing = run?.cases.find((c) => c.id === 'sdk.synth.backoff-too-early');
      expect(timing?.timings.map((t) => [t.attempt, t.verdict])).toEqual([
        [0, 'PASS'],
        [1, 'FAIL'],
        [2, 'PASS'],
      ]);
      expect(doc.gate).toMatchObject({
        exitCode: 1,
        regressions: ['sdk.synth.fails', 'sdk.synth.backoff-too-early'],
        undecided: ['sdk.synth.undecided'],
        harnessErrors: ['sdk.synth.harness-error'],
      });
    });
  });

  it('writes a repro bundle per failing case whose rerun command reproduces just that case with the same seed', async () => {
    await withTempDir(async (dir) => {
      await cli(['sdk', 'node', '--report-dir', join(dir, 'first'), '--seed', '42', '--time-scale', '1.5']);
      const bundleDir = join(dir, 'first', 'repro', 'sdk', 'sdk.synth.fails');
      const bundle = JSON.parse(await readFile(join(bundleDir, 'bundle.json'), 'utf8')) as Record<string, unknown>;
      expect(bundle).toMatchObject({
        format: 'iii-conformance-repro',
        side: 'sdk',
        target: 'node',
        implementation: { name: 'synthetic-sdk', version: '1.0.0' },
        seed: { base: 42 },
        verdict: 'FAIL',
        transcript: 'transcript.jsonl',
        faultSchedule: { rules: [{ action: { kind: 'delay' } }] },
        tolerance: { timeScale: 1.5 },
        rerun: 'npx --no iii-conformance sdk node --case sdk.synth.fails --seed 42 --time-scale 1.5',
      });
      expect(bundle.harness).toMatchObject({ version: '0.1.0' });
      expect(String(bundle.replay)).toBe(`npx --no iii-conformance replay ${bundleDir}/ --sdk node`);
      expect(await readFile(join(bundleDir, 'rerun.sh'), 'utf8')).toContain('exec npx --no iii-conformance sdk node --case sdk.synth.fails --seed 42');
      expect(await exists(join(bundleDir, 'transcript.jsonl'))).toBe(true);
      // Passing cases get no bundle; every non-passing one does.
      expect(await exists(join(dir, 'first', 'repro', 'sdk', 'sdk.synth.passes'))).toBe(false);
      expect(await exists(join(dir, 'first', 'repro', 'sdk', 'sdk.synth.undecided', 'bundle.json'))).toBe(true);

      const words = String(bundle.rerun).split(' ').slice(3); // after `npx --no iii-conformance`
      const again = await cli([...words, '--report-dir', join(dir, 'again')]);
      const doc = await read(join(dir, 'again', 'results.json'));
      expect(doc.runs[0]?.cases.map((c) => [c.id, c.verdict, c.seed])).toEqual([['sdk.synth.fails', 'FAIL', (bundle.seed as { case: number }).case]]);
      expect(again.code).toBe(1);
    });
  });

  it('exit 0 / 2 / 4 for a passing, an undecided and a harness-error selection; --strict makes SHOULD gate', async () => {
    await withTempDir(async (dir) => {
      expect((await cli(['sdk', 'node', '--report-dir', join(dir, 'a'), '--case', 'sdk.synth.passes', '--case', 'sdk.synth.needs-metrics'])).code).toBe(0);
      expect((await cli(['sdk', 'node', '--report-dir', join(dir, 'b'), '--case', 'sdk.synth.undecided'])).code).toBe(2);
      expect((await cli(['sdk', 'node', '--report-dir', join(dir, 'c'), '--case', 'sdk.synth.harness-error'])).code).toBe(4);
      const lenient = await cli(['sdk', 'node', '--report-dir', join(dir, 'd'), '--case', 'sdk.synth.should-fails', '--case', 'sdk.synth.info-note']);
      expect(lenient.code).toBe(0);
      // Not counted, but named.
      expect(lenient.out).toContain('SHOULD      sdk.synth.should-fails (node) — FAIL: adds a stray field');
      expect(lenient.out).toContain('INFO        sdk.synth.info-note (node) — FAIL: differs from the other SDKs');
      const strict = await cli([
        'sdk',
        'node',
        '--report-dir',
        join(dir, 'e'),
        '--case',
        'sdk.synth.should-fails',
        '--case',
        'sdk.synth.info-note',
        '--strict',
      ]);
      expect(strict.code).toBe(1);
      expect(strict.out).toContain('REGRESSION  [SHOULD] sdk.synth.should-fails');
      expect(strict.out).not.toContain('REGRESSION  [INFO]');
    });
  });

  it('--repeat reports a case whose verdict changes as flaky', async () => {
    await withTempDir(async (dir) => {
      const r = await cli(['sdk', 'node', '--report-dir', dir, '--case', 'sdk.synth.flaky', '--repeat', '2']);
      expect(r.code).toBe(1);
      expect(r.out).toContain('FLAKY       sdk.synth.flaky — verdicts PASS, FAIL');
      const c = (await read(join(dir, 'results.json'))).runs[0]?.cases[0];
      expect(c).toMatchObject({ flaky: true, verdict: 'FAIL', attempts: [{ verdict: 'PASS' }, { verdict: 'FAIL' }] });
    });
  });

  it('--update-baseline writes the known failures; the next run gates on regressions only; a fixed case makes the entry stale', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'baseline.json');
      const sel = ['--case', 'sdk.synth.fails', '--case', 'sdk.synth.passes', '--case', 'sdk.synth.backoff-too-early'];
      const first = await cli(['sdk', 'node', ...sel, '--baseline', file, '--update-baseline', '--report-dir', join(dir, '1')]);
      expect(first.code).toBe(0);
      expect(first.out).toContain(`baseline written: ${file} (2 entries)`);
      const written = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
      expect(Object.keys(written)).toEqual(['$comment', 'sdk.synth.backoff-too-early', 'sdk.synth.fails']);
      const second = await cli(['sdk', 'node', ...sel, '--baseline', file, '--report-dir', join(dir, '2')]);
      expect(second.code).toBe(0);
      expect(second.out).toContain('2 known failures listed in the baseline');
      expect(second.out).toContain(`KNOWN       sdk.synth.fails (node) — FAIL, in the baseline: ${written['sdk.synth.fails']}`);
      const doc = await read(join(dir, '2', 'results.json'));
      expect(doc.runs[0]?.cases.find((c) => c.id === 'sdk.synth.fails')).toMatchObject({ status: 'known-failure', baselineReason: written['sdk.synth.fails'] });
      await writeFile(file, JSON.stringify({ ...written, 'sdk.synth.passes': 'was broken in 0.21' }));
      const stale = await cli(['sdk', 'node', ...sel, '--baseline', file, '--report-dir', join(dir, '3')]);
      expect(stale.code).toBe(1);
      expect(stale.out).toContain(`STALE       sdk.synth.passes in ${file} — the case now passes: remove the entry`);
    });
  });

  it('shows progress on a terminal and plain lines in CI', async () => {
    await withTempDir(async (dir) => {
      const tty = await cli(['sdk', 'node', '--report-dir', join(dir, 't'), '--case', 'sdk.synth.passes'], { tty: true, env: { PATH: process.env.PATH } });
      expect(tty.out).toContain('\x1b[2K');
      expect(tty.out).toContain('running sdk.synth.passes');
      expect(tty.out).toContain('[0/1 done]');
      const ci = await cli(['sdk', 'node', '--report-dir', join(dir, 'c'), '--case', 'sdk.synth.passes'], {
        tty: true,
        env: { CI: 'true', PATH: process.env.PATH },
      });
      expect(ci.out).not.toContain('\x1b[');
      expect(ci.out).toMatch(/^\[1\/1\] PASS +MUST +sdk\.synth\.passes \d+ ms$/m);
      const piped = await cli(['sdk', 'node', '--report-dir', join(dir, 'p'), '--case', 'sdk.synth.passes'], { tty: false, env: { PATH: process.env.PATH } });
      expect(piped.out).not.toContain('\x1b[');
    });
  });
});

describe('bad arguments and set-up failures: one clear message, a documented exit code, no stack trace', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['unknown option', ['sdk', 'node', '--frobnicate'], 3, /unknown option '--frobnicate'/],
    ['unknown command', ['sdkk', 'node'], 3, /unknown command 'sdkk'|too many arguments/],
    ['unknown SDK target', ['sdk', 'java'], 3, /unknown SDK target "java": use node, python, rust, go, browser, or cmd:/],
    ['missing SDK target', ['sdk'], 3, /missing required argument 'target'/],
    ['empty cmd: target', ['sdk', 'cmd:'], 3, /cmd: needs the command/],
    ['--repeat 0', ['sdk', 'node', '--repeat', '0'], 3, /--repeat 0 is out of range: give an integer from 1 to 1000/],
    ['--jobs 0', ['sdk', 'node', '--jobs', '0'], 3, /--jobs 0 is out of range: give an integer from 1 to 32/],
    ['--seed abc', ['sdk', 'node', '--seed', 'abc'], 3, /--seed "abc" is not a whole number/],
    ['--time-scale -1', ['sdk', 'node', '--time-scale', '-1'], 3, /--time-scale "-1" must be a number above 0/],
    [
      'a case that matches nothing',
      ['sdk', 'node', '--case', 'sdk.nope'],
      3,
      /no case matches "sdk.nope" \(11 cases in the sdk catalogue\)\. See the ids with `iii-conformance list`/,
    ],
    ['a malformed case pattern', ['sdk', 'node', '--case', 'SDK Reconnect'], 3, /is not an id or pattern/],
    ['an http engine url', ['engine', '--engine-url', 'http://127.0.0.1:1'], 3, /must start with ws:\/\/ or wss:\/\//],
    ['a non-URL engine url', ['engine', '--engine-url', 'localhost'], 3, /is not a URL/],
    ['image with url', ['engine', '--engine-image', 'x', '--engine-url', 'ws://127.0.0.1:1'], 3, /do not combine it/],
    ['--update-baseline with --no-baseline', ['sdk', 'node', '--no-baseline', '--update-baseline'], 3, /contradict/],
    ['a list side that does not exist', ['list', 'browser'], 3, /unknown side "browser"/],
    ['report without files', ['report'], 3, /missing required argument/],
    [
      'a driver command that does not exist',
      ['sdk', 'cmd:./no-such-driver --flag'],
      4,
      /the driver command "\.\/no-such-driver --flag" cannot start: "\.\/no-such-driver" is not an executable file/,
    ],
    ['a driver program not on PATH', ['sdk', 'cmd:no-such-program-xyz'], 4, /"no-such-program-xyz" is not an executable file on PATH/],
    ['an engine command that does not exist', ['engine', '--engine-cmd', '/nonexistent/engine --port 1'], 4, /--engine-cmd .* cannot start/],
  ];
  for (const [name, argv, code, message] of cases) {
    it(name, async () => {
      await withTempDir(async (dir) => {
        const r = await cli([...argv, ...(argv[0] === 'list' || argv[0] === 'report' ? [] : ['--report-dir', dir])]);
        expect(r.code).toBe(code);
        expect(r.err).toMatch(message);
        expect(r.err).not.toMatch(STACK_LINE);
        expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(2);
      });
    });
  }

  it('an unreachable engine: exit 4, says what to do', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await cli(['engine', '--engine-url', `ws://127.0.0.1:${port}`]);
    expect(r.code).toBe(4);
    expect(r.err).toBe(
      `iii-conformance: cannot reach the engine at ws://127.0.0.1:${port}: connection refused (nothing listens there). Start the engine (e.g. \`npx iii-conformance serve\` for the reference engine), or check --engine-url.\n`,
    );
  });

  it('a named baseline that does not exist or is not JSON: exit 3', async () => {
    await withTempDir(async (dir) => {
      const missing = await cli(['sdk', 'node', '--baseline', join(dir, 'nope.json'), '--report-dir', dir]);
      expect(missing.code).toBe(3);
      expect(missing.err).toMatch(/does not exist; check the path, or create it with --update-baseline/);
      await writeFile(join(dir, 'bad.json'), '{ not json');
      const bad = await cli(['sdk', 'node', '--baseline', join(dir, 'bad.json'), '--report-dir', dir]);
      expect(bad.code).toBe(3);
      expect(bad.err).toMatch(/is not valid JSON/);
    });
  });

  it('a driver that does not start: exit 4, the reason in the summary and in every case', async () => {
    await withTempDir(async (dir) => {
      const sdk = syntheticSdkCatalogue({ openError: 'the node driver is not installed: run `npm run setup`' }) as unknown as SdkCatalogue;
      const r = await cli(['sdk', 'node', '--report-dir', dir, '--case', 'sdk.synth.passes'], { sdk });
      expect(r.code).toBe(4);
      expect(r.out).toContain('could not open the target: the node driver is not installed: run `npm run setup`');
      expect(r.out).toMatch(/Result: exit 4 — 1 target that could not be opened/);
      const doc = await read(join(dir, 'results.json'));
      expect(doc.runs[0]).toMatchObject({
        implementation: null,
        setupError: 'the node driver is not installed: run `npm run setup`',
        cases: [{ verdict: 'ERROR' }],
      });
    });
  });

  it('sets up a bundled driver that is not ready before running (not for cmd: targets, not with --no-setup); a failed set-up is exit 4', async () => {
    await withTempDir(async (dir) => {
      const calls: string[] = [];
      const ensureDriver = async (sdk: string) => void calls.push(sdk);
      await cli(['sdk', 'python', '--report-dir', join(dir, 'a'), '--case', 'sdk.synth.passes'], { ensureDriver });
      await cli(['--report-dir', join(dir, 'b'), '--case', 'sdk.synth.passes'], { ensureDriver });
      await cli(['sdk', 'node', '--no-setup', '--report-dir', join(dir, 'c'), '--case', 'sdk.synth.passes'], { ensureDriver });
      await cli(['sdk', `cmd:${process.execPath} driver.js`, '--report-dir', join(dir, 'd'), '--case', 'sdk.synth.passes'], { ensureDriver });
      expect(calls).toEqual(['python', 'node']);
      const failing = async () => {
        throw new SetupError('the bundled node driver could not be set up (set-up exit 1): no npm. Run `npm run setup -- --only=node` to see why.');
      };
      const r = await cli(['sdk', 'node', '--report-dir', join(dir, 'e'), '--case', 'sdk.synth.passes'], { ensureDriver: failing });
      expect(r.code).toBe(4);
      expect(r.err).toMatch(/^iii-conformance: the bundled node driver could not be set up/);
    });
  });

  it('a target that does not open is one line in the summary, not one per case, and leaves no repro bundles', async () => {
    await withTempDir(async (dir) => {
      const sdk = syntheticSdkCatalogue({ openError: 'node driver missing' }) as unknown as SdkCatalogue;
      const r = await cli(['sdk', 'node', '--report-dir', dir], { sdk });
      expect(r.code).toBe(4);
      expect(r.out).toContain('NOT RUN     10 sdk cases against node — could not open the target: node driver missing');
      expect(r.out).not.toContain('rerun:');
      expect(await exists(join(dir, 'repro'))).toBe(false);
    });
  });

  it('a catalogue that cannot be loaded or is invalid: exit 4', async () => {
    const invalid = { side: 'sdk', cases: [{ id: 'Bad Id', sources: [] }], open: async () => ({}) } as unknown as SdkCatalogue;
    const broken = await cli(['sdk', 'node'], { sdk: invalid });
    expect(broken.code).toBe(4);
    expect(broken.err).toMatch(/the sdk catalogue is invalid: case id "Bad Id" does not match/);
  });

  it('--help and --version exit 0 and document the exit codes', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes:');
    expect(help.out).toMatch(/1 +a regression/);
    expect(help.out).toContain('sdk [options] <target...>');
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe('0.1.0');
  });
});

describe('list', () => {
  it('prints ids, levels, lanes, needs and sources; --json is machine-readable', async () => {
    const text = await cli(['list', 'sdk']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('sdk catalogue: 11 cases');
    expect(text.out).toMatch(/MUST +sdk\.synth\.needs-metrics +metrics are reported needs metrics/);
    expect(text.out).toMatch(/sdk\.synth\.slow-lane .* slow/);
    const json = await cli(['list', '--json', '--case', 'engine.**']);
    const rows = JSON.parse(json.out) as { id: string; side: string }[];
    expect(rows).toEqual([
      expect.objectContaining({
        id: 'engine.synth.first-frame',
        side: 'engine',
        level: 'MUST',
        sources: [{ document: 'engine-protocol', section: '§1 synthetic' }],
      }),
    ]);
  });
});

describe('report', () => {
  it('merges several results.json into one HTML matrix and one JUnit file', async () => {
    await withTempDir(async (dir) => {
      await cli(['sdk', 'node', '--report-dir', join(dir, 'a'), '--case', 'sdk.synth.passes', '--case', 'sdk.synth.fails']);
      const other = syntheticSdkCatalogue({ name: 'synthetic-sdk', version: '2.0.0' }) as unknown as SdkCatalogue;
      await cli(['sdk', 'python', '--report-dir', join(dir, 'b'), '--case', 'sdk.synth.passes'], { sdk: other });
      const r = await cli(
        ['report', join(dir, 'a', 'results.json'), join(dir, 'b', 'results.json'), '-o', join(dir, 'merged.html'), '--junit', join(dir, 'merged.xml')],
        { cwd: dir },
      );
      expect(r.code).toBe(0);
      expect(r.out).toContain('report: 2 results files, 2 implementation runs, 3 results -> merged.html');
      const html = await readFile(join(dir, 'merged.html'), 'utf8');
      expect(html).toContain('synthetic-sdk 1.0.0');
      expect(html).toContain('synthetic-sdk 2.0.0');
      expect(await readFile(join(dir, 'merged.xml'), 'utf8')).toContain('<testsuite name="sdk: synthetic-sdk 2.0.0"');
    });
  });

  it('refuses a file that is not a results.json, with the reason', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'x.json'), '{"hello":1}');
      const r = await cli(['report', join(dir, 'x.json')]);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/is not an iii-conformance results\.json: \/ must have required property 'format'/);
    });
  });
});
