// The order model replay compares by: which frames of the live side may arrive in another order than the
// recording, per message type and direction. A recording is one interleaving; it is not a total order.
//
//  - 'independent': the sender sends it without waiting on any frame of the other side (a connect burst,
//    the replay of registrations after a reconnect, a call its user makes). It may arrive anywhere on its
//    connection from the moment it could be sent, so it matches any later recorded frame of the same
//    connection, not only the current window. Its window is its connection: a reconnect is a new one.
//  - 'answer': it answers or follows a frame of the other side (a result, an ack, a routed call). It keeps
//    its causal place: it matches only in the window between the frame of ours it answers and our next one
//    (where concurrent answers form a set: two results of concurrent invocations race in every SDK).
//
// Sources: ../shared/protocol/sdk-behaviour.md §2.1 (no SDK waits for workerregistered; the connect-burst
// order differs per SDK and is unspecified within a group in Rust and Go), §4.1 (re-registration after a
// reconnect), §6 (trigger() calls), §8 (no SDK sends a JSON ping); engine-protocol.md §3 (message catalogue:
// which side sends what in answer to what), §4.1-4.5 (sequences).

import type { Direction } from '../wire/message-types.ts';
import { frameTypeOf, isFrameOfType, type UnvalidatedFrame } from '../wire/unvalidated.ts';

export type OrderClass = 'independent' | 'answer';

export interface OrderRule {
  cls: OrderClass;
  why: string;
  /** The SDK sends it anew on every connect, so each connection carries its own copy (resentOnEveryConnect). */
  everyConnect?: true;
}

type Rules = Partial<Record<string, OrderRule>>;

const REGISTRATION: OrderRule = {
  cls: 'independent',
  everyConnect: true,
  why: 'sent when the worker registers it, and replayed as a burst on every (re)connect, without waiting for the engine (sdk-behaviour §2.1, §4.1); Rust and Go send a group in map order',
};

/** What the worker sends. */
const WORKER_RULES: Rules = {
  reattach: { cls: 'independent', why: 'the first frame on a reconnect, before anything arrives (sdk-behaviour §4.2)' },
  registerfunction: REGISTRATION,
  registertriggertype: REGISTRATION,
  registertrigger: REGISTRATION,
  registerservice: {
    cls: 'independent',
    why: 'sent when the worker registers a service; no current SDK sends one, and only the old v0.4.1 Node SDK replayed it on reconnect (sdk-behaviour §4.1, §10.3)',
  },
  unregisterfunction: { cls: 'independent', why: "sent when the worker's user unregisters, not in answer to the engine (engine-protocol §3.2)" },
  unregistertrigger: { cls: 'independent', why: 'as unregisterfunction (engine-protocol §3.6); Node queues it while offline (sdk-behaviour §2.3)' },
  unregistertriggertype: { cls: 'independent', why: 'as unregisterfunction (engine-protocol §3.3)' },
  invokefunction: {
    cls: 'independent',
    why: 'a call the worker makes: engine::workers::register in the connect burst (its place differs per SDK and version, sdk-behaviour §2.1) or a trigger() of its user (§6), queued and flushed on connect (§2.3)',
  },
  invocationresult: {
    cls: 'answer',
    why: "answers the engine's invokefunction with the same invocation_id (engine-protocol §3.9); results of concurrent invocations form a set",
  },
  triggerregistrationresult: { cls: 'answer', why: "the provider's ack of a registertrigger the engine delivered (engine-protocol §3.5)" },
  pong: { cls: 'answer', why: 'answers a JSON ping (Rust and Go only, sdk-behaviour §8)' },
  ping: { cls: 'independent', why: 'timer-driven where a worker sends one at all (sdk-behaviour §8)' },
};

