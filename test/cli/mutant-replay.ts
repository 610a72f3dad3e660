// Mutant replay, shared by the fast and the slow test files (test/cli/replay-mutants*.timing.test.ts): every SDK
// case with Node mutants (fixtures/mutants/sdk/case-mutants.json) is run once against its correct Node variant
// (the real iii-sdk, or the row's documented correction), and its transcript is replayed against each mutant.
// Replay must diverge, and its first divergence must be where the row's `expectDivergence` says (the kind of
// record, and what within it). A pair not checked carries its reason in the row's `replayExcluded`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdkCatalogue, type SdkCase } from '../../specs/sdk/index.ts';
import { openNodeMutantTarget } from '../../specs/sdk/target.ts';
import { correctVariant, mutantVariants, readCaseMutants, type CaseMutantRow, type ExpectedDivergence } from '../../fixtures/mutants/sdk/case-mutants.ts';
import { materializeNodeVariant } from '../../fixtures/mutants/sdk/node/materialize.ts';
import { runCatalogue } from '../../harness/runner/run-catalogue.ts';
import type { ProgressSink } from '../../harness/runner/progress.ts';
import { parseRecords, scriptFromRecords, unreplayable, type Divergence, type ReplayReport, type ReplayScript } from '../../harness/runner/replay.ts';
import { replayAgainstSdk } from '../../harness/replay/sdk.ts';
import { replayRuns, splitRuns } from '../../harness/replay/runs.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SDK_DIR = join(ROOT, 'fixtures', 'drivers', 'node', 'node_modules', 'iii-sdk');
const HAVE_NODE_DRIVER = existsSync(join(SDK_DIR, 'package.json'));
const SILENT: ProgressSink = { begin() {}, caseStarted() {}, caseFinished() {}, end() {} };
/** An undecided (INDETERMINATE) replay is replayed again this many times before the test says so. */
const UNDECIDED_RETRIES = 2;

const rows = readCaseMutants();

type Runs = { run?: number; script: ReplayScript }[];

interface Pair {
  caseId: string;
  mutant: string;
  patches: string[];
  expected: ExpectedDivergence;
}

function pairsOf(id: string, row: CaseMutantRow): Pair[] {
  return mutantVariants(row).flatMap((variant, i) => {
    const mutant = row.mutants[i] as string;
    const expected = row.expectDivergence?.[mutant];
    return expected ? [{ caseId: id, mutant, patches: variant.patches, expected }] : [];
  });
}

function describeDivergence(r: ReplayReport): string {
  const d = r.divergence;
  if (!d) return `no divergence${r.undecided ? ` (undecided: ${r.undecided.map((u) => u.message).join('; ')})` : ''}`;
  return `${d.record ?? 'frame'} ${d.type ?? ''} ${d.kind}: ${d.message}`;
}

/** A late driver event is a timing finding when it comes while replay still watches, a missing event when it comes after: one place. */
const LATE_OR_MISSING: readonly string[] = ['timing', 'driver-event'];

function at(d: Divergence, e: ExpectedDivergence): boolean {
  const record = d.record ?? 'frame';
  const sameRecord = record === e.record || (LATE_OR_MISSING.includes(record) && LATE_OR_MISSING.includes(e.record) && e.kind === undefined);
  return sameRecord && (e.type === undefined || d.type === e.type) && (e.kind === undefined || d.kind === e.kind);
}

/**
 * The first divergence is where the data says. Timing findings before it that the busy machine could not
 * decide are allowed only at that same place (a mutant off by a factor is often undecidable on its first
 * gap and plain on the next); anywhere else they leave the first divergence unknown.
 */
