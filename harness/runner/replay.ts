// Replay: plays one side of a recorded transcript against a live implementation and reports the first
// frame where the live behaviour diverges from the recording.
//  - playing the worker side against an engine (engine cases): our frames are the recorded
//    worker->engine frames, the engine's answers are compared with the recorded engine->worker ones;
//  - playing the engine side against an SDK (SDK cases): a local server sends the recorded
//    engine->worker frames and compares what the SDK sends with the recorded worker->engine ones.
// Causality is kept per step: a frame of ours is sent only after every frame the other side had sent
// before it (in the recording) has arrived, on every connection.

import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { compareFrames, IdBindings, type FrameDifference } from './replay-compare.ts';
import { jsonDepth } from '../util/json-depth.ts';
import { isStateQuery, mayArriveEarly, resentOnEveryConnect, STATE_QUERY_POLL_MS } from '../replay/order-model.ts';
import { CLOSING_NOTE, READING_PAUSED_NOTE, READING_RESUMED_NOTE } from '../transcript/records.ts';
import type { Direction } from '../wire/message-types.ts';
import { frameTypeOf, isFrameOfType } from '../wire/unvalidated.ts';
import { engineSettingsFrom, type RecordedEngineSettings } from '../replay/config.ts';
import { headerMap, recordedObservations, type LiveObservations, type RecordedObservations } from '../replay/observations.ts';
import { isJsonObject } from '../util/json-object.ts';

export type Role = 'worker' | 'engine';

export interface ReplayStep {
  seq: number;
  t: number;
  /** Connection key: `${peer}#${conn}` in the recording. */
  conn: string;
  path: string;
  dir: Direction;
  /** Parsed JSON, or undefined when only raw text was recorded. */
  frame: unknown;
  text?: string;
  /** Not a frame: a driver command the case wrote here (SDK replay re-sends it at the same point). */
  command?: Record<string, unknown>;
  /** The recorder kept only a prefix of this frame (it was larger than its limit): it cannot be replayed. */
  truncated?: boolean;
  /** Recorded after our side had started closing its connection: it may race the close and be lost. */
  afterClose?: boolean;
  /** Not a frame: the recorded side closed this connection here (a case's close/terminate, or a fault). */
  close?: { code?: number; reason: string; terminate: boolean };
  /** A binary frame (base64): the side that sent it in the recording sends it in a replay; nothing compares one. */
  binary?: string;
  /** Not a frame: the recorded side stopped reading this connection here (a half-open link), or read it again. */
  reading?: 'paused' | 'resumed';
}

export interface ReplayScript {
  steps: ReplayStep[];
  /** Connection keys in the order they first appear. */
  connections: { key: string; path: string }[];
  /** Driver commands found in the transcript (notes carrying a `cmd`), for SDK replay. */
  driverCommands: Record<string, unknown>[];
  /**
   * The worker options each driver of the case was started with (the case's `starting driver n` notes:
   * worker name, reconnection config, timeouts, already scaled by the run's time scale), in start order.
   */
  driverStarts: Record<string, unknown>[];
  /** What the recording holds besides frames (upgrades, closes, pongs, driver events): SDK-side replay compares it. */
  observations?: RecordedObservations;
  /** The engine settings an engine case ran with: a replay against the reference engine starts it so. */
  engineSettings?: RecordedEngineSettings;
}

export interface Divergence {
  /** Frames: different | missing | closed | connect-failed | extra; other records: what happened to them (missing, extra, exited, early, late…). */
  kind: 'different' | 'missing' | 'closed' | 'connect-failed' | 'extra' | 'exited' | 'early' | 'late';
  /**
   * Which kind of record diverged: a frame (the default), the upgrade request, a connection the SDK closed,
   * its process, a WebSocket pong, a driver event, or a timing envelope; `type` says what within it (a frame
   * or event type, a header name, a timing label).
   */
  record?: 'frame' | 'upgrade' | 'connection' | 'process' | 'ws-pong' | 'ws-ping' | 'driver-event' | 'timing';
  type?: string;
  /** The recorded record it is about (for a frame: its step); for a live-only happening, the step nearest before it. */
  step: ReplayStep;
  /** Frames of the other side compared before this one. */
  index: number;
  message: string;
  difference?: FrameDifference;
  actual?: unknown;
}

export interface ReplayReport {
  role: Role;
  target: string;
  sent: number;
  compared: number;
  divergence?: Divergence;
  /** Frames the live side sent after the recording ended (informational). */
  extra: number;
  /** The first of them per connection, for the SDK-side comparison (a frame the recording does not have). */
  extraFrames?: { conn: string; frame: unknown }[];
  /** Timing findings the loaded machine could not decide (INDETERMINATE), each named; never counted as a match. */
  undecided?: Divergence[];
}

