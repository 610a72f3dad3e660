// What the runner hands to the gate, the reports and the summary.

import type { CaseDefinition, CaseResult, Capability, Implementation, Verdict } from '../cases/model.ts';

/** The data of a case definition, without its `run` (what reports and repro bundles need). */
export interface CaseInfo {
  id: string;
  title: string;
  level: CaseDefinition<unknown>['level'];
  sources: CaseDefinition<unknown>['sources'];
  lane: 'fast' | 'slow';
  requires: Capability[];
  timeoutMs: number;
  disagreement?: string;
}

/** One case after all its repeats. */
export interface CaseRun {
  info: CaseInfo;
  /** The attempt that stands for the case: the most severe verdict seen (see `mostSevere`). */
  result: CaseResult;
  /** Every repeat in order (length = --repeat). */
  attempts: CaseResult[];
  /** The verdict changed between repeats. */
  flaky: boolean;
}

export interface CatalogueRun {
  side: 'sdk' | 'engine';
  /** How the user named the target: "node", "cmd:./driver", "reference", "ws://127.0.0.1:49134". */
  target: string;
  /** Null when the target could not be opened. */
  implementation: Implementation | null;
  /** Why the target could not be opened (every selected case is then ERROR). */
  setupError?: string;
  cases: CaseRun[];
  /** Slow-lane cases not run because `--slow` was off. */
  skippedSlow: string[];
  startedAt: string;
  durationMs: number;
}

export function infoOf<Context>(def: CaseDefinition<Context>): CaseInfo {
  return {
    id: def.id,
    title: def.title,
    level: def.level,
    sources: def.sources,
    lane: def.lane,
    requires: [...def.requires],
    timeoutMs: def.timeoutMs,
    ...(def.disagreement ? { disagreement: def.disagreement } : {}),
  };
}

/** FAIL is worse than ERROR (a decided defect), ERROR worse than INDETERMINATE, and so on. */
const SEVERITY: Record<Verdict, number> = { FAIL: 4, ERROR: 3, INDETERMINATE: 2, UNSUPPORTED: 1, PASS: 0 };

export function mostSevere(results: readonly CaseResult[]): CaseResult {
  let worst = results[0];
  if (!worst) throw new Error('mostSevere needs at least one result');
  for (const r of results) if (SEVERITY[r.outcome.verdict] > SEVERITY[worst.outcome.verdict]) worst = r;
  return worst;
}
