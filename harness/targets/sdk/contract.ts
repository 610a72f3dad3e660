// The driver contract (fixtures/drivers/README.md) as TypeScript types: the launch configuration,
// the commands the harness writes to a driver's stdin and the events it reads from its stdout.

import type { Capability } from '../../cases/model.ts';

import type { JsonValue } from '../../wire/types.generated.ts';
import type { DriverCommand, DriverEvent } from './contract.generated.ts';
import { driverEventProblem } from './contract-schema.ts';

// The types themselves are generated from schemas/driver/ (npm run gen:types); this module adds the
// derived forms the session works with.
export type {
  Behaviour,
  DriverCommand,
  DriverConfig,
  DriverEvent,
  ErrorInfo,
  ReadyEvent,
  ReconnectionOptions,
  SdkIdentity,
  SettledEvent,
  TriggerActionSpec,
  WorkerOptions,
} from './contract.generated.ts';

export const CONTRACT_VERSION = 1;

export type Json = JsonValue;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Commands without their `id` (the session assigns ids). */
export type DriverCommandBody = WithoutId<DriverCommand>;

/** An event as the harness received it: `at` is the harness clock (performance.now()), not the driver's. */
export type ReceivedEvent = DriverEvent & { at: number };

/**
 * Parses one stdout line and checks it against the driver-contract schema; returns a reason (one line,
 * naming the field) instead of throwing when it is not a valid contract event.
 */
export function parseEventLine(line: string): { ok: true; event: DriverEvent } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const problem = driverEventProblem(value);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, event: value as DriverEvent };
}

/** Capabilities the case model knows, picked out of what a driver declared (unknown names are kept apart). */
export function splitCapabilities(declared: readonly string[], known: readonly Capability[]): { known: Capability[]; unknown: string[] } {
  const knownSet = new Set<string>(known);
  return {
    known: declared.filter((c): c is Capability => knownSet.has(c)),
    unknown: declared.filter((c) => !knownSet.has(c)),
  };
}
