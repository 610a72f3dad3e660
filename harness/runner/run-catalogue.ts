// Runs selected cases of one catalogue against one target: opens the target once, runs every case
// through the shared runCase (capability gate, hard timeout, clean-up), repeats each case --repeat times
// and flags a case whose verdict changes between repeats as flaky, then closes the target.
//
// Cases run one at a time, on purpose: timing cases (backoff, timeouts) judge wall-clock intervals, and
// a neighbour case competing for the machine's cores would turn their verdicts into noise.

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
    opened = await catalogue.open(target, { tolerance: options.tolerance, artifactsRoot: join(options.artifactsRoot, '_target') });
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

  const runs: CaseRun[] = [];
  try {
    options.progress.begin(`${label} (${implementationName(opened.implementation)})`, cases.length);
    for (const [index, def] of cases.entries()) {
      if (options.signal?.aborted) break;
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
      if (attempts.length === 0) break;
      const verdicts = new Set(attempts.map((a) => a.outcome.verdict));
      runs.push({ info: infoOf(def), result: mostSevere(attempts), attempts, flaky: verdicts.size > 1 });
    }
  } finally {
    options.progress.end();
    await opened.close().catch(() => undefined);
  }
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