/** Frames on the worker socket ("/"), text only (telemetry and binary frames are not replayed). */
export function scriptFromRecords(records: readonly unknown[]): ReplayScript {
  const steps: ReplayStep[] = [];
  const connections: { key: string; path: string }[] = [];
  const driverCommands: Record<string, unknown>[] = [];
  const driverStarts: Record<string, unknown>[] = [];
  for (const r of records) {
    if (!isJsonObject(r)) continue;
    if (r.kind === 'note' && r.source === 'case' && typeof r.text === 'string' && /^starting driver \d+/.test(r.text) && isJsonObject(r.data))
      driverStarts.push(r.data);
    if (r.kind === 'note' && isJsonObject(r.data) && typeof r.data.cmd === 'string') {
      driverCommands.push(r.data);
      // Commands of the first driver keep their place among the frames; the replay starts only that one.
      if (r.source === 'driver#1')
        steps.push({
          seq: typeof r.seq === 'number' ? r.seq : steps.length,
          t: typeof r.t === 'number' ? r.t : 0,
          conn: '',
          path: '/',
          dir: 'engine->worker',
          frame: undefined,
          command: r.data,
        });
    }
    if (
      r.kind === 'note' &&
      r.text === CLOSING_NOTE &&
      isJsonObject(r.data) &&
      (r.data.path === '/' || r.data.path === undefined) &&
      typeof r.source === 'string'
    ) {
      const key = `${r.source}#${String(r.data.conn ?? 0)}`;
      if (!connections.some((c) => c.key === key)) connections.push({ key, path: '/' });
      const code = typeof r.data.code === 'number' ? r.data.code : undefined;
      steps.push({
        seq: typeof r.seq === 'number' ? r.seq : steps.length,
        t: typeof r.t === 'number' ? r.t : 0,
        conn: key,
        path: '/',
        // The closing peer's own direction: a fake engine closing plays on the engine side.
        dir: key.startsWith('engine#') ? 'engine->worker' : 'worker->engine',
        frame: undefined,
        close: {
          ...(code !== undefined ? { code } : {}),
          reason: typeof r.data.reason === 'string' ? r.data.reason : '',
          terminate: r.data.terminate === true,
        },
      });
    }
    const reading = r.kind === 'note' ? (r.text === READING_PAUSED_NOTE ? 'paused' : r.text === READING_RESUMED_NOTE ? 'resumed' : undefined) : undefined;
    if (reading && isJsonObject(r.data) && (r.data.path === '/' || r.data.path === undefined) && typeof r.source === 'string') {
      const key = `${r.source}#${String(r.data.conn ?? 0)}`;
      if (!connections.some((c) => c.key === key)) connections.push({ key, path: '/' });
      steps.push({
        seq: typeof r.seq === 'number' ? r.seq : steps.length,
        t: typeof r.t === 'number' ? r.t : 0,
        conn: key,
        path: '/',
        dir: key.startsWith('engine#') ? 'engine->worker' : 'worker->engine',
        frame: undefined,
        reading,
      });
    }
    if (r.kind !== 'frame') continue;
    const path = typeof r.path === 'string' ? r.path : '/';
    if (path !== '/' && path !== '') continue;
    if (r.dir !== 'engine->worker' && r.dir !== 'worker->engine') continue;
    // Binary frames are played by the side that sent them (an engine's to an SDK, a worker's to an engine:
    // telemetry, or JSON in a binary frame), never compared when the other side sends them (play() drops them).
    const binary = r.encoding === 'binary';
    if (binary && (typeof r.base64 !== 'string' || r.delivered === false)) continue;
    const key = `${typeof r.peer === 'string' ? r.peer : 'peer'}#${String(r.conn ?? 0)}`;
    if (!connections.some((c) => c.key === key)) connections.push({ key, path: '/' });
    steps.push({
      seq: typeof r.seq === 'number' ? r.seq : steps.length,
      t: typeof r.t === 'number' ? r.t : 0,
      conn: key,
      path: '/',
      dir: r.dir,
      frame: binary ? undefined : r.frame,
      ...(binary ? { binary: r.base64 } : {}),
      ...(!binary && typeof r.text === 'string' ? { text: r.text } : {}),
      ...(r.delivered === false ? { dropped: true } : {}),
      ...(r.truncated === true ? { truncated: true } : {}),
    } as ReplayStep);
  }
  return {
    steps: inRecordedOrder(steps),
    connections,
    driverCommands,
    driverStarts,
    observations: recordedObservations(records, driverStarts[0]),
    engineSettings: engineSettingsFrom(records),
  };
}

/** Deeper than any frame of the protocol; comparison recurses, so a crafted transcript is refused first. */
export const MAX_FRAME_DEPTH = 200;

