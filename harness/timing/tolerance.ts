// The explicit tolerance model behind every timing verdict.
//
// An implementation can be late for two reasons: it is wrong, or the machine was busy. Early is never
// caused by load, so the lower bound is strict (minus a measurement epsilon for clock granularity).
// Late by more than the slack is a FAIL only when the harness saw the machine keep time in that window;
// if its own timers ran late by a comparable amount, the result is INDETERMINATE, never a silent pass.

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** One measured interval with the envelope it was judged against (backoff delays, timeouts). */
export interface TimingSample {
  label: string;
  /** Reconnection attempt index n (0-based) where the sample is a backoff delay. */
  attempt?: number;
  measuredMs: number;
  allowedMinMs: number;
  allowedMaxMs: number;
  /** Upper slack the tolerance model granted on top of allowedMaxMs. */
  slackMs: number;
  verdict: 'PASS' | 'FAIL' | 'INDETERMINATE';
  /** Why it was judged so, in words (e.g. "harness timers ran 140 ms late in this window"). */
  reason?: string;
}

export interface ToleranceModel {
  /** Allowed earliness: clock granularity and rounding (ms). */
  epsilonMs: number;
  /** Fixed upper slack for scheduling, process wake-up and loopback I/O (ms). */
  slackMs: number;
  /** Proportional upper slack, as a fraction of the allowed maximum. */
  slackRatio: number;
  /** Multiplies the slack (`--time-scale`): 2 on a slow CI runner doubles every allowance. */
  timeScale: number;
}

export const DEFAULT_TOLERANCE: ToleranceModel = {
  epsilonMs: 2,
  slackMs: 30,
  slackRatio: 0.05,
  timeScale: 1,
};

export function toleranceFromEnv(env: NodeJS.ProcessEnv = process.env): ToleranceModel {
  const scale = Number(env.III_CONFORMANCE_TIME_SCALE ?? '1');
  return { ...DEFAULT_TOLERANCE, timeScale: Number.isFinite(scale) && scale > 0 ? scale : 1 };
}

export function upperSlackMs(model: ToleranceModel, allowedMaxMs: number): number {
  return (model.slackMs + model.slackRatio * allowedMaxMs) * model.timeScale;
}

/**
 * Watches how late the harness's own timers fire while an interval is being measured. Its maximum
 * overshoot is the evidence that decides between FAIL and INDETERMINATE for a late sample.
 */
export class LoadProbe {
  private readonly histogram = monitorEventLoopDelay({ resolution: 5 });
  private running = false;

  start(): this {
    if (!this.running) {
      this.histogram.reset();
      this.histogram.enable();
      this.running = true;
    }
    return this;
  }

  /** Largest event-loop delay seen since start (ms). */
  maxLagMs(): number {
    return this.histogram.max / 1e6;
  }

  stop(): number {
    const lag = this.maxLagMs();
    if (this.running) this.histogram.disable();
    this.running = false;
    return lag;
  }
}

export interface JudgeInput {
  label: string;
  attempt?: number;
  measuredMs: number;
  allowedMinMs: number;
  allowedMaxMs: number;
  /** Max event-loop lag the LoadProbe saw in the window that contains the measurement. */
  observedLagMs: number;
}

export function judgeInterval(input: JudgeInput, model: ToleranceModel = DEFAULT_TOLERANCE): TimingSample {
  const slackMs = upperSlackMs(model, input.allowedMaxMs);
  const base = {
    label: input.label,
    ...(input.attempt === undefined ? {} : { attempt: input.attempt }),
    measuredMs: round(input.measuredMs),
    allowedMinMs: input.allowedMinMs,
    allowedMaxMs: input.allowedMaxMs,
    slackMs: round(slackMs),
  };
  if (input.measuredMs < input.allowedMinMs - model.epsilonMs * model.timeScale) {
    return { ...base, verdict: 'FAIL', reason: `${round(input.allowedMinMs - input.measuredMs)} ms earlier than allowed` };
  }
  const lateBy = input.measuredMs - (input.allowedMaxMs + slackMs);
  if (lateBy <= 0) return { ...base, verdict: 'PASS' };
  // Late beyond the slack: blame the implementation only if the harness itself kept time.
  if (input.observedLagMs * 2 >= lateBy || input.observedLagMs >= slackMs) {
    return {
      ...base,
      verdict: 'INDETERMINATE',
      reason: `${round(lateBy)} ms past the slack, but the harness's own timers ran ${round(input.observedLagMs)} ms late in this window`,
    };
  }
  return { ...base, verdict: 'FAIL', reason: `${round(lateBy)} ms later than allowed (slack ${round(slackMs)} ms)` };
}

export function nowMs(): number {
  return performance.now();
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
