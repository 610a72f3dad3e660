// Protocol steps engine cases are written from, over the fake worker: register, call, serve, barrier,
// list. Each helper fails the case (CaseFailure / failed wait) when the engine does not do its part.

import { randomUUID } from 'node:crypto';
import { absent, type Matcher } from '../../../harness/peer/match.ts';
import type { FakeWorker, InvocationOutcome, ReceivedFrame, WorkerCall } from '../../../harness/fake-worker/index.ts';
import type { EngineCaseContext } from '../context.ts';
import { CaseFailure } from '../../../harness/cases/failure.ts';

export { absent };
export type Frame = Record<string, unknown>;

export const UUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newId(): string {
  return randomUUID();
}

/** A function id unique to this run, so cases never collide with each other or with an engine's own. */
export function uniqueFunctionId(stem: string): string {
  return `conf${randomUUID().slice(0, 8)}::${stem}`;
}

export function uniqueName(stem: string): string {
  return `conf-${stem}-${randomUUID().slice(0, 8)}`;
}

/** Parsed frames received since `since` that match. */
export function frames(w: FakeWorker, matcher: Matcher<ReceivedFrame>, since = 0): Frame[] {
  return w.all(matcher, since).map((e) => e.frame as Frame);
}

export interface WorkerMetadata {
  name?: string | undefined;
  namespace?: string;
  pid?: number | undefined;
  runtime?: string;
  version?: string;
  os?: string;
  description?: string;
  isolation?: string;
}

/** `engine::workers::register` with an invocation id and a unique name unless given; resolves with the outcome. */
export async function register(ctx: EngineCaseContext, w: FakeWorker, meta: WorkerMetadata = {}): Promise<InvocationOutcome> {
  const data = { runtime: 'conformance', version: '0.0.0', name: uniqueName('w'), os: process.platform, pid: process.pid, ...meta };
  return w.invoke('engine::workers::register', data, { timeoutMs: ctx.timing.replyMs });
}

/** register() that insists on {"success":true}. */
export async function registerOk(ctx: EngineCaseContext, w: FakeWorker, meta: WorkerMetadata = {}): Promise<void> {
  const r = await register(ctx, w, meta);
  if (!r.ok || (r.result as { success?: unknown } | null)?.success !== true) {
    throw new CaseFailure(`${w.label}: engine::workers::register did not succeed`, { result: { success: true } }, r.frame);
  }
}

export interface CallOptions {
  namespace?: string;
  metadata?: unknown;
  invocationId?: string;
  timeoutMs?: number;
}

/** Sends an id-bearing invokefunction and resolves with its outcome (ok/result or error). */
export function call(ctx: EngineCaseContext, w: FakeWorker, functionId: string, data: unknown, options: CallOptions = {}): Promise<InvocationOutcome> {
  return w.invoke(functionId, data, { timeoutMs: ctx.timing.replyMs, ...options });
}

/** Calls and insists on success; returns `result`. */
export async function callOk(ctx: EngineCaseContext, w: FakeWorker, functionId: string, data: unknown, options: CallOptions = {}): Promise<unknown> {
  const r = await call(ctx, w, functionId, data, options);
  if (!r.ok) throw new CaseFailure(`${functionId} answered with an error`, 'a result', r.frame);
  return r.result;
}

export type Handler = (data: unknown, call: WorkerCall) => unknown;

/**
 * Registers `functionId` on `w`; `handler` answers (default: echo the data). Returns the invocation
 * frames the worker received for it, in order. `hold: true` leaves every invocation unanswered.
 */
export function serve(
  w: FakeWorker,
  functionId: string,
  handler: Handler = (d) => d,
  options: { hold?: boolean; description?: string; metadata?: unknown } = {},
): Frame[] {
  const seen: Frame[] = [];
  void w.registerFunction(
    functionId,
    (data, c) => {
      seen.push(c.frame as Frame);
      return handler(data, c);
    },
    {
      ...(options.hold ? { answer: 'never' as const } : {}),
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    },
  );
  return seen;
}

/**
 * JSON ping -> pong round trip. The engine handles one connection's frames in order, so once the pong is
 * back, everything this worker sent before has been processed.
 */
export async function barrier(ctx: EngineCaseContext, w: FakeWorker): Promise<void> {
  await w.ping({ timeoutMs: ctx.timing.replyMs });
}

/** Barrier on every open worker, in order, then a short quiet window for frames still on their way. */
export async function settle(ctx: EngineCaseContext, ...workers: FakeWorker[]): Promise<void> {
  for (const w of workers) if (w.isOpen) await barrier(ctx, w);
  await sleep(ctx.timing.quietMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Fails when a frame matching `matcher` arrived at or after `since`. Call after settle(). */
export function expectNoFrame(w: FakeWorker, matcher: Matcher<ReceivedFrame>, since: number, summary: string): void {
  const got = frames(w, matcher, since);
  if (got.length > 0) throw new CaseFailure(summary, 'no such frame', got.slice(0, 3));
}

export interface FunctionRow {
  function_id: string;
  namespace: string;
  worker_name?: string;
  [k: string]: unknown;
}

export interface WorkerRow {
  id: string;
  name: string | null;
  namespace: string;
  [k: string]: unknown;
}

function listOf<T>(r: unknown, key: string, fn: string): T[] {
  const rows = typeof r === 'object' && r !== null ? (r as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(rows)) throw new CaseFailure(`${fn} did not answer with a "${key}" array`, `{ "${key}": [...] }`, r);
  return rows as T[];
}

export async function listFunctions(ctx: EngineCaseContext, w: FakeWorker, input: Record<string, unknown> = {}): Promise<FunctionRow[]> {
  return listOf<FunctionRow>(await callOk(ctx, w, 'engine::functions::list', input), 'functions', 'engine::functions::list');
}

export async function listWorkers(ctx: EngineCaseContext, w: FakeWorker, input: Record<string, unknown> = {}): Promise<WorkerRow[]> {
  return listOf<WorkerRow>(await callOk(ctx, w, 'engine::workers::list', input), 'workers', 'engine::workers::list');
}

export async function listTriggerTypes(ctx: EngineCaseContext, w: FakeWorker): Promise<{ id: string; namespace: string }[]> {
  return listOf(await callOk(ctx, w, 'engine::triggers::list', {}), 'triggers', 'engine::triggers::list');
}

/**
 * Polls `probe` until it says ok or `boundMs` passes; resolves with the elapsed time, or fails with the
 * last observation. For "within a bound" checks (cleanup after a disconnect).
 */
export async function eventually<T>(boundMs: number, probe: () => Promise<{ ok: boolean; observed: T }>, summary: string, expected: unknown): Promise<number> {
  const start = Date.now();
  for (;;) {
    const r = await probe();
    if (r.ok) return Date.now() - start;
    if (Date.now() - start > boundMs) throw new CaseFailure(`${summary} (still so after ${boundMs} ms)`, expected, r.observed);
    await sleep(25);
  }
}
