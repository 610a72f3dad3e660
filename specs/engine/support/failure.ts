// How an engine case says "FAIL": helpers throw CaseFailure with expected vs actual; `verdict` turns it
// into a CaseOutcome. A fake worker's wait that timed out or hit a closed socket means the engine did
// not do its part: that is a FAIL too, with what arrived instead. Anything else thrown is a harness
// problem and becomes ERROR in the runner.

import { outcome, type CaseOutcome, type Finding } from '../../../harness/cases/model.ts';
import { ConnectionClosedError, WaitTimeoutError } from '../../../harness/fake-worker/index.ts';

export class CaseFailure extends Error {
  constructor(
    readonly summary: string,
    readonly expected: unknown,
    readonly actual: unknown,
    readonly findings: Finding[] = [],
  ) {
    super(summary);
    this.name = 'CaseFailure';
  }
}

/** Fails the case unless `ok`. */
export function expectThat(ok: boolean, summary: string, expected: unknown, actual: unknown): asserts ok {
  if (!ok) throw new CaseFailure(summary, expected, actual);
}

/** What a case body returns on success: its summary, optionally with findings that do not fail it. */
export type PassResult = string | { summary: string; findings: Finding[] };

/** Runs a case body: PASS with its summary, FAIL on CaseFailure or a failed wait. */
export async function verdict(body: () => Promise<PassResult>): Promise<CaseOutcome> {
  try {
    const r = await body();
    return typeof r === 'string' ? outcome.pass(r) : outcome.pass(r.summary, r.findings.length > 0 ? { findings: r.findings } : {});
  } catch (e) {
    if (e instanceof CaseFailure) return outcome.fail(e.summary, e.expected, e.actual, e.findings.length > 0 ? { findings: e.findings } : {});
    if (e instanceof WaitTimeoutError) return outcome.fail(e.message, 'the frame named in the summary', { receivedInstead: e.receivedInstead });
    if (e instanceof ConnectionClosedError) return outcome.fail(e.message, 'the connection to stay open', { closeCode: e.code, reason: e.reason });
    throw e;
  }
}
