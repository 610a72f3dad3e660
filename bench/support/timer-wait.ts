// Measures how long the harness process spends waiting on its own timers: sleeps, quiet windows and
// deadlines that ran out. The runner has no such accounting, so this wraps the process's timers before
// any catalogue module is loaded: globalThis.setTimeout, node:timers setTimeout and node:timers/promises
// setTimeout (synced into their ESM bindings). A timer counts when it FIRED and its delay was at least
// `minDelayMs` (default 100 ms: quiet windows are 200 ms, reply deadlines seconds); the interval from
// its creation to its firing is a wait. A timer cleared before firing (a deadline the implementation
// beat) is not a wait on a timer, nor are short polls (a 5 ms waitUntil, a 50 ms port probe): that is
// time spent waiting on the implementation. Waits of one case are merged as a union of intervals.

import { createRequire, syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';

export interface Interval {
  start: number;
  end: number;
}

const waits: Interval[] = [];
let installed = false;

type AnyFn = (...args: unknown[]) => unknown;

export function installTimerWaitAccounting(minDelayMs = 100): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const timers = require('node:timers') as { setTimeout: AnyFn };
  const promises = require('node:timers/promises') as { setTimeout: (ms?: number, value?: unknown, options?: unknown) => Promise<unknown> };

  const original = globalThis.setTimeout as unknown as AnyFn;
  const wrapped = function (this: unknown, callback: unknown, ms?: unknown, ...args: unknown[]): unknown {
    const delay = Number(ms) || 0;
    if (typeof callback !== 'function' || delay < minDelayMs) return original.call(this, callback, ms, ...args);
    const start = performance.now();
    return original.call(
      this,
      (...a: unknown[]) => {
        waits.push({ start, end: performance.now() });
        return (callback as AnyFn)(...a);
      },
      ms,
      ...args,
    );
  };
  Object.assign(wrapped, original); // keeps util.promisify.custom
  (globalThis as { setTimeout: unknown }).setTimeout = wrapped;
  timers.setTimeout = wrapped;

  const originalPromise = promises.setTimeout;
  promises.setTimeout = async (ms?: number, value?: unknown, options?: unknown): Promise<unknown> => {
    const start = performance.now();
    const v = await originalPromise(ms, value, options);
    if ((Number(ms) || 0) >= minDelayMs) waits.push({ start, end: performance.now() });
    return v;
  };
  syncBuiltinESMExports();
}

/** Total length of the union of recorded waits, clipped to [from, to]. */
export function timerWaitMs(from: number, to: number): number {
  const clipped = waits
    .map((w) => ({ start: Math.max(from, w.start), end: Math.min(to, w.end) }))
    .filter((w) => w.end > w.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let cur: Interval | undefined;
  for (const w of clipped) {
    if (!cur || w.start > cur.end) {
      if (cur) total += cur.end - cur.start;
      cur = { ...w };
    } else cur.end = Math.max(cur.end, w.end);
  }
  if (cur) total += cur.end - cur.start;
  return total;
}
