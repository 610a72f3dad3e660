// The first divergence of an SDK replay, when the SDK never ran a handler: the driver's `invoked` (stdout) and the
// SDK's answer (the socket) reach the harness over two channels, so a recording may hold them in either order.
// The event is the first divergence whichever came first, within the skew; beyond it, or for another function's
// handler, the earlier record is (an event after the frame comparison stopped may be its consequence).

import { describe, expect, it } from 'vitest';
import { DRIVER_CHANNEL_SKEW_MS } from '../../harness/replay/compare-observations.ts';
import { firstDivergence } from '../../harness/replay/sdk-divergence.ts';
import type { ReplayReport, ReplayScript, ReplayStep } from '../../harness/runner/replay.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { liveObservations, recordedObservations } from './observations-fixture.ts';

const ANSWER_T = 280;

const answer: ReplayStep = {
  seq: 9,
  t: ANSWER_T,
  conn: 'engine#1',
  path: '/',
  dir: 'worker->engine',
  frame: { type: 'invocationresult', invocation_id: 'i1', function_id: 'f', result: {} },
};

function script(invokedAt: number, functionId = 'f'): ReplayScript {
  const observations = recordedObservations({ events: [{ seq: 10, t: invokedAt, data: { event: 'invoked', functionId, input: {} } }], endT: 1000 });
  return { steps: [answer], connections: [{ key: 'engine#1', path: '/' }], driverCommands: [], driverStarts: [], observations };
}

// The live SDK upgraded like the recording, then neither ran the handler nor answered.
const live = liveObservations();

const report: ReplayReport = {
  role: 'engine',
  target: 'test',
  sent: 1,
  compared: 2,
  extra: 0,
  divergence: { kind: 'missing', step: answer, index: 2, message: 'invocationresult missing' },
};

function first(invokedAt: number, functionId?: string) {
  const d = firstDivergence(report, script(invokedAt, functionId), {
    live,
    driver: { events: [], commands: [] },
    tolerance: DEFAULT_TOLERANCE,
    observedLagMs: 0,
  }).divergence;
  return { record: d?.record, type: d?.type, kind: d?.kind };
}

describe('firstDivergence orders a missing driver event against the frame that follows it', () => {
  it('names the event when it was recorded just before the answer', () => {
    expect(first(ANSWER_T - 0.3)).toEqual({ record: 'driver-event', type: 'invoked', kind: 'missing' });
  });

  it('names the event when the recording got it just after the answer (the two channels raced)', () => {
    expect(first(ANSWER_T + 0.3)).toEqual({ record: 'driver-event', type: 'invoked', kind: 'missing' });
    expect(first(ANSWER_T + DRIVER_CHANNEL_SKEW_MS - 1)).toEqual({ record: 'driver-event', type: 'invoked', kind: 'missing' });
  });

  it('names the frame when the event was recorded well after it, or is the handler of another function', () => {
    expect(first(ANSWER_T + DRIVER_CHANNEL_SKEW_MS + 5)).toEqual({ record: 'frame', type: 'invocationresult', kind: 'missing' });
    expect(first(ANSWER_T + 0.3, 'other')).toEqual({ record: 'frame', type: 'invocationresult', kind: 'missing' });
  });
});