/** What the engine sends. Everything it sends answers or follows a worker's frame. */
const ENGINE_RULES: Rules = {
  workerregistered: { cls: 'answer', why: 'sent once a connection is accepted (engine-protocol §3.10, §4.1)' },
  invocationresult: { cls: 'answer', why: "answers a worker's invokefunction (engine-protocol §3.9, §4.3)" },
  invokefunction: { cls: 'answer', why: "routes another worker's call to this provider (engine-protocol §3.8, §4.3)" },
  registertrigger: { cls: 'answer', why: 'delivers a binding to its provider after a worker registered it (engine-protocol §3.4, §4.4)' },
  unregistertrigger: { cls: 'answer', why: "follows a worker's unregistertrigger or disconnect (engine-protocol §3.6, §4.6)" },
  triggerregistrationresult: { cls: 'answer', why: 'reports a binding error to the worker that registered it (engine-protocol §3.5)' },
  registrationrejected: { cls: 'answer', why: 'answers a registration the engine refuses (engine-protocol §3.12)' },
  pong: { cls: 'answer', why: 'answers a ping (engine-protocol §3.13)' },
  ping: { cls: 'answer', why: 'the engine sends no JSON ping of its own (engine-protocol §1.4); kept in place if recorded' },
};

const UNKNOWN: OrderRule = { cls: 'answer', why: 'a frame the model does not know keeps its recorded place (the strict choice)' };

export function orderRule(dir: Direction, type: string | undefined): OrderRule {
  const rules = dir === 'worker->engine' ? WORKER_RULES : ENGINE_RULES;
  return (type !== undefined ? rules[type] : undefined) ?? UNKNOWN;
}

/** The worker-metadata call every SDK makes in each connect burst (sdk-behaviour §2.1, §2.2). */
const WORKER_METADATA_CALL = 'engine::workers::register';

/**
 * Does each connection carry its own copy of this worker frame? Registrations are replayed from the SDK's maps on
 * every connect and the worker-metadata call is made again (sdk-behaviour §4.1, §2.1), so a copy that raced our
 * close on one connection is never the next connection's copy: that one comes in the next burst. A queued call or
 * result is sent once (§2.3): the copy that raced our close may be the one the recording has on a later connection.
 */
export function resentOnEveryConnect(dir: Direction, frame: unknown): boolean {
  if (dir !== 'worker->engine') return false;
  if (orderRule(dir, frameTypeOf(frame)).everyConnect) return true;
  return isFrameOfType(frame, 'invokefunction') && frame.function_id === WORKER_METADATA_CALL;
}

/** May this recorded frame be matched by a live frame arriving before its recorded window? */
export function mayArriveEarly(dir: Direction, frame: unknown): boolean {
  return orderRule(dir, frameTypeOf(frame)).cls === 'independent';
}

/** The model as a table (for docs and `replay --order-model`): direction, type, class, reason. */
export function orderModelTable(): { dir: Direction; type: string; cls: OrderClass; why: string }[] {
  const rows = (dir: Direction, rules: Rules) =>
    Object.entries(rules).map(([type, r]) => ({ dir, type, cls: (r as OrderRule).cls, why: (r as OrderRule).why }));
  return [...rows('worker->engine', WORKER_RULES), ...rows('engine->worker', ENGINE_RULES)];
}

/**
 * A state query: an engine list call (`engine::workers::list`, `engine::functions::list`, …). Its answer is a
 * snapshot of state that changes without any frame (a clean-up after a disconnect, a grace period), and the
 * cases poll such queries until the state they wait for shows. So replay (worker side) polls too: when the
 * engine's answer to a replayed state query differs from the recorded one, the query is asked again, up to
 * STATE_QUERY_POLL_MS, and only a different answer at the end is a divergence (engine-protocol.md §4.6 disconnect clean-up,
 * §4.2 namespace grace, §5 the list built-ins). A live answer may also be ahead: one the recording shows at a later
 * poll of the same query, with nothing else of ours in between, matches (replay.ts laterPollAnswers).
 */
export const STATE_QUERY_POLL_MS = 3000;

export function isStateQuery(frame: unknown): frame is UnvalidatedFrame<'invokefunction'> & { function_id: string } {
  return isFrameOfType(frame, 'invokefunction') && typeof frame.function_id === 'string' && /^engine::[a-z-]+::list$/.test(frame.function_id);
}
