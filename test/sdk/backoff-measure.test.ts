// The measurement core on plain data: which moments a delay is measured between, which attempt index
// the counter rule gives each gap, and how a gap is judged against one or several envelopes.
import { describe, expect, it } from 'vitest';
import type { UpgradeAttempt } from '../../harness/fake-engine/index.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import type { ReconnectionConfig } from '../../harness/timing/backoff.ts';
import { announcedDelays, judgeGap, measureGaps, type ConnectionLog, type EndMark } from '../../specs/sdk/backoff/measure.ts';
import { withAnnouncedEvidence } from '../../specs/sdk/backoff/judge.ts';
import type { ScenarioRun } from '../../specs/sdk/backoff/scenario.ts';

const CFG: ReconnectionConfig = { initialDelayMs: 100, maxDelayMs: 400, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 };

function upgrade(attempt: number, at: number, outcome: UpgradeAttempt['outcome'], conn?: number): UpgradeAttempt {
  return { attempt, at, tcpAt: at - 1, path: '/', url: '/', headers: {}, outcome, ...(conn === undefined ? {} : { conn }) };
}

interface Conn {
  conn: number;
  workerRegisteredSent: boolean;
  closeInfo: { code: number; reason: string; at: number } | undefined;
}

function log(upgrades: UpgradeAttempt[], connections: Conn[], downtime: { downAt: number; upAt?: number }[] = []): ConnectionLog {
  return { upgrades, connections, listenerDowntime: downtime };
}

describe('measureGaps', () => {
  it('measures from the engine action that ended attempt k to the TCP accept of attempt k+1', () => {
    const ends: EndMark[] = [{ conn: 1, at: 1000, cause: 'terminate' }];
    const gaps = measureGaps(
      log(
        [upgrade(1, 0, 'accepted', 1), upgrade(2, 1105, 'rejected'), upgrade(3, 1310, 'accepted', 2)],
        [
          { conn: 1, workerRegisteredSent: true, closeInfo: { code: 1006, reason: '', at: 1003 } },
          { conn: 2, workerRegisteredSent: true, closeInfo: undefined },
        ],
      ),
      { ends },
    );
    expect(gaps.map((g) => [g.after, g.measuredMs, g.indices])).toEqual([
      ['terminate', 104, [0]], // the drop mark (1000), not the later close observation (1003)
      ['rejected', 204, [1]], // refusal: the upgrade time of the refused attempt
    ]);
  });

  it('restarts the index after a connection that worked and counts on after refusals', () => {
    const gaps = measureGaps(
      log(
        [upgrade(1, 0, 'accepted', 1), upgrade(2, 200, 'rejected'), upgrade(3, 500, 'accepted', 2), upgrade(4, 1200, 'accepted', 3)],
        [
          { conn: 1, workerRegisteredSent: true, closeInfo: { code: 1000, reason: '', at: 100 } },
          { conn: 2, workerRegisteredSent: true, closeInfo: { code: 1000, reason: '', at: 1000 } },
          { conn: 3, workerRegisteredSent: true, closeInfo: undefined },
        ],
      ),
      {
        ends: [
          { conn: 1, at: 100, cause: 'close' },
          { conn: 2, at: 1000, cause: 'close' },
        ],
      },
    );
    expect(gaps.map((g) => g.indices)).toEqual([[0], [1], [0]]);
  });

  it('treats an attempt that opened but never worked as ambiguous (reset on open, or not)', () => {
    const gaps = measureGaps(
      log(
        [upgrade(1, 0, 'accepted', 1), upgrade(2, 200, 'accepted-then-closed', 2), upgrade(3, 500, 'rejected'), upgrade(4, 900, 'accepted', 3)],
        [
          { conn: 1, workerRegisteredSent: true, closeInfo: { code: 1000, reason: '', at: 100 } },
          { conn: 2, workerRegisteredSent: false, closeInfo: { code: 1000, reason: '', at: 201 } },
          { conn: 3, workerRegisteredSent: true, closeInfo: undefined },
        ],
      ),
      { ends: [{ conn: 1, at: 100, cause: 'close' }] },
    );
    expect(gaps.map((g) => g.indices)).toEqual([[0], [0, 1], [1, 2]]);
    expect(gaps[1]!.after).toBe('accepted-then-closed');
  });

  it('does not know the index across a listener downtime, until a connection works again', () => {
    const gaps = measureGaps(
      log(
        [upgrade(1, 0, 'accepted', 1), upgrade(2, 700, 'rejected'), upgrade(3, 900, 'accepted', 2)],
        [
          { conn: 1, workerRegisteredSent: true, closeInfo: { code: 1006, reason: '', at: 101 } },
          { conn: 2, workerRegisteredSent: true, closeInfo: undefined },
        ],
        [{ downAt: 101, upAt: 600 }],
      ),
      { ends: [{ conn: 1, at: 100, cause: 'listener-down' }] },
    );
    expect(gaps.map((g) => g.indices)).toEqual([[], []]);
    expect(gaps[0]!.listenerUpAt).toBe(600);
  });
});

