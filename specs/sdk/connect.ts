// Connect: the handshake, the first frames, the registration burst and the worker's metadata call.

import { hostname } from 'node:os';
import { outcome } from '../../harness/cases/model.ts';
import type { EngineConnection } from '../../harness/fake-engine/index.ts';
import {
  asObject,
  sameJson,
  invokeRaw,
  isWorkerRegisterCall,
  registrationKeys,
  registrationsOn,
  sameMultiset,
  sleep,
  type FrameObject,
} from './support/frames.ts';
import type { SdkCaseContext } from './context.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';

/** The expected burst for the standard registration set below. */
const STANDARD = { triggerType: 'conf-tt', fnA: 'conf::alpha', fnB: 'conf::beta' } as const;

async function registerStandardSet(ctx: SdkCaseContext, driver: Awaited<ReturnType<SdkCaseContext['startDriver']>>): Promise<string[]> {
  const keys = [`registerfunction ${STANDARD.fnA}`, `registerfunction ${STANDARD.fnB}`];
  await driver.registerFunction(STANDARD.fnA, { kind: 'echo' }, { description: 'alpha' });
  await driver.registerFunction(STANDARD.fnB, { kind: 'value', value: 2 });
  if (ctx.implementation.capabilities.includes('trigger-types')) {
    await driver.registerTriggerType(STANDARD.triggerType, 'conformance trigger type');
    keys.push(`registertriggertype ${STANDARD.triggerType}`);
  }
  await driver.registerTrigger(ctx.implementation.capabilities.includes('trigger-types') ? STANDARD.triggerType : 'conf-external', STANDARD.fnA, {
    every: 'never',
  });
  keys.push('registertrigger *');
  return keys;
}

/** Registration keys with trigger ids (client-generated) replaced by "*". */
function normalizedKeys(frames: readonly FrameObject[]): string[] {
  return registrationKeys(frames).map((k) => (k.startsWith('registertrigger ') ? 'registertrigger *' : k));
}

async function waitForBurst(ctx: SdkCaseContext, conn: EngineConnection, expected: readonly string[]): Promise<string[]> {
  const deadline = Date.now() + ctx.timing.replyMs;
  while (Date.now() < deadline) {
    const got = normalizedKeys(registrationsOn(conn));
    if (expected.every((k) => got.includes(k))) break;
    await sleep(20);
  }
  await sleep(ctx.timing.quietMs); // let duplicates, if any, arrive
  return normalizedKeys(registrationsOn(conn));
}

