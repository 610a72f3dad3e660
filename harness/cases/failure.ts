// How a case says why it stopped, from anywhere inside its run: `check` / `CaseFailure` when the
// implementation did not do what the case requires, `CaseSetupError` when the harness could not set the
// case up. harness/cases/verdict-policy.ts turns either into the verdict.

import type { Finding, TimingSample } from './model.ts';

/** What a failure carries beside expected and actual. */
export interface FailureDetails {
  findings?: Finding[];
  timings?: TimingSample[];
}

/** Thrown inside a run: the implementation did not do what the case requires (FAIL). */
export class CaseFailure extends Error {
  constructor(
    readonly summary: string,
    readonly expected: unknown,
    readonly actual: unknown,
    readonly details: FailureDetails = {},
  ) {
    super(summary);
    this.name = 'CaseFailure';
  }
}

/** Fails the case unless `condition` holds. */
export function check(condition: boolean, summary: string, expected: unknown, actual: unknown): asserts condition {
  if (!condition) throw new CaseFailure(summary, expected, actual);
}

/** Thrown where a case's peers start: the harness could not set the case up (ERROR), not the implementation's fault. */
export class CaseSetupError extends Error {
  override name = 'CaseSetupError';
}
