// Runs selected cases of one catalogue against one target: opens the target once, runs every case
// through the shared runCase (capability gate, hard timeout, clean-up), repeats each case --repeat times
// and flags a case whose verdict changes between repeats as flaky, then closes the target.
//
// A case that judges timing (backoff, timeouts) always runs alone: a neighbour competing for the
// machine's cores would turn its verdict into noise. Where the target gives each case peers of its own
// (the SDK catalogue), the timing cases run first, then the others up to `jobs` at a time; results keep
// the catalogue's order.

import { join } from 'node:path';
import type { Catalogue } from '../cases/catalogue.ts';
import type { CaseDefinition, CaseResult } from '../cases/model.ts';
import { outcome } from '../cases/model.ts';
import { runCase } from '../cases/run-case.ts';
import { implementationName } from '../targets/implementation-name.ts';
import type { ToleranceModel } from '../timing/tolerance.ts';
import type { ProgressSink } from './progress.ts';
import { caseSeed } from './seed.ts';
import { infoOf, mostSevere, type CaseRun, type CatalogueRun } from './types.ts';

export interface RunCatalogueOptions<Context> {
  /** How the user named the target, for reports and repro commands. */
  targetLabel: string;
  cases: readonly CaseDefinition<Context>[];
  skippedSlow?: readonly string[];
  repeat: number;
  baseSeed: number;
  tolerance: ToleranceModel;
  /** Folder for this side's artifacts: `<root>/<case id>/` per case, `<root>/repeat-<n>/<case id>/` for repeats. */
  artifactsRoot: string;
  progress: ProgressSink;
  /** Stops starting new cases (Ctrl-C); the case in flight finishes or times out. */
  signal?: AbortSignal;
  /**
   * How many times an INDETERMINATE run (a timing the busy machine could not decide) is measured again
   * before it is reported (default 2). Only INDETERMINATE is retried, never FAIL: a clean window then
   * decides PASS or FAIL, and a machine busy three times in a row still reports INDETERMINATE.
   */
  retryUndecided?: number;
  /**
   * How many cases may run at once where the target isolates them (default 1). Cases that judge timing
   * run alone whatever this says.
   */
  jobs?: number;
  /** Start every driver when its case asks (no warm spares), as before issue 17; for comparison and debugging. */
  coldStart?: boolean;
  /** false: spawn warm spares instead of forking them from a fork server (drivers that declare forkStart). */
  forkStart?: boolean;
  /** false: the Node driver imports its SDK as installed instead of from one bundle of it. */
  sdkBundle?: boolean;
}

export const DEFAULT_UNDECIDED_RETRIES = 2;

