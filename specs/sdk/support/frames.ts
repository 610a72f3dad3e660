// Reading what the SDK sent and asking it to do things over the wire, in the vocabulary of the cases.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EngineConnection, ReceivedFrame } from '../../../harness/fake-engine/index.ts';
import type { DriverSession } from '../../../harness/targets/sdk/session.ts';
import type { ReceivedEvent } from '../../../harness/targets/sdk/contract.ts';
import type { SdkCaseContext } from '../context.ts';
import { CaseFailure } from '../../../harness/cases/failure.ts';

export type FrameObject = Record<string, unknown>;

/** JSON equality: key order does not matter (Rust's serde_json sorts object keys). */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null))) && (a === undefined) === (b === undefined);
}

export const REGISTER_WORKER = 'engine::workers::register';
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function asObject(v: unknown): FrameObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as FrameObject) : undefined;
}

export const isWorkerRegisterCall = named('the engine::workers::register call', (frame: unknown): boolean => {
  const f = asObject(frame);
  return f?.type === 'invokefunction' && f.function_id === REGISTER_WORKER;
});

/** Frames on a connection that are registrations (trigger types, functions, triggers, services). */
export const REGISTRATION_TYPES = ['registertriggertype', 'registerfunction', 'registertrigger', 'registerservice'] as const;

export function registrationsOn(conn: EngineConnection, since = 0): FrameObject[] {
  return conn.all((f: unknown) => (REGISTRATION_TYPES as readonly string[]).includes(String(asObject(f)?.type)), since).map((e) => asObject(e.frame) ?? {});
}

/** "registerfunction conf::a" keys, one per registration frame, in arrival order. */
export function registrationKeys(frames: readonly FrameObject[]): string[] {
  return frames.map((f) => `${String(f.type)} ${String(f.id)}`);
}

/** Multiset difference, for "exactly these, each once" checks that allow any order. */
export function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** The first frame on `conn` that is a result for `invocationId` (matched case-insensitively). */
export function resultFor(invocationId: string): (f: unknown) => boolean {
  const id = invocationId.toLowerCase();
  return named(`invocationresult for ${invocationId}`, (f: unknown) => {
    const o = asObject(f);
    return o?.type === 'invocationresult' && typeof o.invocation_id === 'string' && o.invocation_id.toLowerCase() === id;
  });
}

/** Names a predicate, so that a wait that runs out says what it waited for. */
export function named<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

export interface RawInvokeOptions {
  invocationId?: string | null;
  extra?: FrameObject;
  timeoutMs: number;
}

/**
 * Sends an engine `invokefunction` and waits for the matching `invocationresult` as the SDK wrote it
 * (even when it would not pass the validator, so that a wrong frame is seen, not a timeout).
 */
export async function invokeRaw(
  conn: EngineConnection,
  functionId: string,
  data: unknown,
  options: RawInvokeOptions,
): Promise<{ invocationId: string; entry: ReceivedFrame; frame: FrameObject }> {
  const invocationId = options.invocationId ?? randomUUID();
  const since = conn.mark();
  await conn.send({ type: 'invokefunction', invocation_id: invocationId, function_id: functionId, data, ...options.extra });
  // Keep the live value the matcher saw: the transcript keeps parsed frames only up to 1 MiB.
  let live: unknown;
  const isResult = resultFor(invocationId);
  const entry = await conn.waitFor(
    named(`the invocationresult for ${functionId} (${invocationId})`, (f: unknown) => {
      if (!isResult(f)) return false;
      live = f;
      return true;
    }),
    { since, timeoutMs: options.timeoutMs },
  );
  return { invocationId, entry, frame: asObject(live ?? entry.frame) ?? {} };
}

/** Waits until the driver reports that `functionId`'s handler ran (events from index `from`). */
export async function waitInvoked(
  driver: DriverSession,
  functionId: string,
  timeoutMs: number,
  from = 0,
): Promise<Extract<ReceivedEvent, { event: 'invoked' }>> {
  const e = await driver.waitFor((ev) => ev.event === 'invoked' && ev.functionId === functionId, timeoutMs, `invoked ${functionId}`, from);
  if (e.event !== 'invoked') throw new CaseFailure(`the driver exited before the handler of ${functionId} ran`, `an invoked event for ${functionId}`, e);
  return e;
}

/** Registers `functionId` (echo) and waits until the engine has it on `conn`. */
export async function registerEcho(ctx: SdkCaseContext, driver: DriverSession, conn: EngineConnection, functionId: string): Promise<void> {
  await driver.registerFunction(functionId, { kind: 'echo' });
  await conn.waitFor({ type: 'registerfunction', id: functionId }, { timeoutMs: ctx.timing.replyMs });
}

/**
 * The check every robustness case ends with: the same connection is still open and a valid invocation
 * of the echo function gets its correct answer.
 */
export async function assertStillServing(ctx: SdkCaseContext, conn: EngineConnection, functionId: string, after: string): Promise<void> {
  const probe = { still: 'serving', seed: ctx.seed, after };
  if (!conn.isOpen) {
    throw new CaseFailure(`the SDK dropped the connection after ${after}`, 'the connection to stay open', conn.closeInfo ?? 'closed');
  }
  let answer;
  try {
    answer = await invokeRaw(conn, functionId, probe, { timeoutMs: ctx.timing.replyMs });
  } catch (e) {
    throw new CaseFailure(
      `after ${after}, a valid invocation got no answer: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      { invocationresult: { result: probe } },
      conn.closeInfo ? `connection closed (${conn.closeInfo.code})` : 'no invocationresult',
    );
  }
  const result = answer.frame.result;
  if (!sameJson(result, probe) || (answer.frame.error !== undefined && answer.frame.error !== null)) {
    throw new CaseFailure(`after ${after}, a valid invocation got a wrong answer`, { result: probe }, answer.frame);
  }
  if (ctx.engine.connections.filter((c) => c.path === '/').length > 1) {
    throw new CaseFailure(
      `the SDK reconnected after ${after} instead of keeping its connection`,
      'one connection',
      `${ctx.engine.connections.length} connections`,
    );
  }
}

/** Resolves after `ms` (harness clock). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** When the harness received a driver event (every event carries it; some contract types omit it). */
export function receivedAt(e: object): number {
  const at = (e as { at?: unknown }).at;
  return typeof at === 'number' ? at : performance.now();
}