/** Why a script cannot be replayed as recorded, or undefined when it can. */
export function unreplayable(script: ReplayScript): string | undefined {
  const cut = script.steps.find((s) => s.truncated);
  return cut
    ? `the transcript keeps only a prefix of frame seq ${cut.seq} (${cut.dir}, larger than the recorder's limit), so that frame cannot be replayed`
    : undefined;
}

/**
 * Frames and closes in recorded (seq) order. Driver commands are copied into the transcript after the case,
 * so their seq is late; they go by their time instead, before the first frame recorded after them.
 */
function inRecordedOrder(steps: ReplayStep[]): ReplayStep[] {
  const frames = steps.filter((s) => !s.command).sort((a, b) => a.seq - b.seq);
  const commands = steps.filter((s) => s.command).sort((a, b) => a.t - b.t || a.seq - b.seq);
  const out: ReplayStep[] = [];
  let c = 0;
  for (const f of frames) {
    while (c < commands.length && (commands[c] as ReplayStep).t <= f.t) out.push(commands[c++] as ReplayStep);
    out.push(f);
  }
  const ordered = [...out, ...commands.slice(c)];
  const closing = new Set<string>();
  for (const s of ordered) {
    if (s.close) closing.add(s.conn);
    else if (closing.has(s.conn) && s.frame !== undefined) s.afterClose = true;
  }
  return ordered;
}

export function parseRecords(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      let record: unknown;
      try {
        record = JSON.parse(l) as unknown;
      } catch {
        throw new Error(`line ${i + 1} of the transcript is not JSON`);
      }
      if (jsonDepth(record, MAX_FRAME_DEPTH + 2) > MAX_FRAME_DEPTH + 2)
        throw new Error(`line ${i + 1} of the transcript nests deeper than ${MAX_FRAME_DEPTH} levels`);
      return record;
    });
}

/** The longest recorded gap replay reproduces; a longer one is shortened to this. */
const MAX_PACING_GAP_MS = 10_000;

