// registrationrejected: the engine refuses a worker name (fatal) or one function id (not fatal).

import { outcome } from '../../harness/cases/model.ts';
import { assertStillServing, isWorkerRegisterCall, registerEcho, sleep } from './support/frames.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';
import type { SdkCaseContext } from './context.ts';

export const registrationCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.registration.worker-conflict-is-fatal',
    title: 'after registrationrejected WORKER_NAMESPACE_CONFLICT the SDK stops: pending calls fail at once and it does not reconnect',
    level: 'MUST',
    sources: [src.rule(19), src.protocol('§3.12'), src.behaviour('§4.3; §10.2')],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 20_000,
    disagreement:
      'iii-sdk@0.22.1 (npm) does not know registrationrejected and reconnects forever into the same conflict (sdk-behaviour.md §10.2); the Node snapshot, Python, Rust and Go treat it as fatal.',
    async run(ctx) {
      const { driver, conn } = await ctx.connect({ workerName: `conf-dup-${ctx.seed}` });
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      ctx.engine.neverAnswer('conf::pending');
      const callTimeoutMs = 10_000;
      const call = driver.startTrigger('conf::pending', {}, { timeoutMs: callTimeoutMs, waitMs: callTimeoutMs + 5000 });
      await conn.waitFor({ type: 'invokefunction', function_id: 'conf::pending' }, { timeoutMs: ctx.timing.replyMs });
      await conn.send({
        type: 'registrationrejected',
        code: 'WORKER_NAMESPACE_CONFLICT',
        namespace: 'default',
        worker_name: `conf-dup-${ctx.seed}`,
        owner_worker_id: '00000000-0000-4000-8000-000000000001',
      });
      conn.close(1000, 'worker name conflict');
      // Long enough to see the reconnect this SDK would make (its fixed retry delay, or the 50 ms default).
      const fixed = typeof ctx.facts.fixedRetryDelayMs === 'number' ? ctx.facts.fixedRetryDelayMs : 0;
      const waitMs = Math.max(800 * ctx.tolerance.timeScale, fixed + 500 * ctx.tolerance.timeScale);
      const rejectedAt = performance.now();
      const reconnect = ctx.engine.waitForUpgrades(2, { timeoutMs: ctx.timing.replyMs }).then(
        () => ({ settled: undefined }),
        () => ({ settled: undefined }),
      );
      const verdict = await Promise.race([call.settled.then((s) => ({ settled: s })), reconnect]);
      // Watch for a reconnect for at least waitMs after the rejection, however quickly the call settled.
      await sleep(Math.max(0, waitMs - (performance.now() - rejectedAt)));
      const reconnected = ctx.engine.upgrades.length > 1;
      check(
        !reconnected,
        'the SDK reconnected after a fatal registrationrejected',
        'no further connection attempt',
        `${ctx.engine.upgrades.length - 1} more upgrade attempt(s)`,
      );
      if (!verdict.settled)
        throw new CaseFailure(
          'a call pending at the fatal rejection was not failed',
          `settled with an error within ${ctx.timing.replyMs} ms (its own timeout is ${callTimeoutMs} ms)`,
          'still pending',
        );
      check(!verdict.settled.ok, 'a call pending at the fatal rejection succeeded', 'an error', verdict.settled);
      return outcome.pass(`stopped; the pending call failed with ${verdict.settled.ok ? '' : (verdict.settled.error.code ?? verdict.settled.error.class)}`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.registration.function-conflict-keeps-serving',
    title: 'after registrationrejected FUNCTION_NAMESPACE_CONFLICT for one function the SDK stays connected and serves the rest',
    level: 'MUST',
    sources: [src.rule(19), src.behaviour('§0.1 Function-id conflict; §4.3')],
    requires: [],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const { driver, conn } = await ctx.connect();
      await registerEcho(ctx, driver, conn, 'conf::echo');
      await driver.registerFunction('conf::taken', { kind: 'echo' });
      await conn.waitFor({ type: 'registerfunction', id: 'conf::taken' }, { timeoutMs: ctx.timing.replyMs });
      await conn.send({
        type: 'registrationrejected',
        code: 'FUNCTION_NAMESPACE_CONFLICT',
        namespace: 'default',
        function_id: 'conf::taken',
        owner_worker_id: '00000000-0000-4000-8000-000000000002',
      });
      await sleep(ctx.timing.quietMs);
      await assertStillServing(ctx, conn, 'conf::echo', 'a FUNCTION_NAMESPACE_CONFLICT rejection');
      return outcome.pass('still connected and serving');
    },
  }),
];