export async function runCatalogue<Context, Target>(
  catalogue: Catalogue<Context, Target>,
  target: Target,
  options: RunCatalogueOptions<Context>,
): Promise<CatalogueRun> {
  const started = Date.now();
  const cases = options.cases;
  const base: Omit<CatalogueRun, 'implementation' | 'cases' | 'durationMs'> = {
    side: catalogue.side,
    target: options.targetLabel,
    skippedSlow: [...(options.skippedSlow ?? [])],
    startedAt: new Date(started).toISOString(),
  };
  const label = `${catalogue.side} catalogue against ${options.targetLabel}`;

  let opened;
  try {
    opened = await catalogue.open(target, {
      tolerance: options.tolerance,
      artifactsRoot: join(options.artifactsRoot, '_target'),
      jobs: options.jobs ?? 1,
      coldStart: options.coldStart === true,
      forkStart: options.forkStart !== false,
      sdkBundle: options.sdkBundle !== false,
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // A target that cannot run here for a stated reason (EngineTargetSkipped: no Docker daemon) skips
    // its cases as UNSUPPORTED with that reason; any other failure to open is an ERROR for every case.
    const skipped = (e as { skipped?: unknown } | null)?.skipped === true;
    // Every selected case is reported as ERROR so the matrix, JUnit and the exit code all show the gap.
    const failed = cases.map((def): CaseRun => {
      const result = setupErrorResult(def, why, caseSeed(options.baseSeed, def.id));
      if (skipped) result.outcome = outcome.unsupported(why);
      return { info: infoOf(def), result, attempts: [result], flaky: false };
    });
    return { ...base, implementation: null, setupError: why, cases: failed, durationMs: Date.now() - started };
  }

  const runOne = async (def: CaseDefinition<Context>, index: number): Promise<CaseRun | undefined> => {
    const attempts: CaseResult[] = [];
    for (let attempt = 0; attempt < options.repeat; attempt++) {
      if (options.signal?.aborted) break;
      options.progress.caseStarted(def.id, index, cases.length, attempt, options.repeat);
      const root = attempt === 0 ? options.artifactsRoot : join(options.artifactsRoot, `repeat-${attempt + 1}`);
      let result = await runCase(def, opened.implementation, opened.contextFactory, {
        seed: caseSeed(options.baseSeed, def.id),
        tolerance: options.tolerance,
        artifactsRoot: root,
      });
      const undecided: string[] = [];
      for (
        let retry = 1;
        retry <= (options.retryUndecided ?? DEFAULT_UNDECIDED_RETRIES) && result.outcome.verdict === 'INDETERMINATE' && !options.signal?.aborted;
        retry++
      ) {
        undecided.push(result.outcome.summary);
        const again = await runCase(def, opened.implementation, opened.contextFactory, {
          seed: caseSeed(options.baseSeed, def.id),
          tolerance: options.tolerance,
          artifactsRoot: join(root, `undecided-retry-${retry}`),
        });
        again.durationMs += result.durationMs;
        result = again;
      }
      if (undecided.length > 0) {
        const note = `measured ${undecided.length + 1} times: ${undecided.length} run(s) before were INDETERMINATE (${undecided.join(' | ')})`;
        result.outcome.findings = [...(result.outcome.findings ?? []), { severity: 'info', message: note }];
      }
      attempts.push(result);
      options.progress.caseFinished(result, index, cases.length, attempt, options.repeat);
    }
    if (attempts.length === 0) return undefined;
    const verdicts = new Set(attempts.map((a) => a.outcome.verdict));
    return { info: infoOf(def), result: mostSevere(attempts), attempts, flaky: verdicts.size > 1 };
  };

  const slots: (CaseRun | undefined)[] = new Array(cases.length);
  const jobs = opened.isolatedCases === true ? Math.max(1, options.jobs ?? 1) : 1;
  const inFlight = new Set<Promise<void>>();
  try {
    options.progress.begin(`${label} (${implementationName(opened.implementation)})`, cases.length);
    // Side by side, the timing cases go first, one by one, then the rest fill the slots: a timing case in
    // the middle would make every slot drain for it.
    const order = [...cases.entries()];
    if (jobs > 1) order.sort(([a, x], [b, y]) => Number(y.judgesTiming === true) - Number(x.judgesTiming === true) || a - b);
    for (const [index, def] of order) {
      if (options.signal?.aborted) break;
      const alone = def.judgesTiming === true || jobs === 1;
      // A timing case waits for every neighbour to finish; any case waits for a free slot.
      while (inFlight.size > 0 && (alone || inFlight.size >= jobs)) await Promise.race(inFlight);
      const task = runOne(def, index).then((run) => {
        slots[index] = run;
      });
      if (alone) {
        await task;
        continue;
      }
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
  } finally {
    options.progress.end();
    await opened.close().catch(() => undefined);
  }
  // Cases are reported in catalogue order; a case never started (Ctrl-C) is left out, as before.
  const runs = slots.filter((r): r is CaseRun => r !== undefined);
  return { ...base, implementation: opened.implementation, cases: runs, durationMs: Date.now() - started };
}

function setupErrorResult<Context>(def: CaseDefinition<Context>, why: string, seed: number): CaseResult {
  return {
    id: def.id,
    title: def.title,
    level: def.level,
    sources: def.sources,
    lane: def.lane,
    ...(def.disagreement ? { disagreement: def.disagreement } : {}),
    outcome: outcome.error(`the target could not be opened: ${why}`),
    durationMs: 0,
    seed,
    artifacts: {},
  };
}
