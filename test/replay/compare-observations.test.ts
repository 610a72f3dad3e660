// The comparison of what an SDK replay sees besides frames, on made-up observations: it says yes and no for
// each kind of record, and a late delay on a machine whose own timers ran late is INDETERMINATE, never a match.

import { describe, expect, it } from 'vitest';
import { compareObservations, type ObservationInput } from '../../harness/replay/compare-observations.ts';
import type { LiveObservations, RecordedObservations } from '../../harness/replay/observations.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import type { ReceivedEvent } from '../../harness/targets/sdk/contract.ts';
import { HEADERS, liveObservations, recordedObservations } from './observations-fixture.ts';

function recorded(over: Partial<RecordedObservations> = {}): RecordedObservations {
  return recordedObservations({
    // The case called, the call timed out after 400 ms (the engine never answered).
    commands: [{ seq: 20, t: 200, data: { cmd: 'trigger', id: 'c1', functionId: 'f' } }],
    events: [{ seq: 21, t: 600, data: { event: 'settled', id: 'c1', ok: false, error: { code: 'TIMEOUT', message: 'x', class: 'E' } } }],
    ...over,
  });
}

const live = liveObservations;

function input(settledAfterMs: number, observedLagMs: number, l: LiveObservations = live(), r: RecordedObservations = recorded()): ObservationInput {
  const events = [
    { event: 'settled', id: 'c1', ok: false, error: { code: 'TIMEOUT', message: 'x', class: 'E' }, at: 5100 + settledAfterMs },
  ] as ReceivedEvent[];
  return {
    recorded: r,
    live: l,
    driver: { events, commands: [{ at: 5100, command: { id: 'c1', cmd: 'trigger' } }] },
    frames: [],
    cutoffT: Infinity,
    tolerance: DEFAULT_TOLERANCE,
    observedLagMs,
  };
}

