// The engine fuzz lane (issue 12): frames generated from schemas/ (worker -> engine direction), valid and
// mutated, some split across TCP writes or reordered, sent by one fake worker (the offender); after every
// batch the offender's own call and a bystander's call must round-trip through an executor worker. A death
// is shrunk to the smallest sequence that kills a fresh offender connection, then replayed once more so the
// case transcript (and the repro bundle) ends with exactly the killing frames.

import { describeFrame, fuzzFrameArbitrary } from '../../harness/fuzz/frames.ts';
import { sendFuzzFrames } from '../../harness/fuzz/send.ts';
import { fuzzFaultSchedule } from '../../harness/fuzz/faults.ts';
import { describeLane, runFuzzLane, type Death } from '../../harness/fuzz/lane.ts';
import { fuzzFrames, FUZZ_BATCH_SIZE } from '../../harness/fuzz/settings.ts';
import { recordFuzzLane } from '../../harness/fuzz/tally.ts';
import type { FakeWorker } from '../../harness/fake-worker/index.ts';
import type { EngineCaseContext } from './context.ts';
import { call, registerOk, serve, settle, uniqueFunctionId } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure } from '../../harness/cases/failure.ts';
import { doc } from './support/sources.ts';

/** The offender and a bystander both get a call through to the executor, or the reason they did not. */
async function serves(ctx: EngineCaseContext, offender: FakeWorker, bystander: FakeWorker, executor: FakeWorker, fn: string): Promise<Death> {
  const closed = (): string => `the engine closed the fuzzing worker's connection (${offender.closeInfo?.code ?? 'no close frame'})`;
  const attempt = async (w: FakeWorker, who: string): Promise<Death> => {
    try {
      const r = await call(ctx, w, fn, { fuzz: who });
      return r.ok ? undefined : `${who}'s call got an error: ${JSON.stringify(r.error).slice(0, 200)}`;
    } catch (e) {
      return `${who}'s call got no answer: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200)}`;
    }
  };
  try {
    await settle(ctx, offender, executor);
  } catch {
    // settle pings both; a dead offender is reported just below
  }
  if (!offender.isOpen) return closed();
  const mine = await attempt(offender, 'the fuzzing worker');
  if (mine !== undefined) return offender.isOpen ? mine : closed();
  return attempt(bystander, 'another worker (not fuzzing)');
}

export const engineFuzzCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.fuzz.schema-frames',
    title: 'keeps serving the sender and other workers under 10,000 schema-derived frames, valid and mutated, some split or reordered',
    level: 'MUST',
    sources: [doc('§1.3'), doc('§2'), doc('§7'), doc('§11.1 #7')],
    timeoutMs: 300_000,
    disagreement: 'Invalid UTF-8 goes in binary frames only: in a text frame RFC 6455 §8.1 requires failing the connection.',
    async run(ctx) {
      const frames = fuzzFrames();
      const executor = await ctx.worker('executor');
      const fn = uniqueFunctionId('fuzz-echo');
      serve(executor, fn);
      await registerOk(ctx, executor);
      const bystander = await ctx.worker('bystander');
      const live = await ctx.worker('offender', { faults: fuzzFaultSchedule(ctx.seed, frames, 'worker->engine') });
      let trials = 0;
      const lane = await runFuzzLane({
        frames,
        batchSize: FUZZ_BATCH_SIZE,
        seed: ctx.seed,
        arbitrary: fuzzFrameArbitrary('worker->engine'),
        signal: ctx.signal,
        send: (batch) => sendFuzzFrames(live, batch),
        check: () => serves(ctx, live, bystander, executor, fn),
        trial: async (seq) => {
          trials += 1;
          let offender: FakeWorker;
          try {
            offender = await ctx.worker(`shrink-${trials}`);
          } catch {
            return undefined; // the engine is gone altogether: nothing left to shrink against
          }
          try {
            await sendFuzzFrames(offender, seq);
            return await serves(ctx, offender, bystander, executor, fn);
          } finally {
            offender.terminate();
          }
        },
        shrinkRuns: 60,
        shrinkMs: 60_000,
      });
      recordFuzzLane({ side: 'engine', implementation: `${ctx.implementation.name} ${ctx.implementation.version}`, result: lane });
      const death = lane.death;
      if (!death) return `kept serving: ${describeLane(lane)}; per mutation ${JSON.stringify(lane.byMutation)}`;
      let replayed: Death = 'the engine could not be reached for the replay';
      try {
        const last = await ctx.worker('minimal-replay');
        await sendFuzzFrames(last, death.minimal);
        replayed = (await serves(ctx, last, bystander, executor, fn)) ?? 'survived this time';
      } catch {
        // keep the first finding; the replay is a convenience for the transcript
      }
      throw new CaseFailure(
        `stopped serving after ${death.afterFrames} fuzz frames: ${death.reason}; ${death.reproduced ? `shrunk to ${death.minimal.length} frame(s) in ${death.shrinkRuns} runs` : 'the batch alone did not kill a fresh connection'}: ${death.minimal.slice(0, 3).map(describeFrame).join(' | ')}`,
        'both workers served after every batch',
        { reason: death.minimalReason, replayed, minimalFrames: death.minimal },
      );
    },
  }),
];
