// The driver contract (fixtures/drivers/README.md) as TypeScript types: the launch configuration,
// the commands the harness writes to a driver's stdin and the events it reads from its stdout.

import type { Capability } from '../../cases/model.ts';

export const CONTRACT_VERSION = 1;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ReconnectionOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  backoffMultiplier?: number;
  jitterFactor?: number;
  /** -1: retry forever. */
  maxRetries?: number;
}

/** Worker options a case may set; the engine URL is added by the launcher. */
export interface WorkerOptions {
  workerName?: string;
  description?: string;
  namespace?: string;
  invocationTimeoutMs?: number;
  reconnection?: ReconnectionOptions;
  /** Worker metrics reporting. Default false. */
  metrics?: boolean;
  /** OpenTelemetry (a second socket to /otel). Default false for every driver. */
  otel?: boolean;
  headers?: Record<string, string>;
  /** Browser driver only: leave Chromium's background-timer throttling on (default off). */
  browserThrottling?: boolean;
}

export interface DriverConfig extends WorkerOptions {
  contract: typeof CONTRACT_VERSION;
  url: string;
}

/** What a registered function does each time it is invoked. */
export type Behaviour =
  | { kind: 'echo' }
  | { kind: 'value'; value: Json }
  | { kind: 'void' }
  | { kind: 'throw'; message: string }
  | { kind: 'sleep'; ms: number; then?: Behaviour }
  | { kind: 'call'; functionId: string; payload?: Json; timeoutMs?: number };

export type TriggerActionSpec = { type: 'void' } | { type: 'enqueue'; queue: string };

/** Commands without their `id` (the session assigns ids). */
export type DriverCommandBody =
  | { cmd: 'registerFunction'; functionId: string; behaviour: Behaviour; description?: string; metadata?: Json }
  | { cmd: 'unregisterFunction'; functionId: string }
  | { cmd: 'registerTrigger'; triggerType: string; functionId: string; config: Json; metadata?: Json; triggerId?: string }
  | { cmd: 'unregisterTrigger'; triggerHandle: string }
  | { cmd: 'registerTriggerType'; triggerType: string; description: string; rejectWith?: string }
  | { cmd: 'trigger'; functionId: string; payload: Json; timeoutMs?: number; action?: TriggerActionSpec; metadata?: Json }
  | { cmd: 'reloadPage' }
  | { cmd: 'hidePage' }
  | { cmd: 'shutdown' };

export type DriverCommand = DriverCommandBody & { id: string };

export interface SdkIdentity {
  name: string;
  version: string;
  language: string;
}

export interface ReadyEvent {
  event: 'ready';
  contract: number;
  sdk: SdkIdentity;
  capabilities: string[];
  facts: Record<string, Json>;
  ignoredOptions: string[];
  worker: { name: string | null };
}

export interface ErrorInfo {
  code?: string;
  message: string;
  /** The SDK's (or language's) error class, e.g. InvocationError, Error::Timeout, ErrTimeout. */
  class: string;
}

export type DriverEvent =
  | ReadyEvent
  | { event: 'ack'; id: string; triggerId?: string; triggerHandle?: string }
  | ({ event: 'error'; id?: string } & ErrorInfo)
  | { event: 'invoked'; functionId: string; input: Json; metadata?: Json }
  | { event: 'settled'; id: string; ok: true; value?: Json }
  | { event: 'settled'; id: string; ok: false; error: ErrorInfo }
  | { event: 'triggerRequest'; op: 'register' | 'unregister'; triggerType: string; trigger: { id: string; functionId: string; config: Json; metadata?: Json } }
  | { event: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; source?: string }
  | { event: 'exit'; code: number; reason: string };

export type SettledEvent = Extract<DriverEvent, { event: 'settled' }>;

/** An event as the harness received it: `at` is the harness clock (performance.now()), not the driver's. */
export type ReceivedEvent = DriverEvent & { at: number; t?: number };

const EVENT_NAMES = new Set(['ready', 'ack', 'error', 'invoked', 'settled', 'triggerRequest', 'log', 'exit']);

/** Parses one stdout line; returns a reason instead of throwing when it is not a contract event. */
export function parseEventLine(line: string): { ok: true; event: DriverEvent & { t?: number } } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const name = (value as { event?: unknown }).event;
  if (typeof name !== 'string' || !EVENT_NAMES.has(name)) return { ok: false, reason: `unknown event ${JSON.stringify(name)}` };
  return { ok: true, event: value as DriverEvent & { t?: number } };
}

/** Capabilities the case model knows, picked out of what a driver declared (unknown names are kept apart). */
export function splitCapabilities(declared: readonly string[], known: readonly Capability[]): { known: Capability[]; unknown: string[] } {
  const knownSet = new Set<string>(known);
  return {
    known: declared.filter((c): c is Capability => knownSet.has(c)),
    unknown: declared.filter((c) => !knownSet.has(c)),
  };
}
