// The verdict policy of every catalogue (SDK cases, engine cases, properties), written once:
//
// - FAIL: the implementation did not do what the case requires. A CaseFailure, a wait on a fake peer that
//   ran out or met a closed socket, a driver command the SDK refused, a driver process that died mid-case:
//   each is the implementation's doing, so each is a decided failure with what was awaited and what came.
// - INDETERMINATE: the case measured, but the machine cannot vouch for the measurement (a timing window
//   missed while the harness itself ran late: verdictOfTimings). Undecided, never a silent pass.
// - ERROR: the harness could not take the measurement at all: a peer it could not start (CaseSetupError),
//   a scripted scenario it could not play, fewer samples than the case is built on, anything else thrown.
//   That is not evidence about the implementation either way, so it is reported apart from FAIL.

import { ConnectionClosedError, WaitTimeoutError } from '../peer/errors.ts';
import { DriverCommandError, DriverProtocolError } from '../targets/sdk/session.ts';
import { CaseFailure, CaseSetupError } from './failure.ts';
import { outcome, verdictOfTimings, type CaseOutcome, type Finding, type TimingSample } from './model.ts';

/**
 * The outcome of something a run threw, or undefined for what the policy does not know: the runner
 * reports that as ERROR ("the case threw"), and a property counts it as a run the harness could not play.
 */
export function outcomeOfThrown(e: unknown): CaseOutcome | undefined {
  if (e instanceof CaseFailure) return outcome.fail(e.summary, e.expected, e.actual, withoutEmpty(e.details));
  if (e instanceof WaitTimeoutError)
    return outcome.fail(firstLine(e.message), 'the awaited frame or event', e.receivedInstead.length ? e.receivedInstead : 'nothing arrived');
  if (e instanceof ConnectionClosedError)
    return outcome.fail(firstLine(e.message), 'the connection to stay open', `closed with ${e.code}${e.reason ? ` "${e.reason}"` : ''}`);
  if (e instanceof DriverCommandError) return outcome.fail(`the SDK refused a driver command: ${e.event.message}`, 'the command to succeed', e.event);
  if (e instanceof DriverProtocolError)
    return outcome.fail(`the SDK's process stopped working: ${firstLine(e.message)}`, 'the driver to keep running', e.stderrTail.slice(-2000) || e.message);
  if (e instanceof CaseSetupError) return outcome.error(e.message);
  // A driver event awaited by name that never came (session.waitFor): the SDK did not do its part.
  if (e instanceof Error && /^no .* within \d+ ms$/.test(e.message))
    return outcome.fail(`the driver reported ${e.message}`, 'the awaited driver event', 'nothing');
  return undefined;
}

/** A scripted scenario (outages, refusals) that the harness could not play as written: ERROR, see above. */
export function scenarioNotPlayed(problems: string): CaseOutcome {
  return outcome.error(`the scenario could not be played: ${problems}`);
}

/**
 * The outcome of a set of timing samples: any sample outside its window fails, else any sample the
 * machine could not vouch for leaves the case INDETERMINATE, else PASS with `passSummary`.
 */
export function timingOutcome(samples: TimingSample[], passSummary: string, findings: Finding[] = []): CaseOutcome {
  const verdict = verdictOfTimings(samples);
  if (verdict === 'PASS') return outcome.pass(passSummary, { timings: samples, findings });
  const bad = samples.filter((s) => s.verdict === verdict);
  const text = `${bad.length} of ${samples.length} delays ${verdict === 'FAIL' ? 'outside' : 'undecidable against'} the envelope: ${bad.map((s) => `${s.label}: ${s.measuredMs} ms${s.reason ? ` (${s.reason})` : ''}`).join('; ')}`;
  if (verdict === 'INDETERMINATE') return outcome.indeterminate(text, { timings: samples, findings });
  return outcome.fail(
    text,
    bad.map((s) => `${s.label}: [${s.allowedMinMs}, ${s.allowedMaxMs}] ms + ${s.slackMs} ms slack`),
    describeSamples(bad),
    { timings: samples, findings },
  );
}

/** Timing samples as lines a maintainer reads: measured, allowed window, slack, verdict, reason. */
export function describeSamples(samples: readonly TimingSample[]): string {
  return samples
    .map((s) => `${s.label}: ${s.measuredMs} ms in [${s.allowedMinMs}, ${s.allowedMaxMs}]+${s.slackMs} → ${s.verdict}${s.reason ? ` (${s.reason})` : ''}`)
    .join('\n');
}

function withoutEmpty(details: CaseFailure['details']): Omit<CaseOutcome, 'verdict' | 'summary' | 'expected' | 'actual'> {
  return {
    ...(details.findings && details.findings.length > 0 ? { findings: details.findings } : {}),
    ...(details.timings ? { timings: details.timings } : {}),
  };
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? text;
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}
