// Turning a played scenario into timing samples and findings: shared by the backoff cases and the
// reconnection properties so both judge delays the same way.

import type { FakeEngine } from '../../../harness/fake-engine/index.ts';
import type { Finding, TimingSample } from '../../../harness/cases/model.ts';
import type { ReconnectionConfig } from '../../../harness/timing/backoff.ts';
import type { ToleranceModel } from '../../../harness/timing/tolerance.ts';
import { announcedDelays, judgeGap, measureGaps, type MeasuredGap } from './measure.ts';
import { lagAt, type ScenarioRun } from './scenario.ts';

export interface JudgedGap {
  gap: MeasuredGap;
  sample: TimingSample;
}

/** Every gap between attempts on "/" in the run, each judged against its envelope. */
export function judgeRunGaps(engine: FakeEngine, run: ScenarioRun, cfg: ReconnectionConfig, tolerance: ToleranceModel): JudgedGap[] {
  return measureGaps(engine, { ends: run.ends }).map((gap) => ({ gap, sample: judgeGap(gap, cfg, tolerance, lagAt(run, gap.startedAt)) }));
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

export function describeSamples(samples: readonly TimingSample[]): string {
  return samples.map((s) => `${s.label}: ${s.measuredMs} ms in [${s.allowedMinMs}, ${s.allowedMaxMs}]+${s.slackMs} → ${s.verdict}${s.reason ? ` (${s.reason})` : ''}`).join('\n');
}