describe('compareObservations', () => {
  it('finds nothing when the live SDK did what the recording holds (the nonce and host differ by design)', () => {
    expect(compareObservations(input(400, 0))).toEqual([]);
  });

  it('names a header the live SDK left out, and one it added', () => {
    const { 'x-team': _gone, ...rest } = HEADERS;
    const dropped = compareObservations(input(400, 0, live({ upgrades: [{ ...live().upgrades[0]!, headers: rest }] })));
    expect(dropped).toMatchObject([{ record: 'upgrade', kind: 'missing', type: 'x-team', verdict: 'DIVERGED' }]);
    const added = compareObservations(input(400, 0, live({ upgrades: [{ ...live().upgrades[0]!, headers: { ...HEADERS, 'sec-websocket-protocol': 'v1' } }] })));
    expect(added).toMatchObject([{ record: 'upgrade', kind: 'extra', type: 'sec-websocket-protocol' }]);
  });

  it('holds a timeout to the recording: early diverges even under load, late diverges on a quiet machine', () => {
    expect(compareObservations(input(200, 500))).toMatchObject([{ record: 'timing', kind: 'early', type: 'settled', verdict: 'DIVERGED' }]);
    expect(compareObservations(input(900, 0))).toMatchObject([{ record: 'timing', kind: 'late', verdict: 'DIVERGED' }]);
  });

  it('a late timeout while the harness itself ran late is INDETERMINATE, not a match', () => {
    expect(compareObservations(input(900, 600))).toMatchObject([{ record: 'timing', kind: 'late', verdict: 'INDETERMINATE' }]);
  });

  it('a driver event that says something else, or never comes, diverges', () => {
    const other = input(400, 0);
    other.driver = { ...other.driver!, events: [{ event: 'settled', id: 'c1', ok: true, value: 1, at: 5500 }] as ReceivedEvent[] };
    expect(compareObservations(other)).toMatchObject([{ record: 'driver-event', kind: 'different', type: 'settled' }]);
    const none = input(400, 0);
    none.driver = { ...none.driver!, events: [] };
    expect(compareObservations(none)).toMatchObject([{ record: 'driver-event', kind: 'missing', type: 'settled', t: 600 }]);
  });

  it('handlers started in another order still pair (concurrent invocations), a changed input does not', () => {
    const inv = (n: number, seq: number) => ({ seq, t: 300 + n, data: { event: 'invoked', functionId: 'f', input: { n } } });
    const r = recorded({ events: [inv(1, 30), inv(2, 31)], commands: [] });
    const swapped = input(0, 0, live(), r);
    swapped.driver = {
      commands: [],
      events: [
        { event: 'invoked', functionId: 'f', input: { n: 2 }, at: 5201 },
        { event: 'invoked', functionId: 'f', input: { n: 1 }, at: 5202 },
      ] as ReceivedEvent[],
    };
    expect(compareObservations(swapped)).toEqual([]);
    swapped.driver = {
      commands: [],
      events: [
        { event: 'invoked', functionId: 'f', input: { n: 2 }, at: 5201 },
        { event: 'invoked', functionId: 'f', input: { n: 3 }, at: 5202 },
      ] as ReceivedEvent[],
    };
    expect(compareObservations(swapped)[0]).toMatchObject({ record: 'driver-event', kind: 'different', type: 'invoked' });
  });

  it('the SDK closing a connection the recording kept open, or exiting, diverges', () => {
    expect(compareObservations(input(400, 0, live({ connections: [{ openedAt: 5000, closedAt: 5200, closeCode: 1006 }] })))).toMatchObject([
      { record: 'connection', kind: 'closed', conn: 1 },
    ]);
    const exited = input(400, 0);
    exited.driver = { ...exited.driver!, exitAt: 5300, exitCode: 1 };
    expect(compareObservations(exited)).toMatchObject([{ record: 'process', kind: 'exited' }]);
  });

  it('times an extra connection attempt from the end of the connection before it, which replay may bring sooner', () => {
    // Live, replay closed connection 1 100 ms after it opened (the recording: 540 ms), and the SDK came back 20 ms later.
    const l = live({
      connections: [{ openedAt: 5000, closedByUs: 5100 }, { openedAt: 5120 }],
      upgrades: [live().upgrades[0]!, { ...live().upgrades[0]!, attempt: 2, at: 5120, startAt: 5120, accepted: 1 }],
    });
    // The recording ended 60 ms after its close: too soon to have seen a reconnection 20 ms after it, well before the end.
    expect(compareObservations(input(400, 0, l, recorded({ engineCloses: new Map([[1, 640]]) })))).toEqual([]);
    // It watched 400 ms after its close: the attempt is extra.
    expect(compareObservations(input(400, 0, l, recorded({ engineCloses: new Map([[1, 300]]) })))).toMatchObject([
      { record: 'upgrade', kind: 'extra', type: 'attempt' },
    ]);
  });

  it('a WebSocket pong the recording has must come live', () => {
    const r = recorded({ pongs: [{ conn: 1, seq: 9, t: 300, message: 'cGluZw==' }] });
    expect(compareObservations(input(400, 0, live(), r))).toMatchObject([{ record: 'ws-pong', kind: 'missing' }]);
    expect(compareObservations(input(400, 0, live({ pongs: [{ conn: 0, at: 5200, message: 'cGluZw==' }] }), r))).toEqual([]);
  });

  it("the SDK's own WebSocket pings (its heartbeat): as many as recorded on each connection, whatever their payload", () => {
    const r = recorded({ pings: [{ conn: 1, seq: 9, t: 300, message: '' }] });
    expect(compareObservations(input(400, 0, live(), r))).toMatchObject([{ record: 'ws-ping', kind: 'missing', conn: 1 }]);
    expect(compareObservations(input(400, 0, live({ pings: [{ conn: 0, at: 5200, message: 'MTIz' }] }), r))).toEqual([]);
    const twice = live({
      pings: [
        { conn: 0, at: 5200, message: '' },
        { conn: 0, at: 5300, message: '' },
      ],
    });
    expect(compareObservations(input(400, 0, twice, r))).toMatchObject([{ record: 'ws-ping', kind: 'extra' }]);
  });

  it('on a connection whose reading the case paused, only pings before the pause compare (after it, ws sees one only by draining at close)', () => {
    // The recording paused reading 200 ms into connection 1 (t 300); the connection opened at t 100.
    const paused = { readingPaused: new Map([[1, 300]]) };
    // A recorded ping after the pause that the live SDK "did not send": not missing.
    expect(compareObservations(input(400, 0, live(), recorded({ ...paused, pings: [{ conn: 1, seq: 9, t: 450, message: '' }] })))).toEqual([]);
    // A live ping after the same offset that the recording lacks: not extra.
    expect(compareObservations(input(400, 0, live({ pings: [{ conn: 0, at: 5250, message: '' }] }), recorded(paused)))).toEqual([]);
    // Before the pause both still count: a recorded ping missing live, and a live one the recording lacks.
    expect(compareObservations(input(400, 0, live(), recorded({ ...paused, pings: [{ conn: 1, seq: 9, t: 250, message: '' }] })))).toMatchObject([
      { record: 'ws-ping', kind: 'missing', conn: 1 },
    ]);
    expect(compareObservations(input(400, 0, live({ pings: [{ conn: 0, at: 5100, message: '' }] }), recorded(paused)))).toMatchObject([
      { record: 'ws-ping', kind: 'extra' },
    ]);
  });

  it("a live ping due after the recorded connection's end (within the slack) is not extra; one well before it is", () => {
    // Recorded connection 1 open 100 -> 500 (400 ms); live connection open 5000 -> 5400.
    const closesAt500 = { closes: [{ conn: 1, seq: 30, t: 500 }] };
    const liveClosed = { connections: [{ openedAt: 5000, closedAt: 5400 }] };
    // Live ping 395 ms into the connection: the recorded one ended 5 ms later, within the slack.
    expect(compareObservations(input(400, 0, live({ ...liveClosed, pings: [{ conn: 0, at: 5395, message: '' }] }), recorded(closesAt500)))).toEqual([]);
    // Live ping 200 ms in: the recorded connection lived 200 ms longer and sent none.
    expect(compareObservations(input(400, 0, live({ ...liveClosed, pings: [{ conn: 0, at: 5200, message: '' }] }), recorded(closesAt500)))).toMatchObject([
      { record: 'ws-ping', kind: 'extra' },
    ]);
    // A recorded ping is missing live wherever it fell, the end of the connection included (a case that
    // ends on a ping must still see a mutant that never pings).
    const liveShort = live(liveClosed);
    expect(compareObservations(input(400, 0, liveShort, recorded({ ...closesAt500, pings: [{ conn: 1, seq: 29, t: 498, message: '' }] })))).toMatchObject([
      { record: 'ws-ping', kind: 'missing', conn: 1 },
    ]);
    expect(compareObservations(input(400, 0, liveShort, recorded({ ...closesAt500, pings: [{ conn: 1, seq: 29, t: 300, message: '' }] })))).toMatchObject([
      { record: 'ws-ping', kind: 'missing', conn: 1 },
    ]);
    // Left open on both sides, watched to the recording's end (700): a live ping 545 ms into a connection
    // the recording watched for 600 ms is within the slack (57 ms) of that end, though before the 50 ms tail margin; one 300 ms in is not.
    expect(compareObservations(input(400, 0, live({ pings: [{ conn: 0, at: 5545, message: '' }] }), recorded({ endT: 700 })))).toEqual([]);
    expect(compareObservations(input(400, 0, live({ pings: [{ conn: 0, at: 5300, message: '' }] }), recorded({ endT: 700 })))).toMatchObject([
      { record: 'ws-ping', kind: 'extra' },
    ]);
    // A recorded ping at the very end is paired with the live one at the same moment, not left missing.
    expect(
      compareObservations(
        input(400, 0, live({ pings: [{ conn: 0, at: 5545, message: '' }] }), recorded({ endT: 700, pings: [{ conn: 1, seq: 29, t: 645, message: '' }] })),
      ),
    ).toEqual([]);
  });
});

