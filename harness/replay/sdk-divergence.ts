// The first divergence of an SDK-side replay: the frame comparison's own (replay.ts) and what the recording
// holds besides frames (compare-observations.ts), ordered on the recorded clock. A frame the SDK sent beyond
// the recording, within the recording's time, diverges too. Timing findings the machine could not decide
// are reported as undecided, never dropped.

import type { Divergence, ReplayReport, ReplayScript, ReplayStep } from '../runner/replay.ts';
import type { ToleranceModel } from '../timing/tolerance.ts';
import { clockOffset, compareObservations, TAIL_MARGIN_MS, type DriverSide, type ObservedDivergence } from './compare-observations.ts';
import type { LiveObservations } from './observations.ts';
import { frameTypeOf } from '../wire/unvalidated.ts';

export interface LiveSide {
  live: LiveObservations;
  driver?: DriverSide;
  tolerance: ToleranceModel;
  observedLagMs: number;
}

export function firstDivergence(report: ReplayReport, script: ReplayScript, side: LiveSide): ReplayReport {
  const recorded = script.observations;
  if (!recorded) return report;
  const frames = script.steps.filter((s) => s.frame !== undefined);
  const cutoffT = report.divergence ? report.divergence.step.t : Infinity;
  const found = compareObservations({
    recorded,
    live: side.live,
    ...(side.driver ? { driver: side.driver } : {}),
    frames,
    cutoffT,
    tolerance: side.tolerance,
    observedLagMs: side.observedLagMs,
  });
  const offset = clockOffset(recorded, side.live);
  const candidates: { t: number; divergence: Divergence; undecided?: true }[] = [];
  if (report.divergence)
    candidates.push({
      t: report.divergence.step.t,
      divergence: {
        ...report.divergence,
        record: 'frame',
        type: frameTypeOf(report.divergence.step.frame) ?? frameTypeOf(report.divergence.actual) ?? 'frame',
      },
    });
  else {
    for (const extra of report.extraFrames ?? []) {
      // Timed from the connection's last frame, not by the global clock (it drifts over a long recording):
      // the frame counts only if it came while the recording still watched that connection, well before it ended.
      const seen = side.live.frames.find((f) => f.frame === extra.frame && f.dir === 'worker->engine');
      const index = script.connections.findIndex((c) => c.key === extra.conn);
      if (!seen || index < 0) continue;
      const lastRecorded = script.steps.reduce((max, s) => (s.conn === extra.conn && s.t > max ? s.t : max), 0);
      const lastLive = side.live.frames.filter((f) => f.conn === index && f.at < seen.at).at(-1)?.at ?? side.live.connections[index]?.openedAt ?? seen.at;
      const after = seen.at - lastLive;
      if (!(after < recorded.endT - lastRecorded - TAIL_MARGIN_MS)) continue;
      const t = lastRecorded + after;
      const type = frameTypeOf(extra.frame) ?? 'frame';
      candidates.push({
        t,
        divergence: {
          kind: 'extra',
          record: 'frame',
          type,
          step: stepNear(frames, t, extra.conn),
          index: report.compared,
          actual: extra.frame,
          message: `the live side sent ${type} on connection ${extra.conn} ${Math.round(after)} ms after its last frame there; the recording watched that connection ${Math.round(recorded.endT - lastRecorded)} ms longer and has nothing`,
        },
      });
    }
  }
  // The SDK ending a connection or its process is one event, however the frame loop or the watch saw it
  // first; it takes its place after the last frame the replay had sent (what it answered), since live
  // moments map onto the recorded clock only roughly.
  const ended = found.find((d) => d.record === 'process') ?? found.find((d) => d.record === 'connection');
  for (const d of found) {
    if ((d.record === 'process' || d.record === 'connection') && d !== ended) continue;
    const t = d === ended ? endedPlace(script, side.live, d.t - offset) : d.t;
    candidates.push({
      t,
      divergence: asDivergence({ ...d, t }, script, report.compared),
      ...(d.verdict === 'INDETERMINATE' ? { undecided: true as const } : {}),
    });
  }
  if (ended) {
    const i = candidates.findIndex((c) => c.divergence.record === 'frame' && c.divergence.kind === 'closed');
    if (i >= 0) candidates.splice(i, 1);
  }
  candidates.sort((a, b) => a.t - b.t);
  const first = candidates.find((c) => !c.undecided);
  const undecided = candidates.filter((c) => c.undecided && (first === undefined || c.t <= first.t)).map((c) => c.divergence);
  const { divergence: _old, ...rest } = report;
  return { ...rest, ...(first ? { divergence: first.divergence } : {}), ...(undecided.length > 0 ? { undecided } : {}) };
}

function stepNear(frames: readonly ReplayStep[], t: number, conn: string): ReplayStep {
  const before = frames.filter((s) => s.t <= t).at(-1) ?? frames[0];
  return before ?? { seq: 0, t, conn, path: '/', dir: 'worker->engine', frame: undefined };
}

function asDivergence(d: ObservedDivergence, script: ReplayScript, compared: number): Divergence {
  const frames = script.steps.filter((s) => s.frame !== undefined);
  const conn = d.conn !== undefined ? `engine#${d.conn}` : '';
  const step: ReplayStep = d.seq !== undefined ? { seq: d.seq, t: d.t, conn, path: '/', dir: 'worker->engine', frame: undefined } : stepNear(frames, d.t, conn);
  return {
    kind: d.kind as Divergence['kind'],
    record: d.record,
    ...(d.type !== undefined ? { type: d.type } : {}),
    step,
    index: compared,
    message: `${d.record}${d.type ? ` ${d.type}` : ''}: ${d.message}${d.verdict === 'INDETERMINATE' ? ' (INDETERMINATE: the machine was too busy to decide)' : ''}`,
  };
}

/** The recorded moment just after the last frame the replay had sent when the live SDK ended (`at`, live clock). */
function endedPlace(script: ReplayScript, live: LiveObservations, at: number): number {
  const sent = live.frames.filter((f) => f.dir === 'engine->worker' && f.at <= at).length;
  const ours = script.steps.filter((s) => s.dir === 'engine->worker' && !s.command && !s.close);
  const last = ours[Math.min(sent, ours.length) - 1];
  return last ? last.t + 0.001 : 0;
}
