// The fuzz loop says both yes and no: a peer that survives everything gets every frame and no death; a
// peer that dies on deep nesting is caught after the first killing batch and shrunk to one killing frame.
import { describe, expect, it } from 'vitest';
import { fuzzFrameArbitrary, wirePayload, type FuzzFrame } from '../../harness/fuzz/frames.ts';
import { runFuzzLane, type Death } from '../../harness/fuzz/lane.ts';

/** A toy peer: dies (for good) when a frame nests deeper than 64 levels. */
function toyPeer(): { send(frames: readonly FuzzFrame[]): Promise<void>; check(): Promise<Death> } {
  let dead: Death;
  return {
    async send(frames) {
      for (const f of frames) {
        const text = Buffer.from(wirePayload(f).data).toString('latin1');
        let depth = 0;
        let deepest = 0;
        for (const c of text) {
          if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
          else if (c === ']' || c === '}') depth--;
        }
        if (deepest > 64) dead ??= 'nesting too deep';
      }
    },
    async check() {
      return dead;
    },
  };
}

const base = { batchSize: 100, seed: 11, arbitrary: fuzzFrameArbitrary('engine->worker'), shrinkRuns: 200, shrinkMs: 20_000 };

describe('runFuzzLane', () => {
  it('sends every frame to a peer that never dies, and counts them per mutation', async () => {
    const r = await runFuzzLane({ ...base, frames: 1000, send: async () => {}, check: async () => undefined, trial: async () => undefined });
    expect(r.death).toBeUndefined();
    expect(r.sent).toBe(1000);
    expect(r.batches).toBe(10);
    expect(Object.values(r.byMutation).reduce((a, b) => a + b, 0)).toBe(1000);
    expect(r.framesPerSecond).toBeGreaterThan(0);
  });

  it('catches a peer that dies on deep frames and shrinks the batch to one deep frame', async () => {
    const live = toyPeer();
    const r = await runFuzzLane({
      ...base,
      frames: 1000,
      send: live.send,
      check: live.check,
      trial: async (seq) => {
        const fresh = toyPeer();
        await fresh.send(seq);
        return fresh.check();
      },
    });
    expect(r.death?.reason).toBe('nesting too deep');
    expect(r.sent).toBe(r.death?.afterFrames);
    expect(r.death?.reproduced).toBe(true);
    expect(r.death?.minimal).toHaveLength(1);
    expect(r.death?.minimal[0]?.mutation).toBe('deep-value');
  });

  it('keeps the whole batch, marked not reproduced, when a fresh session survives it', async () => {
    const r = await runFuzzLane({ ...base, frames: 300, send: async () => {}, check: async () => 'died once', trial: async () => undefined });
    expect(r.death?.reproduced).toBe(false);
    expect(r.death?.minimal).toHaveLength(100);
  });
});
