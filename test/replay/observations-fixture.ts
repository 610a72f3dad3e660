// Made-up observations for the replay comparison tests: one accepted upgrade, recorded at t 100 and live at
// 5000 (with another nonce and host, which differ by design), and nothing else unless a test adds it.

import type { LiveObservations, RecordedObservations } from '../../harness/replay/observations.ts';
import { DEFAULT_RECONNECTION } from '../../harness/timing/backoff.ts';

export const HEADERS = { 'sec-websocket-key': 'abc==', host: '127.0.0.1:1', 'x-team': 'conf', 'sec-websocket-version': '13' };

export function recordedObservations(over: Partial<RecordedObservations> = {}): RecordedObservations {
  return {
    upgrades: [{ attempt: 1, seq: 4, t: 100, startT: 99, url: '/', headers: HEADERS, outcome: 'accepted', conn: 1 }],
    closes: [],
    engineCloses: new Map(),
    readingPaused: new Map(),
    pongs: [],
    pings: [],
    commands: [],
    events: [],
    reconnection: DEFAULT_RECONNECTION,
    endT: 700,
    ...over,
  };
}

export function liveObservations(over: Partial<LiveObservations> = {}): LiveObservations {
  return {
    upgrades: [
      {
        attempt: 1,
        at: 5000,
        startAt: 4999,
        url: '/',
        headers: { ...HEADERS, 'sec-websocket-key': 'other==', host: '127.0.0.1:2' },
        outcome: 'accepted',
        accepted: 0,
      },
    ],
    connections: [{ openedAt: 5000 }],
    pongs: [],
    pings: [],
    frames: [],
    ...over,
  };
}
