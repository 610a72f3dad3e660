// Disconnect and re-registration: the engine forgets a worker's registrations when its connection ends
// (engine-protocol §4.6), so after every reconnect the SDK must reattach first and register everything
// again. Backoff timing is in specs/sdk/backoff/ (separate owner).

import { outcome } from '../../harness/cases/model.ts';
import type { EngineConnection } from '../../harness/fake-engine/index.ts';
import {
  asObject,
  sameJson,
  isWorkerRegisterCall,
  receivedAt,
  registrationKeys,
  registrationsOn,
  sameMultiset,
  sleep,
  type FrameObject,
} from './support/frames.ts';
import type { ConnectedWorker, SdkCaseContext } from './context.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

export type DropKind = 'close-1000' | 'terminate' | 'listener-down';

/** Ends the worker's connection the way `kind` says and returns its next connection. */
export async function dropAndReconnect(ctx: SdkCaseContext, conn: EngineConnection, kind: DropKind, downMs = 400): Promise<EngineConnection> {
  ctx.note(`dropping the connection: ${kind}`);
  if (kind === 'close-1000') conn.close(1000, 'conformance: clean close');
  else if (kind === 'terminate') conn.terminate();
  else {
    await ctx.engine.stopListening({ dropConnections: 'terminate' });
    await sleep(downMs);
    await ctx.engine.resumeListening();
  }
  try {
    return await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
  } catch {
    throw new CaseFailure(
      `the SDK did not reconnect within ${ctx.timing.reconnectMs} ms after ${kind}`,
      'a new connection',
      `upgrade attempts: ${ctx.engine.upgrades.length}`,
    );
  }
}

/** Slow enough reconnection that a command lands while the SDK is known to be disconnected. */
const SLOW_RECONNECT = { reconnection: { initialDelayMs: 200, maxDelayMs: 400, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 } };

/**
 * Cuts the connection and refuses the SDK's first attempt to come back, so that when this returns the
 * SDK has noticed the drop and sits in its reconnect delay (a command sent now is made while disconnected).
 */
async function holdDisconnected(ctx: SdkCaseContext, conn: EngineConnection): Promise<void> {
  const fixed = typeof ctx.facts.fixedRetryDelayMs === 'number' ? ctx.facts.fixedRetryDelayMs : 0;
  if (fixed >= 1000) {
    // A fixed, long retry delay (Rust: 2 s) already holds the SDK disconnected; a refused attempt would only
    // add another full delay. Give the SDK a moment to see the close, far inside its delay.
    conn.terminate();
    await conn.waitForClose({ timeoutMs: ctx.timing.replyMs });
    await sleep(Math.min(200 * ctx.tolerance.timeScale, fixed / 4));
    return;
  }
  const before = ctx.engine.upgrades.length;
  ctx.engine.rejectNextUpgrades(1, 503);
  conn.terminate();
  try {
    await ctx.engine.waitForUpgrades(before + 1, { timeoutMs: ctx.timing.reconnectMs });
  } catch {
    throw new CaseFailure('the SDK did not try to reconnect after the drop', 'a reconnection attempt', 'none');
  }
}

interface Registered {
  functions: string[];
  triggerType: string | undefined;
  triggerFrame: FrameObject | undefined;
}

/** Two functions, a trigger type (when supported) and a trigger, all seen by the engine on `conn`. */
async function registerAll(ctx: SdkCaseContext, w: ConnectedWorker): Promise<Registered> {
  const { driver, conn } = w;
  const functions = ['conf::one', 'conf::two'];
  for (const f of functions) await driver.registerFunction(f, { kind: 'echo' }, { description: `fn ${f}` });
  const withTypes = ctx.implementation.capabilities.includes('trigger-types');
  const triggerType = withTypes ? 'conf-tt' : undefined;
  if (triggerType) await driver.registerTriggerType(triggerType, 'conformance trigger type');
  await driver.registerTrigger(triggerType ?? 'conf-external', 'conf::one', { cron: 'never', n: 1 });
  const t = await conn.waitFor({ type: 'registertrigger', function_id: 'conf::one' }, { timeoutMs: ctx.timing.replyMs });
  for (const f of functions) await conn.waitFor({ type: 'registerfunction', id: f }, { timeoutMs: ctx.timing.replyMs });
  if (triggerType) await conn.waitFor({ type: 'registertriggertype', id: triggerType }, { timeoutMs: ctx.timing.replyMs });
  return { functions, triggerType, triggerFrame: asObject(t.frame) };
}

