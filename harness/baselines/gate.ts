// The exit-code contract. Decides, from the runs and their baselines, what CI should read:
//   0  every gating case passes (MUST; SHOULD too with --strict), modulo the baseline
//   1  a regression (a gating failure not in the baseline) or a stale baseline entry
//   2  undecided: a gating case is INDETERMINATE (and nothing above)
//   3  bad arguments (decided by the CLI before anything runs)
//   4  set-up failure: a target could not be opened, or a gating case ended in ERROR (the harness could
//      not run it) — and no regression, which is the more important news
// INFO cases never gate. UNSUPPORTED never fails. A borrowed baseline (an earlier version's, used with
// --baseline-from nearest for a version that has none) excuses its failures but has no stale entries:
// a case it lists that passes now was fixed since that version.

import { isIntermittent } from './baseline.ts';
import type { CatalogueRun, CaseRun } from '../runner/types.ts';
import type { Baseline } from './baseline.ts';

export const EXIT = { ok: 0, regression: 1, indeterminate: 2, usage: 3, setup: 4, interrupted: 130 } as const;

export type CaseStatus =
  | 'pass'
  | 'unsupported'
  | 'regression'
  | 'known-failure' // listed in the baseline and still not passing
  | 'non-gating' // a failure of a SHOULD (without --strict) or INFO case: reported, not counted
  | 'undecided'
  | 'harness-error';

export interface StaleEntry {
  id: string;
  reason: string;
  baselineFile: string;
  why: string;
}

export interface CaseRef {
  side: 'sdk' | 'engine';
  target: string;
  id: string;
}

export interface GateReport {
  exitCode: number;
  /** Per run (same order as the runs), per case id. */
  statuses: Map<string, CaseStatus>[];
  regressions: CaseRef[];
  stale: StaleEntry[];
  undecided: CaseRef[];
  harnessErrors: CaseRef[];
  knownFailures: CaseRef[];
  flaky: CaseRef[];
  setupFailures: { target: string; side: 'sdk' | 'engine'; error: string }[];
}

export interface GateOptions {
  strict: boolean;
  /** Ids of every case of every loaded catalogue: a baseline entry naming none of them is stale. */
  knownIds: ReadonlySet<string>;
}

export function isGating(c: Pick<CaseRun['info'], 'level'>, strict: boolean): boolean {
  return c.level === 'MUST' || (strict && c.level === 'SHOULD');
}

export function caseStatus(c: CaseRun, baseline: Baseline | undefined, strict: boolean): CaseStatus {
  const v = c.result.outcome.verdict;
  if (v === 'PASS') return 'pass';
  if (v === 'UNSUPPORTED') return 'unsupported';
  if (baseline?.entries.has(c.info.id)) return 'known-failure';
  if (!isGating(c.info, strict)) return 'non-gating';
  if (v === 'FAIL') return 'regression';
  if (v === 'ERROR') return 'harness-error';
  return 'undecided';
}

export function evaluateGate(runs: readonly CatalogueRun[], baselines: readonly (Baseline | undefined)[], options: GateOptions): GateReport {
  const report: GateReport = {
    exitCode: EXIT.ok,
    statuses: [],
    regressions: [],
    stale: [],
    undecided: [],
    harnessErrors: [],
    knownFailures: [],
    flaky: [],
    setupFailures: [],
  };
  const staleSeen = new Set<string>();
  for (const [i, run] of runs.entries()) {
    const baseline = baselines[i];
    const statuses = new Map<string, CaseStatus>();
    report.statuses.push(statuses);
    if (run.setupError !== undefined) report.setupFailures.push({ target: run.target, side: run.side, error: run.setupError });
    for (const c of run.cases) {
      const status = caseStatus(c, baseline, options.strict);
      statuses.set(c.info.id, status);
      const ref = { side: run.side, target: run.target, id: c.info.id };
      if (c.flaky) report.flaky.push(ref);
      if (status === 'regression') report.regressions.push(ref);
      else if (status === 'undecided') report.undecided.push(ref);
      else if (status === 'harness-error') report.harnessErrors.push(ref);
      else if (status === 'known-failure') report.knownFailures.push(ref);
      const reason = baseline?.entries.get(c.info.id);
      if (
        baseline &&
        baseline.borrowedFor === undefined &&
        reason !== undefined &&
        (status === 'unsupported' || (status === 'pass' && !isIntermittent(reason)))
      ) {
        const key = `${baseline.path}\0${c.info.id}`;
        if (!staleSeen.has(key)) {
          staleSeen.add(key);
          report.stale.push({
            id: c.info.id,
            reason,
            baselineFile: baseline.path,
            why: status === 'pass' ? 'the case now passes: remove the entry' : 'the case is UNSUPPORTED, which never fails: remove the entry',
          });
        }
      }
    }
  }
  for (const baseline of new Set(baselines)) {
    if (!baseline || baseline.borrowedFor !== undefined) continue;
    for (const [id, reason] of baseline.entries) {
      const key = `${baseline.path}\0${id}`;
      if (!options.knownIds.has(id) && !staleSeen.has(key)) {
        staleSeen.add(key);
        report.stale.push({ id, reason, baselineFile: baseline.path, why: 'no case has this id (renamed or removed): remove the entry' });
      }
    }
  }
  if (report.regressions.length > 0 || report.stale.length > 0) report.exitCode = EXIT.regression;
  else if (report.setupFailures.length > 0 || report.harnessErrors.length > 0) report.exitCode = EXIT.setup;
  else if (report.undecided.length > 0) report.exitCode = EXIT.indeterminate;
  return report;
}
