// Many deadlines, one timer. Every invoke has a deadline, and nearly every one is met; arming and
// clearing a setTimeout per call cost more than the rest of a round trip's bookkeeping (a Timeout object,
// its list, libuv's clock). Here a call costs a Map entry; the one timer sleeps until the earliest
// deadline and, when it wakes, fires what is due and sleeps again until the next.

import { performance } from 'node:perf_hooks';
import type { TimerSet } from './timers.ts';

interface Due {
  at: number;
  fire: () => void;
}

export class Deadlines<K> {
  private readonly due = new Map<K, Due>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly timers: TimerSet) {}

  /** Calls `fire` after `ms` unless `settle(key)` comes first. */
  add(key: K, ms: number, fire: () => void): void {
    const at = performance.now() + ms;
    this.due.set(key, { at, fire });
    if (at < this.timerAt) this.arm(at);
  }

  /** The deadline of `key` is met (or no longer matters): it will not fire. */
  settle(key: K): void {
    this.due.delete(key);
  }

  clear(): void {
    this.due.clear();
    this.timers.cancel(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(at: number): void {
    this.timers.cancel(this.timer);
    this.timerAt = at;
    this.timer = this.timers.after(at - performance.now(), () => this.sweep());
    // The socket keeps the process alive while a call is pending; this timer alone never should.
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    const fired: Due[] = [];
    for (const [key, d] of this.due) {
      // 1 ms of grace: a timer may wake a hair early on some platforms.
      if (d.at <= now + 1) {
        this.due.delete(key);
        fired.push(d);
      } else if (d.at < next) next = d.at;
    }
    if (next < Infinity) this.arm(next);
    for (const d of fired) d.fire();
  }
}
