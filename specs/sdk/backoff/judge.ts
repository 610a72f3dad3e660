// Turning a played scenario into timing samples and findings: shared by the backoff cases and the
// reconnection properties so both judge delays the same way.

import type { FakeEngine } from '../../../harness/fake-engine/index.ts';
import { outcome, type CaseOutcome, type Finding, type TimingSample } from '../../../harness/cases/model.ts';
import { scenarioNotPlayed } from '../../../harness/cases/verdict-policy.ts';
import { backoffEnvelope, type ReconnectionConfig } from '../../../harness/timing/backoff.ts';
import type { ToleranceModel } from '../../../harness/timing/tolerance.ts';
import { announcedDelays, judgeGap, measureGaps, type MeasuredGap } from './measure.ts';
import { lagAt, type ScenarioRun } from './scenario.ts';

export interface JudgedGap {
  gap: MeasuredGap;
  sample: TimingSample;
}

/** Every gap between attempts on "/" in the run, each judged against its envelope. */
export function judgeRunGaps(engine: FakeEngine, run: ScenarioRun, cfg: ReconnectionConfig, tolerance: ToleranceModel): JudgedGap[] {
  const judged = measureGaps(engine, { ends: run.ends }).map((gap) => ({ gap, sample: judgeGap(gap, cfg, tolerance, lagAt(run, gap.startedAt)) }));
  return withAnnouncedEvidence(judged, run, cfg);
}

/**
 * A late attempt is the SDK's fault, or the machine's. The harness's own lag is one witness (the
 * tolerance model); the SDK's log is another: Node and Python announce each delay before waiting it
 * ("Reconnecting in 300ms (attempt 5)"). When the announced delay lies in the envelope but the attempt
 * came later than the slack allows, the SDK computed the right delay and was scheduled late: that is
 * INDETERMINATE (the SDK process was starved), not FAIL. Only late failures are touched, only when
 * the announcements pair one-to-one with the gaps, and a wrong announced delay keeps the FAIL: an SDK
 * cannot talk its way into a PASS this way, at most into INDETERMINATE.
 */
export function withAnnouncedEvidence(judged: JudgedGap[], run: ScenarioRun, cfg: ReconnectionConfig): JudgedGap[] {
  const announced = announcedDelays(run.driver.logs());
  if (announced.length !== judged.length) return judged;
  return judged.map((g, i) => {
    const s = g.sample;
    const said = announced[i]!;
    const late = s.verdict === 'FAIL' && s.measuredMs > s.allowedMaxMs + s.slackMs;
    if (!late || s.attempt === undefined) return g;
    const env = backoffEnvelope(cfg, s.attempt);
    if (said.delayMs < env.minMs - 1 || said.delayMs > env.maxMs + 1) {
      return { ...g, sample: { ...s, reason: `${s.reason ?? ''}; the SDK itself announced ${said.delayMs} ms` } };
    }
    return {
      ...g,
      sample: {
        ...s,
        verdict: 'INDETERMINATE',
        reason: `${s.reason ?? 'late'}, but the SDK announced ${said.delayMs} ms (in the envelope) and was scheduled late: the machine was busy`,
      },
    };
  });
}

/** Gaps whose index is known (not across a listener downtime). */
export function indexedGaps(gaps: readonly JudgedGap[]): JudgedGap[] {
  return gaps.filter((g) => g.gap.indices.length > 0);
}

/**
 * The SDK's own account of its delays (only the Node SDK logs them) beside what the engine measured:
 * informational, so a maintainer sees whether a late attempt was late by intent or by scheduling.
 */
export function announcedFinding(run: ScenarioRun): Finding | undefined {
  const announced = announcedDelays(run.driver.logs());
  if (announced.length === 0) return undefined;
  return {
    severity: 'info',
    message: `the SDK announced these delays in its log (ms, attempt): ${announced.map((a) => `${a.delayMs}@${a.attempt}`).join(', ')}`,
  };
}

/** announcedFinding as the findings list of an outcome (empty when the SDK announced nothing). */
export function announcedFindings(run: ScenarioRun): Finding[] {
  const f = announcedFinding(run);
  return f ? [f] : [];
}

/**
 * The outcome of a scenario that cannot be judged, or undefined: an outage that never healed is the SDK's
 * FAIL; a scenario the harness could not play as written is ERROR (harness/cases/verdict-policy.ts).
 * Shared by the backoff cases and the properties, so the same run gets the same verdict in both.
 */
export function unplayedOutcome(run: ScenarioRun): CaseOutcome | undefined {
  const unhealed = run.outages.find((o) => o.healedBy === undefined);
  if (unhealed) {
    return outcome.fail(
      `the SDK did not reconnect after outage ${unhealed.index + 1} (${unhealed.attempts} attempts seen)`,
      'a reconnection within the backoff envelope',
      `${unhealed.attempts} attempts, then nothing`,
      {
        findings: run.problems.map((p) => ({ severity: 'warning' as const, message: p })),
      },
    );
  }
  if (run.problems.length > 0) return scenarioNotPlayed(run.problems.join('; '));
  return undefined;
}
