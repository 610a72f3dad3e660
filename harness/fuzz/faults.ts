// Fragmented and reordered fuzz frames: a fault schedule (harness/faults) that splits some frames across
// several TCP writes and holds others back until the next frame has passed. Splits and holds are kept far
// apart (a held frame released in the middle of a split would interleave bytes: a harness fault, not the
// peer's), and the seed only picks the number of parts.

import { seededRandom } from '../util/prng.ts';
import type { FaultRule, FaultSchedule } from '../faults/schedule.ts';
import type { Direction } from '../wire/message-types.ts';

/** In every window of 100 frames: 4 frames split, 1 frame reordered, 50 frames apart. */
export function fuzzFaultSchedule(seed: number, frames: number, direction: Direction): FaultSchedule {
  const random = seededRandom(seed ^ 0x5eed);
  const rules: FaultRule[] = [];
  for (let start = 0; start < frames; start += 100) {
    rules.push({ direction, type: '*', nth: start + 10, count: 4, action: { kind: 'split', parts: 2 + Math.floor(random() * 3), delayMs: 0 } });
    rules.push({ direction, type: '*', nth: start + 60, count: 1, action: { kind: 'reorder', holdMs: 50 } });
  }
  return { name: 'fuzz: split and reordered frames', rules };
}
