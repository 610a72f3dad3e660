// What the reconnection properties generate: reconnection configs, fault schedules (drops, refused
// upgrades, accept-then-close, listener downtime, held-back workerregistered, registrations made while
// disconnected) and invocation timeouts. Values are kept to tens or hundreds of ms so one run takes a
// second or two; every value is plain JSON so a counterexample prints, saves and replays as is.
// Shrinking goes towards fewer outages, fewer refusals, smaller delays and simpler drops.

import fc from 'fast-check';
import type { ReconnectionConfig } from '../../../harness/timing/backoff.ts';
import type { Drop, OutageSchedule, Outage, Refusal } from '../backoff/scenario.ts';

/** Close codes an engine may send (1005/1006/1015 cannot be sent; 4000-4999 are application codes). */
export const closeCodeArb = fc.constantFrom(1000, 1001, 1008, 1011, 4000, 4999);
/** HTTP statuses an engine (or a proxy in front of it) may refuse an upgrade with. */
export const statusArb = fc.constantFrom(503, 500, 502, 401, 403, 429);

const two = (x: number): number => Math.round(x * 100) / 100;

export interface DropOptions {
  listenerDown: boolean;
}

export function dropArb(o: DropOptions): fc.Arbitrary<Drop> {
  const options: fc.Arbitrary<Drop>[] = [closeCodeArb.map((code): Drop => ({ kind: 'close', code })), fc.constant<Drop>({ kind: 'terminate' })];
  if (o.listenerDown) options.push(fc.integer({ min: 30, max: 250 }).map((downMs): Drop => ({ kind: 'listener-down', downMs })));
  return fc.oneof(...options);
}

export function refusalArb(acceptThenClose: boolean): fc.Arbitrary<Refusal> {
  const reject = statusArb.map((status): Refusal => ({ kind: 'reject', status }));
  if (!acceptThenClose) return reject;
  return fc.oneof({ weight: 3, arbitrary: reject }, { weight: 1, arbitrary: closeCodeArb.map((code): Refusal => ({ kind: 'accept-then-close', code })) });
}

export interface OutageOptions extends DropOptions {
  acceptThenClose: boolean;
  minRefusals: number;
  maxRefusals: number;
  hold: boolean;
  registerWhileDown: boolean;
  /** At least this many registrations while down in every outage (default 0). */
  minWhileDown?: number;
}

/** Function ids are drawn from a small pool so shrinking can make them short and stable. */
const functionIdArb = fc.integer({ min: 1, max: 99 }).map((n) => `prop::fn-${n}`);
/** Ids registered while disconnected come from their own pool, so they never repeat an earlier id. */
const lateFunctionIdArb = fc.integer({ min: 1, max: 99 }).map((n) => `prop::late-${n}`);

export function outageArb(o: OutageOptions): fc.Arbitrary<Outage> {
  return fc.record({
    drop: dropArb(o),
    refusals: fc.array(refusalArb(o.acceptThenClose), { minLength: o.minRefusals, maxLength: o.maxRefusals }),
    holdRegisteredMs: o.hold ? fc.oneof(fc.constant(0), fc.integer({ min: 20, max: 150 })) : fc.constant(0),
    registerWhileDown: o.registerWhileDown
      ? fc.uniqueArray(lateFunctionIdArb, { minLength: o.minWhileDown ?? 0, maxLength: Math.max(2, o.minWhileDown ?? 0) })
      : fc.constant<string[]>([]),
  });
}

export interface ConfigOptions {
  initial: [number, number];
  /** maxDelayMs - initialDelayMs. */
  extraMax: [number, number];
  multiplier: [number, number];
  jitter: [number, number];
  maxRetries: fc.Arbitrary<number>;
}

export function configArb(o: ConfigOptions): fc.Arbitrary<ReconnectionConfig> {
  return fc
    .record({
      initialDelayMs: fc.integer({ min: o.initial[0], max: o.initial[1] }),
      extra: fc.integer({ min: o.extraMax[0], max: o.extraMax[1] }),
      backoffMultiplier: fc.double({ min: o.multiplier[0], max: o.multiplier[1], noNaN: true }).map(two),
      jitterFactor: fc.double({ min: o.jitter[0], max: o.jitter[1], noNaN: true }).map(two),
      maxRetries: o.maxRetries,
    })
    .map(({ extra, ...rest }) => ({ ...rest, maxDelayMs: rest.initialDelayMs + extra }));
}

/** Registrations before the first drop: 1-3 distinct ids. */
export const initialFunctionsArb = fc.uniqueArray(functionIdArb, { minLength: 1, maxLength: 3 });

/** A schedule whose registrations while down never repeat an id registered earlier. */
export function scheduleArb(outages: fc.Arbitrary<Outage[]>): fc.Arbitrary<OutageSchedule> {
  return fc.record({ functions: initialFunctionsArb, outages }).map(({ functions, outages: list }) => {
    const seen = new Set(functions);
    const cleaned = list.map((o) => {
      const fresh = o.registerWhileDown.filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      return { ...o, registerWhileDown: fresh };
    });
    return { functions, outages: cleaned };
  });
}
