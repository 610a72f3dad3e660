// Compares what a recording holds besides frames with what the live SDK did during an SDK-side replay.
// Each finding says which kind of record diverged and where (its place on the recorded clock), so the
// earliest one, frames included, is the first divergence. Timing is judged by the project's tolerance model
// (timing/tolerance.ts): outside the envelope diverges; late beyond the slack while the harness's own timers
// were late too is INDETERMINATE, never a silent match.

import { compareFrames, IdBindings } from '../runner/replay-compare.ts';
import { backoffEnvelope, type Envelope } from '../timing/backoff.ts';
import { judgeInterval, upperSlackMs, type ToleranceModel } from '../timing/tolerance.ts';
import type { ReceivedEvent } from '../targets/sdk/contract.ts';
import type { LiveObservations, RecordedDriverRecord, RecordedObservations } from './observations.ts';
import { IGNORED_HANDSHAKE_HEADERS } from './varying-values.ts';
import { isFrameOfType } from '../wire/unvalidated.ts';

export type ObservedRecord = 'upgrade' | 'connection' | 'process' | 'ws-pong' | 'ws-ping' | 'driver-event' | 'timing';

export interface ObservedDivergence {
  record: ObservedRecord;
  /** different | missing | extra | closed | exited | early | late */
  kind: string;
  /** What within the record: a header name, a driver event name, a timing label. */
  type?: string;
  /** Position on the recorded clock (a live moment is mapped onto it). */
  t: number;
  /** The recorded record it is about, when there is one. */
  seq?: number;
  /** Recorded connection number, when it is about one. */
  conn?: number;
  message: string;
  verdict: 'DIVERGED' | 'INDETERMINATE';
}

/**
 * Delays shorter than this are scheduling noise, not behaviour: only a wait the case made on purpose (a
 * handler's sleep, an invocation timeout, a reconnection delay) is held to an envelope.
 */
export const MIN_JUDGED_DELAY_MS = 100;

/** Something extra must come this long before the recording's end to count: at its tail, the recording may just have missed it. */
export const TAIL_MARGIN_MS = 50;

/**
 * The driver events replay compares: what the SDK reported to its user (a settled call, an invocation of a
 * handler, a trigger request to a provider, an error). Not `ready` (identity and capabilities), `ack`
 * (bookkeeping of a command) or `log` (free text).
 */
export const REPORTED_EVENTS: ReadonlySet<string> = new Set(['settled', 'invoked', 'triggerRequest', 'error']);

export interface DriverSide {
  events: readonly ReceivedEvent[];
  commands: readonly { at: number; command: { id: string; cmd: string } }[];
  /** When the driver process exited before the replay stopped it. */
  exitAt?: number;
  exitCode?: number | null;
}

export interface ObservationInput {
  recorded: RecordedObservations;
  live: LiveObservations;
  driver?: DriverSide;
  /** Recorded frames (from the script), for the answer delays of invocations. */
  frames: readonly { t: number; seq: number; dir: string; frame: unknown }[];
  /** Only records before this recorded moment are expected (the frame comparison stopped there). */
  cutoffT: number;
  tolerance: ToleranceModel;
  /** The harness's largest event-loop lag during the replay (LoadProbe). */
  observedLagMs: number;
}

/** Adds to a live moment to put it on the recorded clock: the first upgrade request is the same moment in both. */
export function clockOffset(recorded: RecordedObservations, live: LiveObservations): number {
  const r0 = recorded.upgrades[0];
  const l0 = live.upgrades[0];
  return r0 && l0 ? r0.t - l0.at : 0;
}