describe('judgeGap', () => {
  const gap = { attempt: 3, after: 'rejected' as const, endedAt: 0, startedAt: 0, measuredMs: 0, indices: [1] };

  it('holds the lower bound strictly and grants slack only above', () => {
    expect(judgeGap({ ...gap, measuredMs: 199 }, CFG, DEFAULT_TOLERANCE, 0).verdict).toBe('PASS'); // within epsilon
    expect(judgeGap({ ...gap, measuredMs: 197 }, CFG, DEFAULT_TOLERANCE, 0).verdict).toBe('FAIL');
    expect(judgeGap({ ...gap, measuredMs: 235 }, CFG, DEFAULT_TOLERANCE, 0).verdict).toBe('PASS'); // 200 + 30 + 5%
    expect(judgeGap({ ...gap, measuredMs: 300 }, CFG, DEFAULT_TOLERANCE, 0).verdict).toBe('FAIL');
    expect(judgeGap({ ...gap, measuredMs: 300 }, CFG, DEFAULT_TOLERANCE, 80).verdict).toBe('INDETERMINATE');
  });

  it('passes a gap that fits any of several candidate indices, and reports the closest when none fits', () => {
    expect(judgeGap({ ...gap, measuredMs: 104, indices: [0, 1] }, CFG, DEFAULT_TOLERANCE, 0).verdict).toBe('PASS');
    const s = judgeGap({ ...gap, measuredMs: 150, indices: [0, 2] }, CFG, DEFAULT_TOLERANCE, 0);
    expect(s.verdict).toBe('FAIL');
    expect(s.attempt).toBe(0); // 150 is 15 ms above n=0's slack, 250 ms below n=2
  });

  it('judges a gap across downtime by the recovery bound only', () => {
    const down = { ...gap, indices: [], startedAt: 1100, listenerUpAt: 600 };
    expect(judgeGap(down, CFG, DEFAULT_TOLERANCE, 0).verdict).toBe('FAIL'); // 500 after up > cap 400 + slack 50
    expect(judgeGap({ ...down, startedAt: 950 }, CFG, DEFAULT_TOLERANCE, 0).verdict).toBe('PASS');
  });
});

describe('announcedDelays', () => {
  it("reads the Node and Python SDKs' own log lines", () => {
    const got = announcedDelays([
      { message: '[iii] Reconnecting in 240ms (attempt 3)...', at: 1 },
      { message: 'Reconnecting in 80ms (attempt 2)', at: 2 },
      { message: 'unrelated', at: 3 },
    ]);
    expect(got).toEqual([
      { delayMs: 240, attempt: 3, at: 1 },
      { delayMs: 80, attempt: 2, at: 2 },
    ]);
  });
});

describe('withAnnouncedEvidence', () => {
  const cfg: ReconnectionConfig = { initialDelayMs: 300, maxDelayMs: 300, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 };
  const gap = { attempt: 2, after: 'rejected' as const, endedAt: 0, startedAt: 400, measuredMs: 400, indices: [0] };
  const runWith = (messages: string[]): ScenarioRun =>
    ({ driver: { logs: () => messages.map((message, i) => ({ message, at: i })) } }) as unknown as ScenarioRun;

  it('turns a late FAIL into INDETERMINATE when the SDK announced a delay inside the envelope', () => {
    const judged = [{ gap, sample: judgeGap(gap, cfg, DEFAULT_TOLERANCE, 0) }];
    expect(judged[0]!.sample.verdict).toBe('FAIL');
    expect(withAnnouncedEvidence(judged, runWith(['[iii] Reconnecting in 300ms (attempt 1)...']), cfg)[0]!.sample.verdict).toBe('INDETERMINATE');
  });

  it('keeps the FAIL when the announced delay is itself wrong, or when nothing pairs up', () => {
    const judged = [{ gap, sample: judgeGap(gap, cfg, DEFAULT_TOLERANCE, 0) }];
    expect(withAnnouncedEvidence(judged, runWith(['[iii] Reconnecting in 400ms (attempt 1)...']), cfg)[0]!.sample.verdict).toBe('FAIL');
    expect(withAnnouncedEvidence(judged, runWith([]), cfg)[0]!.sample.verdict).toBe('FAIL');
  });

  it('never touches an early FAIL', () => {
    const early = { ...gap, measuredMs: 100, startedAt: 100 };
    const judged = [{ gap: early, sample: judgeGap(early, cfg, DEFAULT_TOLERANCE, 0) }];
    expect(withAnnouncedEvidence(judged, runWith(['[iii] Reconnecting in 300ms (attempt 1)...']), cfg)[0]!.sample.verdict).toBe('FAIL');
  });
});
