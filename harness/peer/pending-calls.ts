// The calls an endpoint made and still waits on: both fake peers invoke the other side the same way
// (match the result by id case-insensitively, fail a reused id at once, time out listing what arrived
// instead, reject everything when the socket closes), so that bookkeeping lives here once.

import { performance } from 'node:perf_hooks';
import type { Frame } from '../wire/index.ts';
import type { ErrorBody } from '../wire/types.generated.ts';
import { Deadlines } from './deadlines.ts';
import { closedBecauseSuffix, summarize, type CloseInfo, type ReceivedFrame } from './endpoint.ts';
import { ConnectionClosedError, WaitTimeoutError } from './errors.ts';
import type { TimerSet } from './timers.ts';

export type { ErrorBody };

/** What an invocation came back with. */
export type InvocationOutcome =
  | { ok: true; result: unknown; frame: Frame; elapsedMs: number }
  | { ok: false; error: ErrorBody; frame: Frame; elapsedMs: number };

interface PendingCall {
  functionId: string;
  startedAt: number;
  since: number;
  resolve(outcome: InvocationOutcome): void;
  reject(e: Error): void;
}

/** What PendingCalls reads of its endpoint (for messages and the "arrived instead" window). */
export interface CallingEndpoint {
  readonly label: string;
  readonly closeInfo: CloseInfo | undefined;
  /** Why the harness closed the socket itself, when it did: added to every message about the close. */
  readonly closedBecause: string | undefined;
  mark(): number;
  /** What arrived from index `from`, summarized (Endpoint.arrivedSince). */
  arrivedSince(from: number): { window: string[]; text: string };
}

export class PendingCalls {
  private readonly pending = new Map<string, PendingCall>();
  private readonly deadlines: Deadlines<string>;

  constructor(
    timers: TimerSet,
    private readonly endpoint: CallingEndpoint,
  ) {
    this.deadlines = new Deadlines(timers);
  }

  /**
   * Starts waiting for the result of `invocationId`, then calls `send` (never when the socket is already
   * closed).
   */
  call(functionId: string, invocationId: string, timeoutMs: number, send: () => void): Promise<InvocationOutcome> {
    const ep = this.endpoint;
    if (ep.closeInfo)
      return Promise.reject(
        new ConnectionClosedError(`${ep.label} is closed; cannot invoke ${functionId}${closedBecauseSuffix(ep)}`, ep.closeInfo.code, ep.closeInfo.reason),
      );
    const key = invocationId.toLowerCase();
    const since = ep.mark();
    const earlier = this.pending.get(key);
    if (earlier) {
      // A case reusing an invocation id on purpose sends raw frames; through invoke() it is a mistake.
      this.pending.delete(key);
      earlier.reject(new Error(`${ep.label}: invocation id ${invocationId} was reused by another invoke() before its result arrived`));
    }
    const result = new Promise<InvocationOutcome>((resolve, reject) => {
      this.pending.set(key, { functionId, startedAt: performance.now(), since, resolve, reject });
    });
    this.deadlines.add(key, timeoutMs, () => {
      const p = this.pending.get(key);
      if (!p) return;
      this.pending.delete(key);
      const arrived = ep.arrivedSince(since);
      p.reject(
        new WaitTimeoutError(`${ep.label}: no invocationresult for ${functionId} (${invocationId}) within ${timeoutMs} ms; ${arrived.text}`, arrived.window),
      );
    });
    send();
    return result;
  }

  /** Completes the call an `invocationresult` answers; returns its lower-case id, or undefined if it is not ours. */
  settle(frame: Frame): string | undefined {
    const id = typeof frame.invocation_id === 'string' ? frame.invocation_id.toLowerCase() : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) return undefined;
    this.pending.delete(id);
    this.deadlines.settle(id);
    const elapsedMs = performance.now() - p.startedAt;
    if (frame.error !== undefined && frame.error !== null) p.resolve({ ok: false, error: frame.error as ErrorBody, frame, elapsedMs });
    else p.resolve({ ok: true, result: frame.result ?? null, frame, elapsedMs });
    return id;
  }

  has(invocationId: string): boolean {
    return this.pending.has(invocationId.toLowerCase());
  }

  /** The socket closed: every call still waiting fails with the close code. */
  rejectAll(info: CloseInfo): void {
    this.deadlines.clear();
    const label = this.endpoint.label;
    for (const [id, p] of this.pending) {
      p.reject(
        new ConnectionClosedError(
          `${label} closed (${info.code}) before the result of ${p.functionId} (${id}) arrived${closedBecauseSuffix(this.endpoint)}`,
          info.code,
          info.reason,
        ),
      );
    }
    this.pending.clear();
  }
}