export function compareObservations(input: ObservationInput): ObservedDivergence[] {
  const offset = clockOffset(input.recorded, input.live);
  const toRecorded = (at: number) => at + offset;
  const out: ObservedDivergence[] = [];
  const within = (t: number) => t <= input.cutoffT;
  out.push(...compareUpgrades(input));
  out.push(...compareGaps(input));
  out.push(...compareEnd(input, toRecorded));
  out.push(...comparePongs(input, toRecorded));
  out.push(...comparePings(input, toRecorded));
  if (input.driver) out.push(...compareDriver(input, input.driver, toRecorded));
  out.push(...compareAnswerDelays(input));
  // The SDK ending a connection or its process explains a frame comparison that stopped: always kept.
  return out.filter((d) => within(d.t) || d.record === 'process' || d.record === 'connection').sort((a, b) => a.t - b.t);
}

function compareUpgrades(input: ObservationInput): ObservedDivergence[] {
  const { recorded, live } = input;
  const out: ObservedDivergence[] = [];
  // Without pairing (a listener went down), only the first request is surely the same one.
  const pairs = recorded.attemptsUnpaired
    ? Math.min(1, recorded.upgrades.length, live.upgrades.length)
    : Math.min(recorded.upgrades.length, live.upgrades.length);
  for (let k = 0; k < pairs; k++) {
    const r = recorded.upgrades[k]!;
    const l = live.upgrades[k]!;
    const place = { record: 'upgrade' as const, t: r.t, seq: r.seq, verdict: 'DIVERGED' as const };
    if (r.url !== l.url) {
      out.push({
        ...place,
        kind: 'different',
        type: 'path',
        message: `upgrade request ${k + 1}: recorded path ${JSON.stringify(r.url)}, live ${JSON.stringify(l.url)}`,
      });
      continue;
    }
    const names = [...new Set([...Object.keys(r.headers), ...Object.keys(l.headers)])].filter((h) => !IGNORED_HANDSHAKE_HEADERS.has(h)).sort();
    const header = names.find((h) => r.headers[h] !== l.headers[h]);
    if (header !== undefined) {
      out.push({
        ...place,
        kind: header in r.headers ? (header in l.headers ? 'different' : 'missing') : 'extra',
        type: header,
        message: `upgrade request ${k + 1}: header ${header}: recorded ${JSON.stringify(r.headers[header])}, live ${JSON.stringify(l.headers[header])}`,
      });
    }
  }
  if (recorded.attemptsUnpaired) return out;
  // An extra attempt is timed from the end of the connection before it, what the SDK reconnects after: replay
  // answers as soon as the SDK has sent, so that end may come sooner live than in the recording. Where either
  // side has not ended it, from the attempt itself. (Not by the global clock: it drifts over a long recording.)
  // It counts only if it came while the recording still watched, well before its end.
  const lastRecorded = recorded.upgrades.at(-1);
  const extra = live.upgrades[recorded.upgrades.length];
  const before = live.upgrades[recorded.upgrades.length - 1];
  if (lastRecorded && extra && before) {
    const recordedFrom = recordedEnd(recorded, recorded.upgrades.length - 1);
    const liveFrom = liveEnd(live, recorded.upgrades.length - 1);
    const ended = recordedFrom !== undefined && liveFrom !== undefined;
    const from = ended ? { recorded: recordedFrom, live: liveFrom } : { recorded: lastRecorded.t, live: before.at };
    const after = extra.startAt - from.live;
    if (after < recorded.endT - from.recorded - TAIL_MARGIN_MS) {
      const since = ended ? 'the last one ended' : 'the last one';
      out.push({
        record: 'upgrade',
        kind: 'extra',
        type: 'attempt',
        t: from.recorded + after,
        verdict: 'DIVERGED',
        message: `connection attempt ${extra.attempt}: the recording ends after ${recorded.upgrades.length} attempts and watched ${round(recorded.endT - from.recorded)} ms after ${since}; the live SDK made another ${round(after)} ms after ${since}`,
      });
    }
  }
  for (const r of recorded.upgrades.slice(live.upgrades.length)) {
    out.push({
      record: 'upgrade',
      kind: 'missing',
      type: 'attempt',
      t: r.t,
      seq: r.seq,
      verdict: 'DIVERGED',
      message: `connection attempt ${r.attempt} (recorded ${r.outcome}): the live SDK made no such attempt`,
    });
  }
  return out;
}