/** Wakes whoever waits when any live connection receives a frame or closes. */
class Notifier {
  private waiters = new Set<() => void>();
  notify(): void {
    for (const w of [...this.waiters]) w();
  }
  /** True when notified, false on timeout. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, ms));
      this.waiters.add(wake);
    });
  }
}

/** Frames received on one live connection, in arrival order. */
class Inbox {
  private readonly frames: unknown[] = [];
  closed: { code: number; reason: string } | undefined;
  constructor(private readonly notifier: Notifier) {}
  push(frame: unknown): void {
    this.frames.push(frame);
    this.notifier.notify();
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.notifier.notify();
  }
  get size(): number {
    return this.frames.length;
  }
  at(index: number): unknown {
    return this.frames[index];
  }
}

function parseData(data: RawData): unknown {
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface LiveConnection {
  send(text: string): void;
  sendBinary(data: Buffer): void;
  inbox: Inbox;
  close(): void;
  /** Closes where the recording closed: with its code, or by destroying the socket. */
  closeWith(code: number | undefined, reason: string): void;
  terminate(): void;
  /** Stops reading the socket where the recording did (a half-open link), and reads it again. */
  pauseReading(): void;
  resumeReading(): void;
}

function liveConnection(ws: WebSocket, inbox: Inbox): LiveConnection {
  return {
    inbox,
    pauseReading: () => ws.pause(),
    resumeReading: () => ws.resume(),
    send: (t) => ws.send(t),
    sendBinary: (data) => ws.send(data, { binary: true }),
    close: () => ws.close(),
    closeWith: (code, reason) => {
      try {
        if (code === undefined) ws.close();
        else ws.close(code, reason);
      } catch {
        ws.terminate(); // a code ws refuses to send (the recording may hold one): the socket still goes
      }
    },
    terminate: () => ws.terminate(),
  };
}

/**
 * The shared loop. Our recorded frames are sent in order (rewritten with the ids bound so far). The other
 * side's frames are matched in segments: the frames it sent between two of ours must all arrive before our
 * next one is sent, but their order within the segment is not significant (the recording does not order
 * them causally: a void register call and an invocation result race in every SDK), and a frame of the
 * following segment may arrive early. A live frame that matches nothing expected there is the divergence.
 */
async function play(
  script: ReplayScript,
  ours: Direction,
  connect: (key: string, inbox: Inbox) => Promise<LiveConnection>,
  stepTimeoutMs: number,
  notifier: Notifier,
  onCommand?: (command: Record<string, unknown>) => void,
  /** SDK side: keeps watching the live side after the last step, until the recording's end. */
  linger?: () => Promise<void>,
): Promise<Omit<ReplayReport, 'role' | 'target'>> {
  const ids = new IdBindings();
  const live = new Map<string, LiveConnection>();
  const taken = new Map<string, number>();
  const matched = new Set<number>();
  const steps = script.steps.filter(
    (s) =>
      !(s.dir === ours && (s as ReplayStep & { dropped?: boolean }).dropped) && !(s.command && s.dir !== ours) && !(s.binary !== undefined && s.dir !== ours),
  );
  const closedByUs = new Set<string>();
  /** Connections the recording's side closes (ours; closedByUs is the live subset): the close may cut off what the other side sends last. */
  const closesInRecording = new Set(steps.filter((s) => s.close && s.dir === ours).map((s) => s.conn));
  const connectionOrder = script.connections.map((c) => c.key);
  /** Does the recording have this frame of theirs on connection `key` (where: 'on'), or on a later one ('later')? */
  const recordingHas = (where: 'on' | 'later', key: string, frame: unknown): boolean =>
    steps.some(
      (s) =>
        (where === 'on' ? s.conn === key : connectionOrder.indexOf(s.conn) > connectionOrder.indexOf(key)) &&
        s.dir !== ours &&
        s.frame !== undefined &&
        !compareFrames(s.frame, frame, ids.clone()),
    );
  const theirs: Direction = ours === 'engine->worker' ? 'worker->engine' : 'engine->worker';
  /** State queries we sent (worker side), by their recorded invocation id: re-asked while the answer differs. */
  const stateQueries = new Map<unknown, { conn: string; text: string; until: number; index: number }>();
  /** Frames that raced our close and were matched on a later connection, per that connection. */
  const movedInto = new Map<string, number>();
  /** Recorded frames that raced our close and were lost live: the SDK may deliver them on its next connection. */
  const lostToClose: ReplayStep[] = [];
  let sent = 0;
  let compared = 0;
  const finish = (divergence?: Divergence) => {
    for (const conn of live.values()) conn.close();
    return { sent, compared, extra: 0, ...(divergence ? { divergence } : {}) };
  };
  const ensure = async (key: string): Promise<LiveConnection> => {
    const existing = live.get(key);
    if (existing) return existing;
    const conn = await connect(key, new Inbox(notifier));
    live.set(key, conn);
    return conn;
  };
  const tryMatch = (step: ReplayStep, frame: unknown): boolean => {
    const trial = ids.clone();
    if (compareFrames(step.frame ?? step.text, frame, trial)) return false;
    ids.adopt(trial);
    return true;
  };
  const theirsRun = (from: number): number => {
    let to = from;
    while (to < steps.length && (steps[to] as ReplayStep).dir !== ours) to++;
    return to;
  };

  // Pacing: a step of ours goes no earlier than its recorded offset from the first one. The recording's
  // gaps carry waits the case made for things that send no frame (an engine's clean-up after a
  // disconnect, a timer), so sending sooner would ask a question the recording did not ask yet.
  const t0 = steps[0]?.t ?? 0;
  let startedAt: number | undefined;
  const paced = async (step: ReplayStep): Promise<void> => {
    startedAt ??= Date.now();
    const due = step.t - t0 - (Date.now() - startedAt);
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(due, MAX_PACING_GAP_MS)));
  };