describe('compareObservations: reconnection delays', () => {
  // initialDelayMs 40, ×2.58, jitter 0.3: index 0's band is 28–52 ms, index 1's 72–134 ms. With the slack, index
  // 0's band reaches 84.6 ms, so a recorded 84.5 ms must still be judged as index 1, where it lies as it is.
  const reconnection = { initialDelayMs: 40, backoffMultiplier: 2.58, jitterFactor: 0.3, maxDelayMs: 1538, maxRetries: -1 };
  const refused = (attempt: number, t: number) => ({
    attempt,
    seq: attempt,
    t,
    startT: t,
    url: '/',
    headers: HEADERS,
    outcome: 'refused' as const,
    status: 429,
  });
  const gap = (liveMs: number): ObservationInput => ({
    recorded: recorded({ upgrades: [refused(1, 100), refused(2, 184.5)], commands: [], events: [], reconnection }),
    live: live({
      upgrades: [
        { attempt: 1, at: 5000, startAt: 5000, url: '/', headers: HEADERS, outcome: 'refused' },
        { attempt: 2, at: 5000 + liveMs, startAt: 5000 + liveMs, url: '/', headers: HEADERS, outcome: 'refused' },
      ],
      connections: [],
    }),
    frames: [],
    cutoffT: Infinity,
    tolerance: DEFAULT_TOLERANCE,
    observedLagMs: 0,
  });

  it('judges a recorded delay by the band that holds it as it is, not one that reaches it only with the slack', () => {
    expect(compareObservations(gap(122))).toEqual([]);
    expect(compareObservations(gap(84))).toEqual([]);
  });

  it('still names a live delay of the wrong attempt index', () => {
    expect(compareObservations(gap(40))).toMatchObject([{ record: 'timing', type: 'reconnect-gap', kind: 'early', verdict: 'DIVERGED' }]);
    expect(compareObservations(gap(400))).toMatchObject([{ record: 'timing', type: 'reconnect-gap', kind: 'late', verdict: 'DIVERGED' }]);
  });
});