/** When the engine side ended attempt k (0-based) of the recording, on its clock. */
function recordedEnd(recorded: RecordedObservations, k: number): number | undefined {
  const r = recorded.upgrades[k];
  if (!r) return undefined;
  if (r.conn === undefined) return r.t; // refused at once: its upgrade moment ends it
  return recorded.engineCloses.get(r.conn) ?? recorded.closes.find((c) => c.conn === r.conn)?.t;
}

function liveEnd(live: LiveObservations, k: number): number | undefined {
  const l = live.upgrades[k];
  if (!l) return undefined;
  if (l.accepted === undefined) return l.at;
  const c = live.connections[l.accepted];
  return c?.closedByUs ?? c?.closedAt;
}

/**
 * The envelope of the attempt index whose band holds the recorded delay: the recording picks it. A band
 * that holds it as it is wins over one that holds it only thanks to the slack (with the slack, index 0's
 * band can reach into index 1's, and a recorded index-1 delay would then be judged as index 0); where
 * several bands hold it as they are (jitter wide enough to overlap), their union is the envelope.
 */
function envelopeOf(recordedMs: number, input: ObservationInput): { n: string; envelope: Envelope } | undefined {
  const holding: { n: number; envelope: Envelope }[] = [];
  let withSlack: { n: number; envelope: Envelope } | undefined;
  for (let n = 0; n <= 40; n++) {
    const envelope = backoffEnvelope(input.recorded.reconnection, n);
    const slack = upperSlackMs(input.tolerance, envelope.maxMs);
    if (recordedMs >= envelope.minMs - input.tolerance.epsilonMs && recordedMs <= envelope.maxMs) holding.push({ n, envelope });
    else if (recordedMs >= envelope.minMs - input.tolerance.epsilonMs && recordedMs <= envelope.maxMs + slack) withSlack ??= { n, envelope };
    if (envelope.baseMs >= input.recorded.reconnection.maxDelayMs) break; // capped: no later n differs
  }
  const first = holding[0];
  const last = holding.at(-1);
  if (first && last) {
    return {
      n: first.n === last.n ? String(first.n) : `${first.n}–${last.n}`,
      envelope: {
        baseMs: first.envelope.baseMs,
        minMs: Math.min(...holding.map((h) => h.envelope.minMs)),
        maxMs: Math.max(...holding.map((h) => h.envelope.maxMs)),
      },
    };
  }
  return withSlack ? { n: String(withSlack.n), envelope: withSlack.envelope } : undefined;
}

function compareGaps(input: ObservationInput): ObservedDivergence[] {
  const { recorded, live } = input;
  if (recorded.attemptsUnpaired) return [];
  const out: ObservedDivergence[] = [];
  const n = Math.min(recorded.upgrades.length, live.upgrades.length);
  for (let k = 1; k < n; k++) {
    const r = recorded.upgrades[k]!;
    const l = live.upgrades[k]!;
    const rEnd = recordedEnd(recorded, k - 1);
    const lEnd = liveEnd(live, k - 1);
    if (rEnd === undefined || lEnd === undefined) continue;
    const recordedMs = r.startT - rEnd;
    const picked = envelopeOf(recordedMs, input);
    if (!picked || picked.envelope.maxMs < MIN_JUDGED_DELAY_MS / 2) continue;
    const sample = judgeInterval(
      {
        label: `gap before attempt ${k + 1}`,
        measuredMs: l.startAt - lEnd,
        allowedMinMs: picked.envelope.minMs,
        allowedMaxMs: picked.envelope.maxMs,
        observedLagMs: input.observedLagMs,
      },
      input.tolerance,
    );
    if (sample.verdict === 'PASS') continue;
    out.push({
      record: 'timing',
      kind: sample.measuredMs < sample.allowedMinMs ? 'early' : 'late',
      type: 'reconnect-gap',
      t: r.t,
      seq: r.seq,
      verdict: sample.verdict === 'INDETERMINATE' ? 'INDETERMINATE' : 'DIVERGED',
      message: `reconnection delay before attempt ${k + 1}: recorded ${round(recordedMs)} ms (envelope of attempt index ${picked.n}: ${picked.envelope.minMs}–${picked.envelope.maxMs} ms), live ${sample.measuredMs} ms: ${sample.reason ?? ''}`,
    });
  }
  return out;
}