  let i = 0;
  while (i < steps.length) {
    const step = steps[i] as ReplayStep;
    if (step.dir === ours) await paced(step);
    if (step.command) {
      if (step.dir === ours) onCommand?.(step.command);
      i++;
      continue;
    }
    if (step.dir === ours) {
      let conn: LiveConnection;
      try {
        conn = await ensure(step.conn);
      } catch (e) {
        return finish({ kind: 'connect-failed', step, index: compared, message: e instanceof Error ? e.message : String(e) });
      }
      if (step.reading) {
        if (step.reading === 'paused') conn.pauseReading();
        else conn.resumeReading();
        i++;
        continue;
      }
      if (step.close) {
        closedByUs.add(step.conn);
        if (step.close.terminate) conn.terminate();
        else conn.closeWith(step.close.code, step.close.reason);
        i++;
        continue;
      }
      if (step.binary !== undefined) {
        conn.sendBinary(Buffer.from(step.binary, 'base64'));
        sent++;
        i++;
        continue;
      }
      const outgoing = step.frame !== undefined ? ids.rewrite(step.frame) : undefined;
      if (outgoing !== undefined) ids.bindOwn(outgoing);
      const text = outgoing !== undefined ? JSON.stringify(outgoing) : (step.text ?? '');
      if (isStateQuery(step.frame)) stateQueries.set(step.frame.invocation_id, { conn: step.conn, text, until: Date.now() + STATE_QUERY_POLL_MS, index: i });
      conn.send(text);
      sent++;
      i++;
      continue;
    }
    const end = theirsRun(i);
    let nextOurs = end;
    while (nextOurs < steps.length && (steps[nextOurs] as ReplayStep).dir === ours) nextOurs++;
    const current = range(i, end);
    const ahead = range(nextOurs, theirsRun(nextOurs));
    for (const x of current) {
      try {
        await ensure((steps[x] as ReplayStep).conn);
      } catch (e) {
        return finish({ kind: 'connect-failed', step: steps[x] as ReplayStep, index: compared, message: e instanceof Error ? e.message : String(e) });
      }
    }
    let deadline = Date.now() + stepTimeoutMs;
    while (current.some((x) => !matched.has(x))) {
      let progressed = false;
      for (const [key, conn] of live) {
        const index = taken.get(key) ?? 0;
        if (index >= conn.inbox.size) continue;
        const frame = conn.inbox.at(index);
        taken.set(key, index + 1);
        progressed = true;
        // The order model: beyond the window, any later frame of this connection that its sender sends
        // without waiting on us (a registration, a call) may be the one that arrived.
        const later = range(ahead.length > 0 ? (ahead.at(-1) as number) + 1 : end, steps.length).filter(
          (x) => (steps[x] as ReplayStep).dir !== ours && mayArriveEarly((steps[x] as ReplayStep).dir, (steps[x] as ReplayStep).frame),
        );
        const candidates = [...current, ...ahead, ...later].filter((x) => !matched.has(x) && (steps[x] as ReplayStep).conn === key);
        const hit = candidates.find((x) => tryMatch(steps[x] as ReplayStep, frame));
        if (hit === undefined) {
          // The recorded frame it stands for: the answer to the same call when it is one (a state query's
          // answer may come while other answers of the window are still due), else the first of its type.
          const nearest =
            candidates.find((x) => sameCall(steps[x] as ReplayStep, frame)) ?? candidates.find((x) => sameType(steps[x] as ReplayStep, frame)) ?? candidates[0];
          // A frame racing our own close (sent before the SDK saw it) may arrive live though the recording lost it:
          // one with nothing left to match on this connection, or one its sender sends without waiting on us (a
          // registration its user made right after our close) with no match of its type left here. Which side of
          // the close it lands on is the SDK's race with our close, not a difference.
          const racedClose =
            closedByUs.has(key) &&
            (nearest === undefined || (mayArriveEarly(theirs, frame) && !candidates.some((x) => sameType(steps[x] as ReplayStep, frame))));
          // A registration or the worker-metadata call that the recording does not have on a connection we close
          // (live already, or later in the recording: both are its close steps), but has on a later one, was cut
          // off by the close in one run and not in the other. The SDK sends it again in the next connection's burst, so matching it there would
          // leave the burst's copy unmatched. A second copy on this connection, or one the recording never sends
          // again (an unregistered function), is no race.
          if (resentOnEveryConnect(theirs, frame)) {
            if (closesInRecording.has(key) && !recordingHas('on', key, frame) && recordingHas('later', key, frame)) continue;
          } else if (racedClose) {
            // Anything else is sent once: if the recording has it on a later connection (SDKs queue calls and
            // results and deliver them on the next one, sdk-behaviour §2.3), it counts there.
            const moved = range(i, steps.length).find(
              (x) =>
                !matched.has(x) && (steps[x] as ReplayStep).dir !== ours && (steps[x] as ReplayStep).conn !== key && tryMatch(steps[x] as ReplayStep, frame),
            );
            if (moved !== undefined) {
              matched.add(moved);
              compared++;
              // Live, the SDK may deliver it on the later connection too (a queued copy): not an extra there.
              const into = (steps[moved] as ReplayStep).conn;
              movedInto.set(into, (movedInto.get(into) ?? 0) + 1);
              continue;
            }
            if (nearest === undefined) continue;
          }
          if (nearest === undefined) {
            return finish({
              kind: 'different',
              step: { ...step, conn: key },
              index: compared,
              actual: frame,
              message: `the live side sent ${typeOf(frame)} on connection ${key} where the recording has nothing more on that connection`,
            });
          }
          const expected = steps[nearest] as ReplayStep;
          // The answer to a state query may be an earlier snapshot than the recorded one: ask again, as the case polled.
          const query = isFrameOfType(expected.frame, 'invocationresult') ? stateQueries.get(expected.frame.invocation_id) : undefined;
          // Or a later one: the state moved on sooner live (a clean-up the recording's engine had not finished when
          // the case first asked), and the recording shows it at a later poll of the same query.
          if (
            query &&
            query.conn === key &&
            isFrameOfType(frame, 'invocationresult') &&
            laterPollAnswers(steps, query.index, ours, expected).some((a) => !compareFrames(a, frame, ids.clone()))
          ) {
            matched.add(nearest);
            compared++;
            deadline = Date.now() + stepTimeoutMs;
            continue;
          }
          if (query && query.conn === key && Date.now() < query.until && isFrameOfType(frame, 'invocationresult')) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            conn.send(query.text);
            deadline = Date.now() + stepTimeoutMs;
            continue;
          }
          const difference = compareFrames(expected.frame ?? expected.text, frame, ids.clone()) ?? { path: '', expected: expected.frame, actual: frame };
          return finish({
            kind: 'different',
            step: expected,
            index: compared,
            difference,
            actual: frame,
            message: `${describe(expected)} differs at ${difference.path || '(the frame)'}: recorded ${JSON.stringify(difference.expected)}, live ${JSON.stringify(difference.actual)}`,
          });
        }
        matched.add(hit);
        compared++;
        deadline = Date.now() + stepTimeoutMs;
      }
      if (progressed) continue;
      const waiting = current.filter((x) => !matched.has(x)).map((x) => steps[x] as ReplayStep);
      const first = waiting[0] as ReplayStep;
      // A frame that raced our own close in the recording may lose the race live: not a divergence.
      const lost = waiting.filter((w) => w.afterClose && live.get(w.conn)?.inbox.closed);
      if (lost.length > 0) {
        for (const x of current) if (lost.includes(steps[x] as ReplayStep)) matched.add(x);
        lostToClose.push(...lost);
        continue;
      }
      const closed = waiting.map((w) => live.get(w.conn)).find((c) => c?.inbox.closed);
      if (closed?.inbox.closed) {
        const c = closed.inbox.closed;
        return finish({
          kind: 'closed',
          step: first,
          index: compared,
          message: `expected ${describe(first)}, but the connection closed (${c.code} ${c.reason})`.trim(),
        });
      }
      if (!(await notifier.wait(deadline - Date.now())) && Date.now() >= deadline) {
        return finish({ kind: 'missing', step: first, index: compared, message: `expected ${describe(first)} within ${stepTimeoutMs} ms; nothing arrived` });
      }
    }
    i = end;
  }
  // Anything the live side sent beyond the recording.
  await (linger ? linger() : notifier.wait(100));
  let extra = 0;
  const extraFrames: { conn: string; frame: unknown }[] = [];
  for (const [key, conn] of live) {
    const from = (taken.get(key) ?? 0) + (movedInto.get(key) ?? 0);
    extra += Math.max(0, conn.inbox.size - from);
    if (closedByUs.has(key)) continue;
    for (let k = from; k < conn.inbox.size; k++) {
      // A frame the live SDK lost to our close and delivered here instead is the recorded one, not an extra.
      const late = lostToClose.findIndex((s) => s.conn !== key && !compareFrames(s.frame ?? s.text, conn.inbox.at(k), ids.clone()));
      if (late >= 0) {
        lostToClose.splice(late, 1);
        continue;
      }
      extraFrames.push({ conn: key, frame: conn.inbox.at(k) });
      break;
    }
  }
  return { ...finish(), extra, ...(extraFrames.length > 0 ? { extraFrames } : {}) };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

