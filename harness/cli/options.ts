// The options every run command shares (the default job, `sdk`, `engine`), parsed into checked values.

import { Option, type Command } from 'commander';
import { toleranceFromEnv } from '../timing/tolerance.ts';
import { UsageError } from './errors.ts';
import type { Shard } from '../runner/select.ts';

export interface RawRunOptions {
  case?: string[];
  strict?: boolean;
  baseline?: string | false;
  updateBaseline?: boolean;
  seed?: string;
  repeat?: string;
  jobs?: string;
  coldStart?: boolean;
  forkStart?: boolean;
  sdkBundle?: boolean;
  reportDir?: string;
  timeScale?: string;
  slow?: boolean;
  setup?: boolean;
  baselineFrom?: string;
  shard?: string;
}

export interface RunOptions {
  cases: string[];
  strict: boolean;
  /** A file, `false` for --no-baseline, undefined for the default lookup in fixtures/baselines/. */
  baseline: string | false | undefined;
  updateBaseline: boolean;
  seed: number | undefined;
  repeat: number;
  /** SDK cases run side by side at most (cases that judge timing always run alone). */
  jobs: number;
  /** No warm driver spares: every driver starts when its case asks. */
  coldStart: boolean;
  /** Fork warm spares from a fork server where the driver can (--no-fork-start spawns them). */
  forkStart: boolean;
  /** The Node driver loads its SDK from one bundle of it (--no-sdk-bundle imports it as installed). */
  sdkBundle: boolean;
  reportDir: string | undefined;
  timeScale: number;
  slow: boolean;
  /** Set up a bundled driver that is not ready (default true; --no-setup reports it instead). */
  setup: boolean;
  /** With no baseline for the implementation's version: `exact` names the nearest one, `nearest` uses it. */
  baselineFrom: 'exact' | 'nearest';
  /** `--shard i/n`: run only this part of the selected cases (harness/runner/select.ts shardOf). */
  shard: Shard | undefined;
}

/**
 * SDK cases side by side by default. Most SDK cases wait on the SDK (a retry delay, a reply), not on a
 * core, so four fit two cores; the cases that judge timing run alone whatever this says.
 */
export const DEFAULT_JOBS = 4;

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addRunOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '-c, --case <id|glob>',
        'run only matching cases: an id, a group prefix (sdk.reconnect) or a glob (sdk.*.timeout, engine.**); repeatable',
      ).argParser(collect),
    )
    .option('--strict', 'SHOULD failures fail the run too (by default only MUST cases gate)')
    .option(
      '--baseline <file>',
      'known failures to tolerate: JSON { "<case id>": "<one-line reason>" } (default: fixtures/baselines/<implementation>@<version>.json when present)',
    )
    .option('--no-baseline', 'ignore every baseline file')
    .option(
      '--baseline-from <exact|nearest>',
      "which default baseline: the version's own (exact, the default: a version without one is gated with none, and the nearest earlier is named) or, when it has none, the nearest earlier version's (nearest: for CI on unreleased versions)",
    )
    .option('--update-baseline', 'rewrite the baseline from this run (failures added, fixed cases removed), then gate against it')
    .option('--seed <n>', 'base seed for everything random (printed by every run; reuse it to reproduce)')
    .option('--repeat <n>', 'run each case N times; a case whose verdict changes is reported flaky', '1')
    .option(
      '--jobs <n>',
      `SDK cases run side by side, each with its own fake engine and driver; cases that judge timing always run alone (default ${DEFAULT_JOBS}; 1 runs every case alone)`,
    )
    .option('--cold-start', 'start each SDK driver only when its case asks, instead of from a loaded spare (drivers that declare deferredStart)')
    .option('--no-fork-start', 'spawn each loaded spare instead of forking it from one loaded driver (drivers that declare forkStart)')
    .option('--no-sdk-bundle', 'the Node driver imports its SDK as installed, module by module, instead of from one esbuild bundle of it made for the run')
    .option('--report-dir <dir>', 'where results.json, junit.xml, index.html and repro bundles go (default: reports/<run id>)')
    .option('--time-scale <x>', 'multiply every timing slack by x on a slow machine (default: $III_CONFORMANCE_TIME_SCALE or 1)')
    .option('--slow', 'also run the slow lane (real default timings, idle timeouts)')
    .option(
      '--shard <i/n>',
      'run only part i of n of the selected cases (split by a hash of the case id), for n parallel CI runners; `report` merges their results.json into one column',
    )
    .option('--no-setup', 'do not set up a bundled driver (node, python, rust, go, browser) that is not ready; report it instead');
}

function integer(text: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} "${text}" is not a whole number: give an integer from ${min} to ${max}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag} ${text} is out of range: give an integer from ${min} to ${max}`);
  return n;
}

/** The shard count is capped: more runners than cases leaves most of them empty, and the cap keeps the number sane. */
export const MAX_SHARDS = 256;

function shardOption(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count)
    throw new UsageError(`--shard "${text}" must be i/n with 1 <= i <= n <= ${MAX_SHARDS}, e.g. --shard 2/4 on the second of four runners`);
  return { index, count };
}

export function parseRunOptions(raw: RawRunOptions, env: NodeJS.ProcessEnv): RunOptions {
  let timeScale = toleranceFromEnv(env).timeScale;
  if (raw.timeScale !== undefined) {
    timeScale = Number(raw.timeScale);
    if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 100) {
      throw new UsageError(`--time-scale "${raw.timeScale}" must be a number above 0 (e.g. 2 doubles every timing slack), at most 100`);
    }
  }
  const baselineFrom = raw.baselineFrom ?? 'exact';
  if (baselineFrom !== 'exact' && baselineFrom !== 'nearest') throw new UsageError(`--baseline-from "${raw.baselineFrom}" must be exact or nearest`);
  if (raw.baselineFrom !== undefined && raw.baseline !== undefined && (raw.baseline as unknown) !== true)
    throw new UsageError('--baseline-from chooses among the default baselines: do not combine it with --baseline or --no-baseline');
  if (raw.updateBaseline && raw.baseline === false) throw new UsageError('--update-baseline and --no-baseline contradict each other: drop one');
  const cases = (raw.case ?? []).map((c) => c.trim()).filter((c) => c !== '');
  for (const c of cases) {
    if (!/^[a-z0-9.*?-]+$/.test(c))
      throw new UsageError(`--case "${c}" is not an id or pattern: ids are dotted lowercase words (sdk.reconnect.replays-functions); * and ** are wildcards`);
  }
  return {
    cases,
    strict: raw.strict === true,
    baseline: raw.baseline === undefined || (raw.baseline as unknown) === true ? undefined : raw.baseline,
    updateBaseline: raw.updateBaseline === true,
    seed: raw.seed === undefined ? undefined : integer(raw.seed, '--seed', 0, 2 ** 31 - 2),
    repeat: integer(raw.repeat ?? '1', '--repeat', 1, 1000),
    jobs: integer(raw.jobs ?? String(DEFAULT_JOBS), '--jobs', 1, 32),
    coldStart: raw.coldStart === true,
    forkStart: raw.forkStart !== false,
    sdkBundle: raw.sdkBundle !== false,
    reportDir: raw.reportDir,
    timeScale,
    slow: raw.slow === true,
    setup: raw.setup !== false,
    baselineFrom,
    shard: shardOption(raw.shard),
  };
}