/** The SDK ended a connection, or its process, that the recording kept to its end. */
function compareEnd(input: ObservationInput, toRecorded: (at: number) => number): ObservedDivergence[] {
  const { recorded, live, driver } = input;
  const recordedExit = recorded.events.some((e) => e.data.event === 'exit');
  if (driver?.exitAt !== undefined && !recordedExit) {
    return [
      {
        record: 'process',
        kind: 'exited',
        t: toRecorded(driver.exitAt),
        verdict: 'DIVERGED',
        message: `the SDK's process exited (code ${String(driver.exitCode)}) where the recording's kept running`,
      },
    ];
  }
  const accepted = recorded.upgrades.filter((u) => u.conn !== undefined);
  const out: ObservedDivergence[] = [];
  live.connections.forEach((c, i) => {
    if (c.closedAt === undefined || (c.closedByUs !== undefined && c.closedByUs <= c.closedAt)) return;
    const conn = accepted[i]?.conn;
    if (conn === undefined) return;
    const closedInRecording = recorded.closes.some((x) => x.conn === conn) || recorded.engineCloses.has(conn);
    if (closedInRecording) return;
    out.push({
      record: 'connection',
      kind: 'closed',
      conn,
      t: toRecorded(c.closedAt),
      verdict: 'DIVERGED',
      message: `the SDK closed connection ${conn} (code ${String(c.closeCode)}) where the recording's stayed open`,
    });
  });
  return out;
}

function comparePongs(input: ObservationInput, toRecorded: (at: number) => number): ObservedDivergence[] {
  return compareControlFrames('ws-pong', input.recorded.pongs, input.live.pongs, input, toRecorded);
}

/**
 * The SDK's own WebSocket pings (its heartbeat) on each connection: as many as the recording holds, none
 * more. The payload is the SDK's to choose, so only the count on each connection is compared. A ping is a
 * timer on its connection, so a live ping the recording lacks counts only where the recorded connection
 * was watched past that moment of its life (plus the timing slack): the recording watched each connection
 * to its close or to the recording's end, and a connection open at the end (the slow lane's default-backoff
 * case: its jittered reconnections open the last one at another moment live) may reach its next ping live
 * only. A recorded ping the live SDK did not send is always missing: replay watches each live connection
 * to the recording's end, and a case that ends on a ping (heartbeat.sends-ws-pings) must still see a
 * mutant that never pings.
 */