function matches(r: ReplayReport, e: ExpectedDivergence): boolean {
  return r.divergence !== undefined && at(r.divergence, e) && (r.undecided ?? []).every((u) => at(u, e));
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

export function checkMutantTable(): void {
  describe('the mutant table says, for every Node mutant, where mutant replay diverges or why it is not replayed', () => {
    it('has expectDivergence or replayExcluded for each mutant of each row', () => {
      const missing = [...rows].flatMap(([id, row]) =>
        row.mutants.filter((m) => !row.expectDivergence?.[m] && !row.replayExcluded?.[m]).map((m) => `${id} ${m}`),
      );
      expect(missing).toEqual([]);
    });
  });
}

export interface MutantReplayLane {
  /** Which cases of the catalogue this file checks. */
  name: string;
  includes(def: SdkCase): boolean;
  /** Replays at once. */
  concurrency: number;
  /** Record each case in a run of its own, all at once (cases that mostly wait out real delays). */
  recordConcurrently: boolean;
  /**
   * Also replay each recorded case this many times against the variant it was recorded with, expecting no
   * divergence (the self-replay the fast lane gets from test/cli/replay-self-sdk.test.ts); 0: none.
   */
  selfReplays: number;
}

export function defineMutantReplay(lane: MutantReplayLane): void {
  describe.skipIf(!HAVE_NODE_DRIVER)(`mutant replay (${lane.name}): the real SDK's transcript of a case, replayed against each of its mutants`, () => {
    const scripts = new Map<string, Runs | string>();
    const results = new Map<string, ReplayReport>();
    const selfResults = new Map<string, ReplayReport[]>();
    const recordedWith = new Map<string, string[]>();
    let root: string;
    const started = Date.now();

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'iii-conf-mutant-replay-'));
      // One catalogue run per correct variant (almost every row's is the real iii-sdk).
      const groups = new Map<string, { patches: string[]; cases: SdkCase[] }>();
      for (const def of sdkCatalogue.cases) {
        const row = rows.get(def.id);
        if (!lane.includes(def) || (lane.selfReplays === 0 && (!row || pairsOf(def.id, row).length === 0))) continue;
        const patches = row ? correctVariant(row).patches : [];
        recordedWith.set(def.id, patches);
        const key = patches.join('+');
        const group = groups.get(key) ?? { patches, cases: [] };
        group.cases.push(def);
        groups.set(key, group);
      }
      const record = async (key: string, patches: string[], cases: SdkCase[], label: string): Promise<void> => {
        const catalogue = { ...sdkCatalogue, open: (_t: unknown, o: Parameters<typeof sdkCatalogue.open>[1]) => openNodeMutantTarget(patches, o) };
        const run = await runCatalogue(catalogue, { kind: 'builtin', sdk: 'node' } as const, {
          targetLabel: key || 'iii-sdk',
          cases,
          repeat: 1,
          baseSeed: 1,
          tolerance: DEFAULT_TOLERANCE,
          artifactsRoot: join(root, label),
          progress: SILENT,
        });
        for (const c of run.cases) {
          const file = c.result.artifacts.transcriptFile;
          if (c.result.outcome.verdict !== 'PASS' || !file) {
            scripts.set(c.info.id, `the correct variant did not PASS (${c.result.outcome.verdict}: ${c.result.outcome.summary}); nothing to replay`);
            continue;
          }
          // A property case holds several runs, each replayed on its own (harness/replay/runs.ts).
          const runs = splitRuns(parseRecords(await readFile(file, 'utf8'))).map((r) => ({ ...r, script: scriptFromRecords(r.records) }));
          scripts.set(c.info.id, runs.map((r) => unreplayable(r.script)).find((why) => why !== undefined) ?? runs);
        }
      };
      const jobs = [...groups].flatMap(([key, group]) =>
        lane.recordConcurrently
          ? group.cases.map((def) => () => record(key, group.patches, [def], `${key || 'iii-sdk'}-${def.id}`))
          : [() => record(key, group.patches, group.cases, key || 'iii-sdk')],
      );
      await pool(jobs, lane.recordConcurrently ? jobs.length : 1, (job) => job());
      const pairs = [...rows].flatMap(([id, row]) => pairsOf(id, row)).filter((p) => typeof scripts.get(p.caseId) === 'object');
      const recorded = Date.now();
      const replay = async (runs: Runs, patches: string[], label: string): Promise<ReplayReport> => {
        const env = patches.length > 0 ? { III_CONFORMANCE_NODE_SDK: join(await materializeNodeVariant(SDK_DIR, patches), 'dist', 'index.mjs') } : undefined;
        return replayRuns(runs, (script) =>
          replayAgainstSdk(script, { kind: 'builtin', sdk: 'node' }, { commands: script.driverCommands, label, ...(env ? { env } : {}) }),
        );
      };
      const mutantJobs = pairs.map((p) => async () => {
        let r: ReplayReport | undefined;
        for (let attempt = 0; attempt <= UNDECIDED_RETRIES; attempt++) {
          r = await replay(scripts.get(p.caseId) as Runs, p.patches, p.mutant);
          if (!r.undecided || matches(r, p.expected)) break;
        }
        results.set(`${p.caseId} ${p.mutant}`, r as ReplayReport);
      });
      const selfJobs = [...scripts].flatMap(([id, runs]) =>
        typeof runs === 'string'
          ? []
          : Array.from({ length: lane.selfReplays }, () => async () => {
              const r = await replay(runs, recordedWith.get(id) ?? [], 'self');
              selfResults.set(id, [...(selfResults.get(id) ?? []), r]);
            }),
      );
      await pool([...mutantJobs, ...selfJobs], lane.concurrency, (job) => job());
      const lines = [...results].map(([k, r]) => `${k}: ${describeDivergence(r)}`);
      const diverged = [...results.values()].filter((r) => r.divergence).length;
      const where = [...results].filter(([k, r]) => matches(r, (pairs.find((p) => `${p.caseId} ${p.mutant}` === k) as Pair).expected)).length;
      const selfLines = [...selfResults].map(
        ([id, rs]) =>
          `${id}: self-replay ${rs.filter((r) => r.divergence).length}/${rs.length} diverged${rs.some((r) => r.undecided) ? ' (some timing INDETERMINATE)' : ''}`,
      );
      console.log(
        `mutant replay (${lane.name}): ${diverged}/${results.size} pairs diverged, ${where} at the expected place; recording ${((recorded - started) / 1000).toFixed(0)} s, replays ${((Date.now() - recorded) / 1000).toFixed(0)} s\n${[...lines, ...selfLines].join('\n')}`,
      );
    }, 600_000);

    afterAll(async () => {
      if (root) await rm(root, { recursive: true, force: true });
    });

    const inLane = sdkCatalogue.cases.filter((def) => lane.includes(def));
    for (const [id, row] of rows) {
      if (!inLane.some((def) => def.id === id)) continue;
      for (const p of pairsOf(id, row)) {
        it(`${id}: replayed against ${p.mutant}, first diverges at ${p.expected.record}${p.expected.type ? ` ${p.expected.type}` : ''}`, (t) => {
          const script = scripts.get(id);
          expect(
            typeof script === 'string' ? script : undefined,
            `${id} has no replayable transcript; exclude the pair with a reason or fix the case`,
          ).toBeUndefined();
          const r = results.get(`${id} ${p.mutant}`);
          expect(r, 'replayed').toBeDefined();
          // As test/sdk/mutants.test.ts does with an INDETERMINATE verdict: the busy machine could not decide
          // the timing at the expected place, in every try. Said as a skip, never counted as a pass.
          const undecided = r?.undecided ?? [];
          if (!r?.divergence && undecided.length > 0 && undecided.every((u) => at(u, p.expected))) return t.skip(`INDETERMINATE: ${undecided[0]?.message}`);
          expect(
            matches(r as ReplayReport, p.expected),
            `expected the first divergence at ${JSON.stringify(p.expected)}, got: ${describeDivergence(r as ReplayReport)}`,
          ).toBe(true);
        });
      }
    }

    if (lane.selfReplays > 0) {
      for (const def of inLane) {
        it(`${def.id}: replayed ${lane.selfReplays} times against the variant it was recorded with, 0 divergences`, (t) => {
          const script = scripts.get(def.id);
          expect(typeof script === 'string' ? script : undefined, `${def.id} has no replayable transcript`).toBeUndefined();
          const rs = selfResults.get(def.id) ?? [];
          expect(rs).toHaveLength(lane.selfReplays);
          expect(rs.filter((r) => r.divergence).map(describeDivergence)).toEqual([]);
          // Every replay undecided is no evidence either way: said as a skip, never counted as a pass.
          if (rs.every((r) => r.undecided)) return t.skip(`INDETERMINATE: ${rs[0]?.undecided?.[0]?.message}`);
        });
      }
    }
  });
}