export const connectCases: SdkCase[] = [
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.plain-websocket',
    title: 'connects with a plain WebSocket to the engine URL, on path "/", asking for no subprotocol',
    level: 'MUST',
    sources: [src.rule(1), src.seed('Lifecycle: "The SDK connects to the engine WebSocket endpoint"')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      await ctx.connect();
      const first = ctx.engine.upgrades[0];
      check(first !== undefined, 'no upgrade attempt reached the engine', 'one upgrade on /', 'none');
      check(first.path === '/', `the SDK connected to path ${first.path}`, '/', first.path);
      const proto = first.headers['sec-websocket-protocol'];
      check(proto === undefined, 'the SDK asked for a WebSocket subprotocol', 'no Sec-WebSocket-Protocol header', proto);
      return outcome.pass(`upgrade on "/" without a subprotocol (${first.outcome})`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.no-reattach-on-first-connect',
    title: 'the first connection carries no reattach (there is no previous worker id yet)',
    level: 'SHOULD',
    sources: [src.behaviour('§2.1 "only when a worker_id from an earlier workerregistered is stored"; §4.2'), src.rule(6)],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { conn } = await ctx.connect();
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const reattach = conn.all({ type: 'reattach' });
      check(
        reattach.length === 0,
        'the first connection sent reattach although the SDK had no worker id yet',
        'no reattach',
        reattach.map((e) => e.frame),
      );
      return outcome.pass('no reattach on the first connection');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.registrations-sent-once',
    title: 'registrations made on a live connection reach the engine exactly once each, nothing else registered',
    level: 'MUST',
    sources: [src.seed('Lifecycle: "The worker registers functions, trigger types, triggers"'), src.rule(2, 9), src.behaviour('§2.1')],
    requires: [],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      const { driver, conn } = await ctx.connect();
      await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const expected = await registerStandardSet(ctx, driver);
      const got = await waitForBurst(ctx, conn, expected);
      check(sameMultiset(got, expected), 'the registrations on the connection are not exactly what the driver registered', expected, got);
      return outcome.pass(`exactly ${expected.length} registrations, each once`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.registrations-before-open',
    title: 'registrations made before the connection opens are sent once it opens, each exactly once',
    level: 'MUST',
    sources: [src.behaviour('§2.1 "Registrations done before the first open are not sent twice"'), src.rule(9)],
    requires: [],
    lane: 'fast',
    timeoutMs: 25_000,
    async run(ctx) {
      await ctx.engine.stopListening();
      const driver = await ctx.startDriver();
      const expected = await registerStandardSet(ctx, driver);
      await ctx.engine.resumeListening();
      const conn = await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
      const got = await waitForBurst(ctx, conn, expected);
      check(sameMultiset(got, expected), 'the first connection does not carry exactly the registrations made before it opened', expected, got);
      return outcome.pass(`all ${expected.length} early registrations arrived once`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.worker-metadata',
    title: 'calls engine::workers::register (void, no invocation_id) with runtime, version, name, os and pid',
    level: 'MUST',
    sources: [src.seed('Worker Lifecycle'), src.rule(7), src.behaviour('§2.2')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    disagreement:
      'Position: engine::workers::register comes before the registrations in the Node snapshot and the browser SDK, after them in iii-sdk@0.22.1, Python, Rust and Go (sdk-behaviour.md §10.1 #5); §11.2 #7 says SHOULD come first. Both are allowed; the position is reported as a finding. Rust sends "invocation_id":null, accepted as absent.',
    async run(ctx) {
      // Registered before the connection opens, so the metadata call's position in the burst shows.
      await ctx.engine.stopListening();
      const driver = await ctx.startDriver({ workerName: `conf-meta-${ctx.seed}` });
      await driver.registerFunction('conf::meta', { kind: 'echo' });
      await ctx.engine.resumeListening();
      const conn = await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
      const call = await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      await conn.waitFor({ type: 'registerfunction', id: 'conf::meta' }, { timeoutMs: ctx.timing.replyMs });
      const frame = asObject(call.frame) ?? {};
      const action = asObject(frame.action);
      check(action?.type === 'void', 'engine::workers::register is not a void call', { action: { type: 'void' } }, frame.action);
      check(
        frame.invocation_id === undefined || frame.invocation_id === null,
        'engine::workers::register carries an invocation_id',
        'no invocation_id (or null)',
        frame.invocation_id,
      );
      const data = asObject(frame.data);
      check(data !== undefined, 'engine::workers::register has no object payload', 'data: {runtime, version, name, os, pid}', frame.data);
      const missing = (['runtime', 'version', 'name', 'os'] as const).filter((k) => typeof data[k] !== 'string' || (data[k] as string).trim() === '');
      if (typeof data.pid !== 'number' || !Number.isInteger(data.pid)) missing.push('pid' as never);
      check(missing.length === 0, `engine::workers::register lacks ${missing.join(', ')}`, 'runtime, version, name, os (strings) and pid (integer)', data);
      const regs = conn.all((f: unknown) => ['registerfunction', 'registertrigger', 'registertriggertype'].includes(String(asObject(f)?.type)));
      const position = regs.length === 0 ? 'no registrations' : call.index < regs[0]!.index ? 'before the registrations' : 'after the registrations';
      return outcome.pass(`metadata call with runtime "${String(data.runtime)}", version "${String(data.version)}", sent ${position}`, {
        findings: [{ severity: 'info', message: `engine::workers::register was sent ${position} (both positions are allowed)` }],
      });
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.worker-name-option',
    title: 'the configured worker name is the name in engine::workers::register',
    level: 'MUST',
    sources: [src.seed('Init Options: workerName'), src.rule(7)],
    requires: ['worker-name'],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const name = `conf-name-${ctx.seed}`;
      const { conn } = await ctx.connect({ workerName: name });
      const call = await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const got = asObject(asObject(call.frame)?.data)?.name;
      check(got === name, 'the metadata name is not the configured worker name', name, got);
      return outcome.pass(`name "${name}" sent`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.default-worker-name',
    title: 'without a configured name, the worker is named hostname:pid',
    level: 'SHOULD',
    sources: [src.seed('Init Options: workerName default ${hostname}:${pid}'), src.behaviour('§1 Worker name default')],
    requires: [],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const { driver, conn } = await ctx.connect({ omit: ['workerName'] });
      const call = await conn.waitFor(isWorkerRegisterCall, { timeoutMs: ctx.timing.replyMs });
      const data = asObject(asObject(call.frame)?.data) ?? {};
      const expected = `${hostname()}:${typeof data.pid === 'number' ? data.pid : driver.pid}`;
      check(data.name === expected, 'the default worker name is not hostname:pid', expected, data.name);
      check(data.pid === driver.pid, 'the metadata pid is not the process that runs the SDK', driver.pid, data.pid);
      return outcome.pass(`default name "${expected}"`);
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.handshake-headers',
    title: 'custom handshake headers are sent with the upgrade request',
    level: 'MUST',
    sources: [src.behaviour('§1 Handshake headers')],
    requires: ['headers'],
    lane: 'fast',
    timeoutMs: 15_000,
    async run(ctx) {
      const value = `conf-${ctx.seed}`;
      await ctx.connect({ headers: { 'x-iii-conformance': value } });
      const got = ctx.engine.upgrades[0]?.headers['x-iii-conformance'];
      check(got === value, 'the configured header is not in the upgrade request', value, got);
      return outcome.pass('header sent');
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.connect.serves-before-workerregistered',
    title: 'registers and serves without waiting for workerregistered, and reattaches with an id that arrived late',
    level: 'MUST',
    sources: [src.behaviour('§0.1 "No SDK waits for it before sending"; §2.1'), src.rule(6), src.capture('a3-connect-delayed-workerregistered.jsonl')],
    requires: [],
    lane: 'fast',
    timeoutMs: 20_000,
    async run(ctx) {
      ctx.engine.setWorkerRegistered('hold');
      const { driver, conn } = await ctx.connect();
      await driver.registerFunction('conf::early', { kind: 'echo' });
      await conn.waitFor({ type: 'registerfunction', id: 'conf::early' }, { timeoutMs: ctx.timing.replyMs });
      const answer = await invokeRaw(conn, 'conf::early', { before: 'workerregistered' }, { timeoutMs: ctx.timing.replyMs });
      check(
        sameJson(answer.frame.result, { before: 'workerregistered' }),
        'an invocation before workerregistered was not answered correctly',
        { result: { before: 'workerregistered' } },
        answer.frame,
      );
      ctx.engine.setWorkerRegistered('immediate');
      await conn.sendWorkerRegistered();
      // Barrier: frames are handled in order, so once the SDK answers a call sent after workerregistered,
      // it has seen the late identity.
      await invokeRaw(conn, 'conf::early', { after: 'workerregistered' }, { timeoutMs: ctx.timing.replyMs });
      conn.terminate();
      const next = await ctx.engine.waitForConnection({ timeoutMs: ctx.timing.reconnectMs });
      const first = await next.next(() => true, { timeoutMs: ctx.timing.replyMs });
      const f = asObject(first.frame) ?? {};
      if (f.type !== 'reattach' || f.previous_worker_id !== conn.workerId) {
        throw new CaseFailure(
          'after a late workerregistered, the next connection did not start with reattach carrying that worker id',
          { type: 'reattach', previous_worker_id: conn.workerId },
          first.frame,
        );
      }
      return outcome.pass('served before workerregistered; reattached with the late id');
    },
  }),
];