function comparePings(input: ObservationInput, toRecorded: (at: number) => number): ObservedDivergence[] {
  const { recorded, live, tolerance, observedLagMs } = input;
  const accepted = recorded.upgrades.filter((u) => u.conn !== undefined);
  const recordedWatchedIt = (x: { conn: number; at: number }): boolean => {
    const upgrade = accepted[x.conn];
    const opened = live.connections[x.conn]?.openedAt;
    if (upgrade?.conn === undefined || opened === undefined) return true;
    const conn = upgrade.conn;
    const watchedUntil = Math.min(
      ...recorded.closes.filter((c) => c.conn === conn).map((c) => c.t),
      recorded.engineCloses.get(conn) ?? Infinity,
      recorded.endT,
    );
    const offset = x.at - opened;
    return watchedUntil - upgrade.t > offset + upperSlackMs(tolerance, offset) + observedLagMs;
  };
  // On a connection whose reading the case paused, a ping sent after the pause is seen only if ws drains the
  // socket's buffer when it closes, in the recording or live by chance: only pings before the pause compare
  // (live: before the same offset from the connection's open).
  const pausedAfterOpen = (index: number): number => {
    const upgrade = accepted[index];
    const paused = upgrade?.conn === undefined ? undefined : recorded.readingPaused.get(upgrade.conn);
    return upgrade && paused !== undefined ? paused - upgrade.t : Infinity;
  };
  const recordedPings = recorded.pings.filter((p) => {
    const paused = recorded.readingPaused.get(p.conn);
    return paused === undefined || p.t < paused;
  });
  const livePings = live.pings.filter((p) => {
    const opened = live.connections[p.conn]?.openedAt;
    return opened === undefined || p.at - opened < pausedAfterOpen(p.conn);
  });
  const anyPayload = <T extends { message: string }>(list: readonly T[]): T[] => list.map((x) => ({ ...x, message: '' }));
  return compareControlFrames('ws-ping', anyPayload(recordedPings), anyPayload(livePings), input, toRecorded, recordedWatchedIt);
}

/** Control frames the SDK sent, paired by connection and payload; a live one the recording lacks counts only while it still watched. */
function compareControlFrames(
  record: 'ws-pong' | 'ws-ping',
  recordedFrames: readonly { conn: number; t: number; seq: number; message: string }[],
  liveFrames: readonly { conn: number; at: number; message: string }[],
  input: ObservationInput,
  toRecorded: (at: number) => number,
  /** Whether a live frame no recorded one paired could have been in the recording at all (default: yes). */
  couldBeRecorded: (x: { conn: number; at: number }) => boolean = () => true,
): ObservedDivergence[] {
  const { recorded } = input;
  const what = record === 'ws-pong' ? 'WebSocket pong' : 'WebSocket ping';
  const accepted = recorded.upgrades.filter((u) => u.conn !== undefined).map((u) => u.conn);
  const out: ObservedDivergence[] = [];
  const used = new Set<number>();
  for (const p of recordedFrames) {
    const index = accepted.indexOf(p.conn);
    const hit = liveFrames.findIndex((x, i) => !used.has(i) && x.conn === index && x.message === p.message);
    if (hit >= 0) used.add(hit);
    else
      out.push({
        record,
        kind: 'missing',
        conn: p.conn,
        t: p.t,
        seq: p.seq,
        verdict: 'DIVERGED',
        message: `the recording has a ${what} on connection ${p.conn}; the live SDK sent none`,
      });
  }
  for (const [i, x] of liveFrames.entries()) {
    if (used.has(i) || !couldBeRecorded(x)) continue;
    const t = toRecorded(x.at);
    if (t <= recorded.endT - TAIL_MARGIN_MS)
      out.push({ record, kind: 'extra', t, verdict: 'DIVERGED', message: `the live SDK sent a ${what} the recording does not have` });
  }
  return out;
}

function idOf(e: ReceivedEvent): string | undefined {
  return 'id' in e && typeof e.id === 'string' ? e.id : undefined;
}

/** What an event says, without its clock and without the command id (ids are paired separately). */
function eventBody(e: object): Record<string, unknown> {
  const { t: _t, at: _at, id: _id, ...rest } = e as Record<string, unknown>;
  return rest;
}