function typeOf(frame: unknown): string {
  return frameTypeOf(frame) ?? 'a frame';
}

function sameType(step: ReplayStep, frame: unknown): boolean {
  return isJsonObject(step.frame) && isJsonObject(frame) && step.frame.type === frame.type;
}

/** Both answer the same call: invocation results with one invocation id (a call replay sent keeps its recorded id). */
function sameCall(step: ReplayStep, frame: unknown): boolean {
  return (
    isFrameOfType(step.frame, 'invocationresult') &&
    isFrameOfType(frame, 'invocationresult') &&
    typeof frame.invocation_id === 'string' &&
    step.frame.invocation_id === frame.invocation_id
  );
}

/**
 * The recorded answers to the later polls of the state query at `queryIndex`, each given the invocation id of
 * `answer` (the answer to that query). A later poll is the same list call with the same arguments on the same
 * connection, with nothing else of ours in between: a drop or a call of ours between two asks is a cause the
 * state may answer to, and an answer from after it must not stand for one from before it.
 */
export function laterPollAnswers(steps: readonly ReplayStep[], queryIndex: number, ours: Direction, answer: ReplayStep): unknown[] {
  const query = steps[queryIndex];
  if (!query || !isStateQuery(query.frame) || !isFrameOfType(answer.frame, 'invocationresult')) return [];
  const asked = JSON.stringify([query.frame.function_id, query.frame.data]);
  const out: unknown[] = [];
  for (let k = queryIndex + 1; k < steps.length; k++) {
    const poll = steps[k] as ReplayStep;
    if (poll.dir !== ours) continue;
    if (poll.conn !== query.conn || !isStateQuery(poll.frame) || JSON.stringify([poll.frame.function_id, poll.frame.data]) !== asked) break;
    const id = poll.frame.invocation_id;
    const reply = steps.find(
      (s, x) => x > k && s.dir !== ours && s.conn === query.conn && isFrameOfType(s.frame, 'invocationresult') && s.frame.invocation_id === id,
    );
    if (reply && isJsonObject(reply.frame)) out.push({ ...reply.frame, invocation_id: answer.frame.invocation_id });
  }
  return out;
}

