// Fragmented and reordered fuzz frames: a fault schedule (harness/faults) derived from the lane's seed that
// splits some frames across several TCP writes and holds others back until the next frame has passed.

import { seededRandom } from '../util/prng.ts';
import type { FaultRule, FaultSchedule } from '../faults/schedule.ts';
import type { Direction } from '../wire/message-types.ts';

/** About one frame in 25 split, one in 50 reordered, in runs of a few frames. */
export function fuzzFaultSchedule(seed: number, frames: number, direction: Direction): FaultSchedule {
  const random = seededRandom(seed ^ 0x5eed);
  const rules: FaultRule[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(frames / 100)); i++) {
    rules.push({ direction, type: '*', nth: 1 + Math.floor(random() * frames), count: 4, action: { kind: 'split', parts: 2 + Math.floor(random() * 3), delayMs: 0 } });
  }
  for (let i = 0; i < Math.max(1, Math.floor(frames / 50)); i++) {
    rules.push({ direction, type: '*', nth: 1 + Math.floor(random() * frames), count: 1, action: { kind: 'reorder', holdMs: 50 } });
  }
  return { name: 'fuzz: split and reordered frames', rules };
}