function compareDriver(input: ObservationInput, driver: DriverSide, toRecorded: (at: number) => number): ObservedDivergence[] {
  const { recorded } = input;
  const out: ObservedDivergence[] = [];
  // Commands are re-sent in recorded order (shutdown aside): the n-th recorded one is the n-th live one.
  const recCommands = recorded.commands.filter((c) => c.data.cmd !== 'shutdown');
  const liveCommands = driver.commands.filter((c) => c.command.cmd !== 'shutdown');
  const liveId = new Map<string, string>();
  const commandAt = new Map<string, { recorded: number; live: number }>();
  recCommands.forEach((c, i) => {
    const l = liveCommands[i];
    if (l && typeof c.data.id === 'string') {
      liveId.set(c.data.id, l.command.id);
      commandAt.set(c.data.id, { recorded: c.t, live: l.at });
    }
  });
  const recEvents = recorded.events.filter((e) => REPORTED_EVENTS.has(String(e.data.event)));
  const liveEvents = driver.events.filter((e) => REPORTED_EVENTS.has(e.event));
  const used = new Set<number>();
  for (const r of recEvents) {
    const name = String(r.data.event);
    const id = typeof r.data.id === 'string' ? r.data.id : undefined;
    // Events answering a command pair by its id; the others (invoked, triggerRequest) with an equal one of their
    // kind if there is one (concurrent handlers may start in another order), else the next one of their kind.
    const candidates = liveEvents.flatMap((l, i) =>
      !used.has(i) && l.event === name && (id === undefined ? idOf(l) === undefined : idOf(l) === liveId.get(id)) ? [i] : [],
    );
    const equal =
      id === undefined ? candidates.find((i) => !compareFrames(eventBody(r.data), eventBody(liveEvents[i] as ReceivedEvent), new IdBindings())) : undefined;
    const hit = equal ?? candidates[0] ?? -1;
    const place = { record: 'driver-event' as const, type: name, t: invokedPlace(r, input.frames), seq: r.seq, verdict: 'DIVERGED' as const };
    if (hit < 0) {
      out.push({
        ...place,
        kind: 'missing',
        message: `the recording's driver reported ${name}${id ? ` for ${id}` : ''} (${short(eventBody(r.data))}); the live driver did not`,
      });
      continue;
    }
    used.add(hit);
    const l = liveEvents[hit]!;
    const difference = compareFrames(eventBody(r.data), eventBody(l), new IdBindings());
    if (difference) {
      out.push({
        ...place,
        kind: 'different',
        message: `the driver's ${name}${id ? ` for ${id}` : ''} differs at ${difference.path || '(the event)'}: recorded ${short(difference.expected)}, live ${short(difference.actual)}`,
      });
      continue;
    }
    const when = id !== undefined ? commandAt.get(id) : undefined;
    // Only a settle the engine did not cause (a timeout): one after an engine answer times replay's pacing.
    if (when && name === 'settled' && !engineAnswered(input.frames, when.recorded, r.t)) {
      const judged = judgeDelay(`${name} ${id}`, r.t - when.recorded, l.at - when.live, input);
      if (judged) out.push({ ...judged, record: 'timing', type: 'settled', t: r.t, seq: r.seq });
    }
  }
  for (const [i, l] of liveEvents.entries()) {
    if (used.has(i)) continue;
    const t = toRecorded(l.at);
    if (t <= recorded.endT - TAIL_MARGIN_MS)
      out.push({
        record: 'driver-event',
        kind: 'extra',
        type: l.event,
        t,
        verdict: 'DIVERGED',
        message: `the live driver reported ${l.event} (${short(eventBody(l))}), which the recording does not have`,
      });
  }
  return out;
}

/**
 * The driver's events reach the harness over its stdout, the SDK's frames over the socket: a handler's `invoked`,
 * written before the SDK sent the handler's answer, may be recorded just after that answer. Such an `invoked` takes
 * its place just before the answer, so that an SDK that never ran the handler (and so never answered) diverges at
 * the event, its cause, in every recording and not in half of them.
 */
export const DRIVER_CHANNEL_SKEW_MS = 20;

