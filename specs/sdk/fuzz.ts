// The SDK fuzz lane (issue 12): frames generated from schemas/ (engine -> worker direction), valid and
// mutated, some of them split across TCP writes or reordered, thrown at the SDK through the fake engine;
// after every batch a valid invocation must round-trip on the same connection. A death is shrunk to the
// smallest frame sequence that kills a fresh SDK, and that sequence is replayed once more on the case's
// own engine so the case transcript (and so its repro bundle) holds exactly the killing frames.

import { randomUUID } from 'node:crypto';
import { outcome } from '../../harness/cases/model.ts';
import { FakeEngine, type EngineConnection } from '../../harness/fake-engine/index.ts';
import { describeFrame, fuzzFrameArbitrary } from '../../harness/fuzz/frames.ts';
import { sendFuzzFrames } from '../../harness/fuzz/send.ts';
import { describeLane, runFuzzLane, type Death } from '../../harness/fuzz/lane.ts';
import { fuzzFaultSchedule } from '../../harness/fuzz/faults.ts';
import { fuzzFrames, FUZZ_BATCH_SIZE } from '../../harness/fuzz/settings.ts';
import { recordFuzzLane } from '../../harness/fuzz/tally.ts';
import type { SdkCaseContext } from './context.ts';
import { invokeRaw, registerEcho, sameJson, sleep } from './support/frames.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { src, type SdkCase } from './support/sources.ts';

const FN = 'conf::fuzz-echo';

/** registrationrejected is fatal for an SDK by design (sdk-behaviour.md §4.3): never fuzzed on this side. */
export const SDK_FUZZ_EXCLUDED_TYPES = ['registrationrejected'] as const;

/** A valid invocation round-trips on the same connection, or the reason it did not. */
async function serves(ctx: SdkCaseContext, conn: EngineConnection): Promise<Death> {
  const probe = { fuzz: 'still serving', n: randomUUID() };
  const closed = (): string =>
    `the SDK's connection closed (${conn.closeInfo?.code ?? 'no close frame'}${conn.closeInfo?.reason ? ` ${conn.closeInfo.reason}` : ''})`;
  if (!conn.isOpen) return closed();
  try {
    const { frame } = await invokeRaw(conn, FN, probe, { timeoutMs: ctx.timing.replyMs });
    return sameJson(frame.result, probe) ? undefined : `a valid invocation got a wrong answer: ${JSON.stringify(frame).slice(0, 200)}`;
  } catch {
    return conn.isOpen ? 'a valid invocation got no answer' : closed();
  }
}

/** A fresh fake engine (faults optional) with a fresh driver serving FN. */
async function freshSession(ctx: SdkCaseContext, faults?: unknown): Promise<{ engine: FakeEngine; conn: EngineConnection; stop(): Promise<void> }> {
  const engine = await FakeEngine.start({ host: '127.0.0.1', ...(faults === undefined ? {} : { faults }) });
  try {
    const { driver, conn } = await ctx.connect({ engine });
    await registerEcho(ctx, driver, conn, FN);
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await driver.stop();
      await engine.close();
    };
    return { engine, conn, stop };
  } catch (e) {
    await engine.close();
    throw e;
  }
}

export const sdkFuzzCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.fuzz.schema-frames',
    title: 'keeps serving under 10,000 schema-derived frames, valid and mutated, some split or reordered',
    level: 'MUST',
    sources: [src.rule(22), src.behaviour('§9 Bad input from the engine'), src.protocol('§2 Envelope and decoding rules')],
    requires: [],
    lane: 'fast',
    timeoutMs: 300_000,
    disagreement:
      'registrationrejected is left out: it is fatal for SDKs by design (sdk-behaviour.md §4.3). Invalid UTF-8 goes in binary frames only: in a text frame RFC 6455 §8.1 requires failing the connection.',
    async run(ctx) {
      const frames = fuzzFrames();
      const arbitrary = fuzzFrameArbitrary('engine->worker', SDK_FUZZ_EXCLUDED_TYPES);
      const live = await freshSession(ctx, fuzzFaultSchedule(ctx.seed, frames, 'engine->worker'));
      let trials: number = 0;
      let lane;
      try {
        lane = await runFuzzLane({
          frames,
          batchSize: FUZZ_BATCH_SIZE,
          seed: ctx.seed,
          arbitrary,
          signal: ctx.signal,
          send: (batch) => sendFuzzFrames(live.conn, batch),
          check: async () => {
            await sleep(20); // a crash or a close needs a moment to show
            return serves(ctx, live.conn);
          },
          trial: async (seq) => {
            if (trials === 0) await live.stop(); // the dead session is not needed any more
            trials += 1;
            const s = await freshSession(ctx);
            try {
              await sendFuzzFrames(s.conn, seq);
              await sleep(50);
              return await serves(ctx, s.conn);
            } finally {
              await s.stop();
            }
          },
          shrinkRuns: 40,
          shrinkMs: 60_000,
        });
      } finally {
        await live.stop();
      }
      ctx.note(`sdk fuzz lane: ${describeLane(lane)}`, { byMutation: lane.byMutation });
      recordFuzzLane({ side: 'sdk', implementation: `${ctx.implementation.name} ${ctx.implementation.version}`, result: lane });
      const death = lane.death;
      if (!death)
        return outcome.pass(`kept serving: ${describeLane(lane)}`, {
          findings: [{ severity: 'info', message: `frames per mutation: ${JSON.stringify(lane.byMutation)}` }],
        });
      // Once more on the case's own engine, so the transcript and the repro bundle hold the minimal sequence.
      const { driver, conn } = await ctx.connect();
      await registerEcho(ctx, driver, conn, FN);
      ctx.note(`minimal killing sequence (${death.minimal.length} frames), replayed`, { frames: death.minimal });
      await sendFuzzFrames(conn, death.minimal);
      await sleep(50);
      const replayed = await serves(ctx, conn);
      return outcome.fail(
        `stopped serving after ${death.afterFrames} fuzz frames: ${death.reason}; ${death.reproduced ? `shrunk to ${death.minimal.length} frame(s) in ${death.shrinkRuns} runs` : 'the batch alone did not kill a fresh SDK'}: ${death.minimal.slice(0, 3).map(describeFrame).join(' | ')}`,
        'a valid invocation answered after every batch',
        { reason: death.minimalReason, replayedOnCaseEngine: replayed ?? 'survived this time', minimalFrames: death.minimal },
      );
    },
  }),
];