function describe(step: ReplayStep): string {
  const type = frameTypeOf(step.frame) ?? 'frame';
  return `${type} (${step.dir}, connection ${step.conn}, recorded at ${step.t.toFixed(1)} ms, seq ${step.seq})`;
}

/** Plays the recorded worker side against an engine at `url`. */
export async function replayAgainstEngine(script: ReplayScript, url: string, options: { stepTimeoutMs?: number } = {}): Promise<ReplayReport> {
  const sockets: WebSocket[] = [];
  try {
    const result = await play(
      script,
      'worker->engine',
      (key, inbox) =>
        new Promise<LiveConnection>((resolve, reject) => {
          const ws = new WebSocket(url);
          sockets.push(ws);
          ws.on('message', (data) => inbox.push(parseData(data)));
          ws.on('close', (code, reason) => inbox.close(code, reason.toString()));
          ws.once('error', (e) => reject(new Error(`cannot open connection ${key} to ${url}: ${e.message}`)));
          ws.once('open', () => resolve(liveConnection(ws, inbox)));
        }),
      options.stepTimeoutMs ?? 3000,
      new Notifier(),
    );
    return { role: 'worker', target: url, ...result };
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

export interface EngineReplayServer {
  url: string;
  report: Promise<ReplayReport>;
  /** What the live SDK did besides its frames (upgrade requests, closes, pongs, frame times), filled as it happens. */
  observed: LiveObservations;
  close(): Promise<void>;
}

/** How long after the recording's last moment the live side is still watched (a little later is not wrong). */
const LINGER_GRACE_MS = 250;
/**
 * The longest the live side is watched beyond the last step, whatever the recording's length (a hostile
 * transcript's end cannot hold a replay for ever). Above the slow lane's longest quiet tail: a heartbeat case
 * ends ~20 s, an idle-timeout case ~60 s after its last frame, and what the SDK does then is compared.
 */
const MAX_LINGER_MS = 120_000;

/**
 * Plays the recorded engine side: listens on 127.0.0.1 and maps the k-th live connection to the k-th
 * recorded one. Start the SDK (driver) against `url` after calling this. Each upgrade attempt on "/" gets
 * what the recording's engine did with the same attempt (refused with its status, or accepted), unless the
 * recording cannot pair attempts (a listener that went down); the engine's WebSocket pings are re-sent where
 * the recording has their pongs; and after the last step the SDK is watched until the recording's end.
 */
export async function startEngineReplay(
  script: ReplayScript,
  options: { stepTimeoutMs?: number; connectTimeoutMs?: number; target?: string; onCommand?: (command: Record<string, unknown>) => void } = {},
): Promise<EngineReplayServer> {
  const recorded = script.observations;
  const observed: LiveObservations = { upgrades: [], connections: [], pongs: [], pings: [], frames: [] };
  const http = createServer((_req, res) => {
    res.writeHead(426).end();
  });
  const tcpAt = new WeakMap<Socket, number>();
  http.on('connection', (socket: Socket) => tcpAt.set(socket, performance.now()));
  const wss = new WebSocketServer({ noServer: true });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `ws://127.0.0.1:${port}`;
  const accepted: LiveConnection[] = [];
  const waiting: (() => void)[] = [];
  const notifier = new Notifier();
  const timers = new Set<NodeJS.Timeout>();
  // Live moments onto the recorded clock, fixed by the first upgrade request (the same moment in both).
  const toLive = (t: number): number | undefined => {
    const r0 = recorded?.upgrades[0];
    const l0 = observed.upgrades[0];
    return r0 && l0 ? t - r0.t + l0.at : undefined;
  };
  const accept = (ws: WebSocket): void => {
    const index = accepted.length;
    const info: LiveObservations['connections'][number] = { openedAt: performance.now() };
    observed.connections.push(info);
    // The inbox exists from the first moment: the SDK talks before the replay asks for the connection.
    const inbox = new Inbox(notifier);
    ws.on('message', (data) => {
      const frame = parseData(data);
      observed.frames.push({ conn: index, dir: 'worker->engine', at: performance.now(), frame });
      inbox.push(frame);
    });
    ws.on('close', (code, reason) => {
      info.closedAt = performance.now();
      info.closeCode = code;
      inbox.close(code, reason.toString());
    });
    ws.on('pong', (data: Buffer) => observed.pongs.push({ conn: index, at: performance.now(), message: data.toString('base64') }));
    ws.on('ping', (data: Buffer) => observed.pings.push({ conn: index, at: performance.now(), message: data.toString('base64') }));
    ws.on('error', () => {});
    const base = liveConnection(ws, inbox);
    const ours = () => {
      info.closedByUs ??= performance.now();
    };
    accepted.push({
      ...base,
      send: (text) => {
        let frame: unknown = text;
        try {
          frame = JSON.parse(text);
        } catch {
          // raw text the recording sent on purpose
        }
        observed.frames.push({ conn: index, dir: 'engine->worker', at: performance.now(), frame });
        base.send(text);
      },
      sendBinary: (data) => {
        observed.frames.push({ conn: index, dir: 'engine->worker', at: performance.now(), frame: undefined });
        base.sendBinary(data);
      },
      close: () => (ours(), base.close()),
      closeWith: (code, reason) => (ours(), base.closeWith(code, reason)),
      terminate: () => (ours(), base.terminate()),
    });
    // The recording's engine pinged here (its pong is recorded): ping with the same payload at that moment.
    const conn = recorded?.upgrades.filter((u) => u.conn !== undefined)[index]?.conn;
    for (const p of recorded?.pongs.filter((x) => x.conn === conn) ?? []) {
      const due = toLive(p.t);
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          // The payload comes from the file: a control frame carries at most 125 bytes (RFC 6455 §5.5).
          const payload = Buffer.from(p.message, 'base64');
          if (ws.readyState === WebSocket.OPEN && payload.length <= 125) ws.ping(payload);
        },
        due === undefined ? 0 : Math.min(MAX_LINGER_MS, Math.max(0, due - performance.now() - 2)),
      );
      timers.add(timer);
    }
    for (const w of waiting.splice(0)) w();
  };
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    const path = (req.url ?? '/').split('?')[0];
    // Only worker sockets are replayed: an /otel socket (a case with OTel on) is accepted and ignored.
    if (path !== '/') {
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('error', () => {}));
      return;
    }
    const at = performance.now();
    const attempt = observed.upgrades.length + 1;
    const plan = recorded && !recorded.attemptsUnpaired ? recorded.upgrades[attempt - 1] : undefined;
    const upgrade: LiveObservations['upgrades'][number] = {
      attempt,
      at,
      startAt: tcpAt.get(socket) ?? at,
      url: req.url ?? '/',
      headers: headerMap(req.headers),
      outcome: plan?.outcome ?? 'accepted',
    };
    observed.upgrades.push(upgrade);
    if (plan && plan.conn === undefined && plan.status !== undefined) {
      // The status comes from the file: only a real HTTP error status is sent as recorded.
      const status = Number.isInteger(plan.status) && plan.status >= 400 && plan.status <= 599 ? plan.status : 503;
      socket.end(`HTTP/1.1 ${status} Replayed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgrade.accepted = accepted.length;
      accept(ws);
    });
  });
  const order = script.connections.map((c) => c.key);
  const connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
  const linger = async (): Promise<void> => {
    const until = recorded ? toLive(recorded.endT + LINGER_GRACE_MS) : undefined;
    const left = until === undefined ? 100 : Math.min(MAX_LINGER_MS, until - performance.now());
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  };
  const report = play(
    script,
    'engine->worker',
    async (key) => {
      const k = order.indexOf(key);
      // A reconnection gets what the recording took from the previous connection to this one, stretched to the
      // top of the jitter band (each delay the recording drew from [b(1-j), b(1+j)] may come out b(1+j) live,
      // at most (1+j)/(1-j) times the recorded one), plus a step's time: an SDK that never reconnects is named
      // soon after the recording's SDK had reconnected, and one whose jittered delays come out longer is not.
      const acceptedAt = recorded?.upgrades.filter((u) => u.conn !== undefined).map((u) => u.t) ?? [];
      const jitter = Math.min(0.9, Math.max(0, recorded?.reconnection.jitterFactor ?? 0));
      const span =
        k > 0 && acceptedAt[k] !== undefined && acceptedAt[k - 1] !== undefined
          ? (((acceptedAt[k] as number) - (acceptedAt[k - 1] as number)) * (1 + jitter)) / (1 - jitter)
          : undefined;
      // Bounded like the linger: a recording's reconnection may take a minute (default backoff through five refusals).
      const allowed = span === undefined ? connectTimeoutMs : Math.min(MAX_LINGER_MS, Math.round(span) + (options.stepTimeoutMs ?? 5000));
      const deadline = Date.now() + allowed;
      while (accepted.length <= k) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the SDK did not open connection ${k + 1} within ${allowed} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return accepted[k] as LiveConnection;
    },
    options.stepTimeoutMs ?? 5000,
    notifier,
    options.onCommand,
    linger,
  ).then((r) => ({ role: 'engine' as const, target: options.target ?? url, ...r }));
  return {
    url,
    report,
    observed,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