function invokedPlace(r: RecordedDriverRecord, frames: ObservationInput['frames']): number {
  if (r.data.event !== 'invoked' || typeof r.data.functionId !== 'string') return r.t;
  const answer = frames.find(
    (f) =>
      f.dir === 'worker->engine' &&
      f.t <= r.t &&
      f.t >= r.t - DRIVER_CHANNEL_SKEW_MS &&
      isFrameOfType(f.frame, 'invocationresult') &&
      f.frame.function_id === r.data.functionId,
  );
  return answer ? answer.t - 0.001 : r.t;
}

/**
 * A delay the recording shows (an answer, a settled call) held to [recorded − slack, recorded + slack]:
 * early beyond the slack diverges (load never makes a thing early, but the recording itself may have been
 * late by up to the slack), late beyond it diverges unless the harness's own timers were late as well.
 */
function judgeDelay(label: string, recordedMs: number, liveMs: number, input: ObservationInput): Omit<ObservedDivergence, 'record' | 't'> | undefined {
  if (recordedMs < MIN_JUDGED_DELAY_MS) return undefined;
  const slack = upperSlackMs(input.tolerance, recordedMs);
  const sample = judgeInterval(
    { label, measuredMs: liveMs, allowedMinMs: recordedMs - slack, allowedMaxMs: recordedMs, observedLagMs: input.observedLagMs },
    input.tolerance,
  );
  if (sample.verdict === 'PASS') return undefined;
  return {
    kind: liveMs < recordedMs ? 'early' : 'late',
    verdict: sample.verdict === 'INDETERMINATE' ? 'INDETERMINATE' : 'DIVERGED',
    message: `${label}: recorded after ${round(recordedMs)} ms, live after ${round(liveMs)} ms: ${sample.reason ?? ''}`,
  };
}

/** How long the SDK took to answer each invocation, against the recording (the live ids are the recorded ones: replay sends them). */
function compareAnswerDelays(input: ObservationInput): ObservedDivergence[] {
  const out: ObservedDivergence[] = [];
  // Recorded and live frames are the implementation's, unchecked: the invocation id is read only where it is a string.
  const callId = (f: unknown) => (isFrameOfType(f, 'invokefunction') && typeof f.invocation_id === 'string' ? f.invocation_id : undefined);
  const answerId = (f: unknown) => (isFrameOfType(f, 'invocationresult') && typeof f.invocation_id === 'string' ? f.invocation_id : undefined);
  const sentAt = new Map<string, number>();
  for (const f of input.frames) {
    const id = callId(f.frame);
    if (f.dir === 'engine->worker' && id) sentAt.set(id, f.t);
  }
  const liveSent = new Map<string, number>();
  const liveAnswered = new Map<string, number>();
  for (const f of input.live.frames) {
    const sent = callId(f.frame);
    const answered = answerId(f.frame);
    if (f.dir === 'engine->worker' && sent) liveSent.set(sent, f.at);
    if (f.dir === 'worker->engine' && answered && !liveAnswered.has(answered)) liveAnswered.set(answered, f.at);
  }
  for (const f of input.frames) {
    const id = answerId(f.frame);
    if (f.dir !== 'worker->engine' || !id) continue;
    const from = sentAt.get(id);
    const liveFrom = liveSent.get(id);
    const liveTo = liveAnswered.get(id);
    if (from === undefined || liveFrom === undefined || liveTo === undefined || engineAnswered(input.frames, from, f.t)) continue;
    const judged = judgeDelay(`answer to invocation ${id}`, f.t - from, liveTo - liveFrom, input);
    if (judged) out.push({ ...judged, record: 'timing', type: 'invocationresult', t: f.t, seq: f.seq });
  }
  return out;
}

/** Did the recorded engine answer a call of the SDK's between two moments? Then a delay spanning them is partly replay's. */
function engineAnswered(frames: ObservationInput['frames'], from: number, to: number): boolean {
  return frames.some((f) => f.dir === 'engine->worker' && f.t > from && f.t < to && isFrameOfType(f.frame, 'invocationresult'));
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