/** Waits until `predicate` holds for the registrations on `conn`, then a quiet window for stragglers. */
async function settleRegistrations(ctx: SdkCaseContext, conn: EngineConnection, done: (frames: FrameObject[]) => boolean): Promise<FrameObject[]> {
  const deadline = Date.now() + ctx.timing.replyMs;
  while (Date.now() < deadline && !done(registrationsOn(conn))) await sleep(20);
  await sleep(ctx.timing.quietMs);
  return registrationsOn(conn);
}

const hasFunctions = (ids: readonly string[]) => (frames: FrameObject[]) => ids.every((id) => frames.some((f) => f.type === 'registerfunction' && f.id === id));

function reconnectCase(kind: DropKind, id: string, title: string, sourceNote: string): SdkCase {
  return defineCase<SdkCaseContext>({
    id,
    title,
    level: 'MUST',
    sources: [src.seed('What Workers Do: "auto-reconnect on disconnect"'), src.behaviour(sourceNote)],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect();
      await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const next = await dropAndReconnect(ctx, w.conn, kind);
      await next.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      return outcome.pass(`reconnected after ${kind} (connection ${next.conn}) and announced itself again`);
    },
  });
}

export const reconnectCases: SdkCase[] = [
  reconnectCase(
    'close-1000',
    'sdk.reconnect.after-clean-close',
    'reconnects after the engine closes the connection cleanly (1000)',
    '§3.3 "No SDK looks at the close code"',
  ),
  reconnectCase(
    'terminate',
    'sdk.reconnect.after-abrupt-drop',
    'reconnects after the connection is cut without a close frame',
    '§3.3 Refused connection vs drop',
  ),
  reconnectCase(
    'listener-down',
    'sdk.reconnect.after-listener-down',
    'reconnects once an engine that was down for a while listens again',
    '§3.3 Refused connection vs drop; captures d3',
  ),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.reattach-first',
    title: 'the first frame after a reconnect is reattach with the previous worker_id and reattach_token',
    level: 'MUST',
    sources: [src.rule(6), src.behaviour('§4.2'), src.protocol('§3.11, §4.5')],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect();
      await registerAll(ctx, w);
      const next = await dropAndReconnect(ctx, w.conn, 'terminate');
      const first = await next.next(() => true, { timeoutMs: ctx.timing.replyMs });
      const expected = { type: 'reattach', previous_worker_id: w.conn.workerId, reattach_token: w.conn.reattachToken };
      const f = asObject(first.frame) ?? {};
      check(f.type === 'reattach', 'the first frame after the reconnect is not reattach', expected, first.frame);
      check(f.previous_worker_id === w.conn.workerId, 'reattach does not carry the previous worker_id', w.conn.workerId, f.previous_worker_id);
      check(f.reattach_token === w.conn.reattachToken, 'reattach does not carry the reattach_token the engine gave', w.conn.reattachToken, f.reattach_token);
      return outcome.pass('reattach first, with the previous identity');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.replays-functions',
    title: 'every function is registered again, with the same ids, after a reconnect',
    level: 'MUST',
    sources: [src.rule(9), src.seed('Worker Lifecycle: "On reconnect, the SDK re-registers everything automatically"'), src.behaviour('§4.1')],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect();
      const r = await registerAll(ctx, w);
      const next = await dropAndReconnect(ctx, w.conn, 'close-1000');
      const frames = await settleRegistrations(ctx, next, hasFunctions(r.functions));
      const got = frames.filter((f) => f.type === 'registerfunction').map((f) => String(f.id));
      check(
        r.functions.every((f) => got.includes(f)),
        'not every function was registered again',
        r.functions,
        got,
      );
      return outcome.pass(`functions ${got.join(', ')} registered again`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.replays-triggers',
    title: 'every trigger is registered again after a reconnect, with the same id, type, function and config',
    level: 'MUST',
    sources: [src.rule(9), src.behaviour('§4.1 "Trigger ids stay the same across reconnects"')],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect();
      const r = await registerAll(ctx, w);
      const before = r.triggerFrame ?? {};
      const next = await dropAndReconnect(ctx, w.conn, 'close-1000');
      const frames = await settleRegistrations(ctx, next, (fs) => fs.some((f) => f.type === 'registertrigger'));
      const again = frames.find((f) => f.type === 'registertrigger' && f.id === before.id);
      const pick = (f: FrameObject | undefined) => f && { id: f.id, trigger_type: f.trigger_type, function_id: f.function_id, config: f.config };
      check(
        again !== undefined,
        'the trigger was not registered again with the same id',
        pick(before),
        frames.filter((f) => f.type === 'registertrigger').map(pick),
      );
      check(sameJson(pick(again), pick(before)), 'the trigger came back different', pick(before), pick(again));
      return outcome.pass(`trigger ${String(before.id)} registered again`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.replays-trigger-types',
    title: 'every trigger type is registered again after a reconnect',
    level: 'MUST',
    sources: [src.rule(9), src.behaviour('§4.1')],
    requires: ['trigger-types'],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect();
      const r = await registerAll(ctx, w);
      const next = await dropAndReconnect(ctx, w.conn, 'close-1000');
      const frames = await settleRegistrations(ctx, next, (fs) => fs.some((f) => f.type === 'registertriggertype'));
      check(
        frames.some((f) => f.type === 'registertriggertype' && f.id === r.triggerType),
        'the trigger type was not registered again',
        r.triggerType,
        registrationKeys(frames),
      );
      return outcome.pass(`trigger type ${String(r.triggerType)} registered again`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.replays-each-once',
    title: 'after a reconnect each registration is sent exactly once, and nothing that was not registered',
    level: 'MUST',
    sources: [src.rule(9), src.behaviour('§2.1, §4.1')],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    disagreement: 'Rust and Go replay each group in map order; any order is accepted (sdk-behaviour.md §12).',
    async run(ctx) {
      const w = await ctx.connect();
      // Register once the connect burst is over (the metadata call ends it in every SDK): a registration made
      // during the burst races the SDK's own replay, which is sdk.connect.registrations-sent-once's subject.
      await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      await registerAll(ctx, w);
      await sleep(ctx.timing.quietMs);
      const first = registrationKeys(registrationsOn(w.conn));
      // What was registered, once each; a duplicate on the first connection is reported, not replayed against.
      const expected = [...new Set(first)];
      const findings =
        first.length === expected.length
          ? []
          : [{ severity: 'warning' as const, message: `the first connection already carried duplicate registrations: ${first.join(', ')}` }];
      const next = await dropAndReconnect(ctx, w.conn, 'terminate');
      const frames = await settleRegistrations(ctx, next, (fs) => fs.length >= expected.length);
      const got = registrationKeys(frames);
      check(sameMultiset(got, expected), 'the replay is not exactly the earlier registrations, once each', expected, got);
      return outcome.pass(`${got.length} registrations replayed once each`, { findings });
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.unregistered-not-replayed',
    title: 'an unregistered function or trigger is announced to the engine and not registered again after a reconnect',
    level: 'MUST',
    sources: [src.behaviour('§4.1 "Unregistered items are removed from the maps, so they are not replayed"'), src.protocol('§3.2, §3.6')],
    requires: ['unregister'],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect();
      const r = await registerAll(ctx, w);
      const ack = await w.driver.request({
        cmd: 'registerTrigger',
        triggerType: r.triggerType ?? 'conf-external',
        functionId: 'conf::two',
        config: { gone: true },
      });
      const t = await w.conn.waitFor({ type: 'registertrigger', function_id: 'conf::two' }, { timeoutMs: ctx.timing.replyMs });
      const triggerId = asObject(t.frame)?.id;
      await w.driver.request({ cmd: 'unregisterFunction', functionId: 'conf::two' });
      await w.driver.request({ cmd: 'unregisterTrigger', triggerHandle: ack.triggerHandle ?? ack.triggerId ?? String(triggerId) });
      await w.conn.waitFor({ type: 'unregisterfunction', id: 'conf::two' }, { timeoutMs: ctx.timing.replyMs });
      await w.conn.waitFor({ type: 'unregistertrigger', id: triggerId }, { timeoutMs: ctx.timing.replyMs });
      const next = await dropAndReconnect(ctx, w.conn, 'terminate');
      const frames = await settleRegistrations(ctx, next, hasFunctions(['conf::one']));
      const back = frames.filter((f) => (f.type === 'registerfunction' && f.id === 'conf::two') || (f.type === 'registertrigger' && f.id === triggerId));
      check(back.length === 0, 'an unregistered function or trigger was registered again after the reconnect', 'neither conf::two nor its trigger', back);
      return outcome.pass('unregistered items stayed gone');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.metadata-every-connect',
    title: 'engine::workers::register is called again on every reconnect',
    level: 'MUST',
    sources: [src.rule(7), src.behaviour('§4.1 "The worker-metadata call is re-sent on every connect"')],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect();
      await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const second = await dropAndReconnect(ctx, w.conn, 'terminate');
      await second.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      return outcome.pass('metadata sent again on the new connection');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.registered-while-disconnected',
    title: 'a function registered while disconnected is registered once the connection is back, exactly once',
    level: 'MUST',
    sources: [src.behaviour('§2.3 Registrations: dropped while offline, then replayed from maps'), src.rule(9)],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect(SLOW_RECONNECT);
      await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      await holdDisconnected(ctx, w.conn);
      await w.driver.registerFunction('conf::offline', { kind: 'echo' });
      const next = await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
      const frames = await settleRegistrations(ctx, next, hasFunctions(['conf::offline']));
      const n = frames.filter((f) => f.type === 'registerfunction' && f.id === 'conf::offline').length;
      check(
        n === 1,
        n === 0 ? 'the function registered while disconnected never reached the engine' : 'the function registered while disconnected arrived more than once',
        'registerfunction conf::offline once',
        registrationKeys(frames),
      );
      return outcome.pass('offline registration arrived once');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.queued-call-sent-once',
    title: 'a trigger() call made while disconnected is sent once after the reconnect, and its answer reaches the caller',
    level: 'MUST',
    sources: [src.behaviour('§2.3 trigger() invokes queued while disconnected'), src.seed('What Workers Do: auto-reconnect')],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      const w = await ctx.connect(SLOW_RECONNECT);
      await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      ctx.engine.answer('conf::queued', { result: { delivered: true } });
      await holdDisconnected(ctx, w.conn);
      const call = w.driver.startTrigger(
        'conf::queued',
        { made: 'offline' },
        { timeoutMs: ctx.timing.reconnectMs + 5000, waitMs: ctx.timing.reconnectMs + 8000 },
      );
      await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
      const settled = await call.settled;
      await sleep(ctx.timing.quietMs);
      const sent = ctx.engine.connections.flatMap((c) => c.all({ type: 'invokefunction', function_id: 'conf::queued' }));
      check(
        sent.length === 1,
        sent.length === 0 ? 'the call made while disconnected was never sent' : `the call made while disconnected was sent ${sent.length} times`,
        'exactly one invokefunction',
        sent.map((e) => e.frame),
      );
      if (!settled.ok) throw new CaseFailure('the queued call did not get its answer', { ok: true, value: { delivered: true } }, settled);
      check(sameJson(settled.value, { delivered: true }), 'the queued call returned another value', { delivered: true }, settled.value);
      return outcome.pass('queued call sent once and answered');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.expired-call-not-sent',
    title: 'a call that timed out while disconnected is not sent once the connection is back',
    level: 'SHOULD',
    sources: [src.behaviour('§2.3 "Expired invokes dropped at flush"; §10.1 #6'), src.rule(15)],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 25_000,
    disagreement:
      "Node and the browser SDK drop queued calls whose caller already got TIMEOUT; Python, Rust and Go send them anyway, so the engine runs work nobody waits for (sdk-behaviour.md §10.1 #6). No document requires either; SHOULD, since sending it wastes the callee's work.",
    async run(ctx) {
      const w = await ctx.connect(SLOW_RECONNECT);
      await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      ctx.engine.answer('conf::expired', { result: 'too late' });
      await holdDisconnected(ctx, w.conn);
      const settled = await w.driver.trigger('conf::expired', { made: 'offline' }, { timeoutMs: 100, waitMs: ctx.timing.replyMs });
      if (settled.ok) {
        // Only possible when the command reached the SDK after it had reconnected: the machine was too slow
        // to keep the SDK disconnected for the call, so nothing can be concluded.
        return outcome.indeterminate('the call reached the SDK only after it had reconnected (machine too slow to hold it disconnected)');
      }
      const next = await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
      await next.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      await sleep(ctx.timing.quietMs);
      const sent = ctx.engine.connections.flatMap((c) => c.all({ type: 'invokefunction', function_id: 'conf::expired' }));
      check(
        sent.length === 0,
        'a call whose caller already got its timeout was sent after the reconnect',
        'no invokefunction for the expired call',
        sent.map((e) => e.frame),
      );
      return outcome.pass('the expired call was dropped, not sent');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.reconnect.pending-call-at-disconnect',
    judgesTiming: true,
    title: 'a call pending when the connection drops settles with an error no later than its timeout (what happens is reported)',
    level: 'INFO',
    sources: [src.behaviour('§6 Pending calls when the socket drops; §10.1 #6'), src.rule(15)],
    requires: ['per-call-timeout'],
    lane: 'fast',
    timeoutMs: 25_000,
    disagreement:
      'No document says what happens to a call in flight at a disconnect. All SDKs keep it until its timeout (sdk-behaviour.md §10.1 #6); rejecting at once or re-sending it once would also be reasonable. The case reports which, and fails only if the call never settles, succeeds without an answer, or is sent more than twice.',
    async run(ctx) {
      const timeoutMs = 500;
      const w = await ctx.connect();
      await w.conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      ctx.engine.neverAnswer('conf::inflight');
      const probe = ctx.loadProbe();
      const sentAt = performance.now();
      const call = w.driver.startTrigger('conf::inflight', {}, { timeoutMs, waitMs: timeoutMs * 4 + ctx.timing.reconnectMs });
      await w.conn.waitFor({ type: 'invokefunction', function_id: 'conf::inflight' }, { timeoutMs: ctx.timing.replyMs });
      const next = await dropAndReconnect(ctx, w.conn, 'terminate');
      const settled = await call.settled;
      await sleep(ctx.timing.quietMs);
      const elapsed = receivedAt(settled) - sentAt;
      const resent = next.all({ type: 'invokefunction', function_id: 'conf::inflight' }).length;
      const sample = ctx.judge(
        { label: 'pending call settled', measuredMs: elapsed, allowedMinMs: 0, allowedMaxMs: timeoutMs + 250 * ctx.tolerance.timeScale },
        probe,
      );
      const how = settled.ok ? 'succeeded' : `failed with ${settled.error.code ?? settled.error.class} after ${Math.round(elapsed)} ms`;
      const disposition = `${how}; ${resent === 0 ? 'not re-sent' : `re-sent ${resent} time(s)`} on the new connection`;
      if (settled.ok) throw new CaseFailure('a call whose connection dropped succeeded without an answer', 'an error', settled);
      check(resent <= 1, 'the pending call was re-sent more than once', 'at most one re-send', resent);
      if (sample.verdict === 'FAIL')
        throw new CaseFailure(
          `the pending call did not settle within its timeout: ${disposition}`,
          `settled within ${timeoutMs} ms`,
          `${Math.round(elapsed)} ms`,
          { timings: [sample] },
        );
      if (sample.verdict === 'INDETERMINATE') return outcome.indeterminate(`${disposition}; ${sample.reason ?? ''}`, { timings: [sample] });
      return outcome.pass(`the pending call ${disposition}`, {
        timings: [sample],
        findings: [{ severity: 'info', message: `pending call at disconnect: ${disposition}` }],
      });
    },
  }),
];
