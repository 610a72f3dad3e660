// Decides, frame by frame, whether a rule of the schedule fires. Counting is per peer (across its
// connections) unless a rule names a connection, so "the 2nd registerfunction" survives reconnects.

import type { Direction } from '../wire/message-types.ts';
import type { FaultAction, FaultRule, FaultSchedule } from './schedule.ts';

export interface FiredFault {
  rule: number;
  action: FaultAction;
  /** The count of matching frames at which the rule fired. */
  nth: number;
  type: string;
}

export interface FrameSite {
  dir: Direction;
  /** The frame's `type`, or "(invalid)" / "(binary)" / "(telemetry)" when it has none. */
  type: string;
  /** 1-based connection index on the peer. */
  connection: number;
  path: string;
  /** Whether the peer consulting the injector is sending or receiving this frame. */
  side: 'sender' | 'receiver';
}

export class FaultInjector {
  private readonly counters: number[];

  constructor(readonly schedule: FaultSchedule) {
    this.counters = schedule.rules.map(() => 0);
  }

  get empty(): boolean {
    return this.schedule.rules.length === 0;
  }

  /** Counts the frame against every rule it matches; returns the first rule that fires, if any. */
  decide(site: FrameSite): FiredFault | undefined {
    let fired: FiredFault | undefined;
    this.schedule.rules.forEach((rule, i) => {
      if (!matchesSite(rule, site)) return;
      const n = (this.counters[i] ?? 0) + 1;
      this.counters[i] = n;
      if (fired) return;
      if (n >= rule.nth && n < rule.nth + (rule.count ?? 1)) {
        if (rule.action.kind === 'split' && site.side === 'receiver') return;
        fired = { rule: i, action: rule.action, nth: n, type: site.type };
      }
    });
    return fired;
  }
}

function matchesSite(rule: FaultRule, site: FrameSite): boolean {
  if (rule.direction !== site.dir) return false;
  if (rule.at !== undefined && rule.at !== site.side) return false;
  // Split needs the sender's socket; a receiver still counts nothing for it, so both peers may hold it.
  if (rule.action.kind === 'split' && site.side === 'receiver') return false;
  if (rule.type !== '*' && rule.type !== site.type) return false;
  if (rule.connection !== undefined && rule.connection !== site.connection) return false;
  if (rule.path !== undefined && rule.path !== site.path) return false;
  return true;
}
