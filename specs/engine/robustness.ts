// Bad input (§1.3, §7, §11.1 #7-#9): malformed JSON, unknown types, schema-violating frames generated
// with fast-check, binary and telemetry frames, unknown fields and nulls, large frames. The engine drops
// what it cannot decode, answers nothing for it, and keeps the offending connection's other traffic and
// every other worker's traffic working.

import fc from 'fast-check';
import type { FakeWorker } from '../../harness/fake-worker/index.ts';
import { validateFrame } from '../../harness/wire/index.ts';
import type { EngineCaseContext } from './context.ts';
import { outcome } from '../../harness/cases/model.ts';
import { barrier, call, expectNoFrame, frames, listTriggerTypes, newId, registerOk, serve, settle, uniqueFunctionId, type Frame } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';

interface Stage {
  offender: FakeWorker;
  bystander: FakeWorker;
  executor: FakeWorker;
  fn: string;
  /** Invocations the executor received for fn. */
  seen: Frame[];
}

async function stage(ctx: EngineCaseContext): Promise<Stage> {
  const executor = await ctx.worker('executor');
  const fn = uniqueFunctionId('echo');
  const seen = serve(executor, fn);
  await registerOk(ctx, executor);
  const offender = await ctx.worker('offender');
  const bystander = await ctx.worker('bystander');
  return { offender, bystander, executor, fn, seen };
}

/** The offender and a bystander can still ping and call; nothing but pongs came back for the garbage. */
async function stillServing(ctx: EngineCaseContext, s: Stage, since: number): Promise<void> {
  await settle(ctx, s.offender, s.executor);
  check(s.offender.isOpen, 'the engine closed the connection that sent bad input', 'open', s.offender.closeInfo);
  expectNoFrame(s.offender, (f: unknown) => (f as { type?: string } | undefined)?.type !== 'pong', since, 'the engine replied to bad input');
  const mine = await call(ctx, s.offender, s.fn, { after: 'garbage' });
  check(mine.ok, 'the offending connection’s next call failed', 'a result', mine.frame);
  const theirs = await call(ctx, s.bystander, s.fn, { bystander: true });
  check(theirs.ok, 'another worker’s call failed after the bad input', 'a result', theirs.frame);
}

/** Required (and typed optional) fields of every worker-to-engine frame, with a valid example. */
const TEMPLATES: Record<string, { frame: (fn: string) => Frame; strings: string[]; anyRequired: string[]; uuids: string[] }> = {
  registerfunction: {
    frame: () => ({ type: 'registerfunction', id: uniqueFunctionId('gen'), description: 'd' }),
    strings: ['id', 'description'],
    anyRequired: [],
    uuids: [],
  },
  unregisterfunction: { frame: (fn) => ({ type: 'unregisterfunction', id: fn }), strings: ['id'], anyRequired: [], uuids: [] },
  registerservice: { frame: () => ({ type: 'registerservice', id: 'conf-svc', name: 'svc' }), strings: ['id', 'name'], anyRequired: [], uuids: [] },
  registertriggertype: {
    frame: () => ({ type: 'registertriggertype', id: 'conf-gen-type', description: 'd', namespace: 'gen' }),
    strings: ['id', 'description', 'namespace'],
    anyRequired: [],
    uuids: [],
  },
  registertrigger: {
    frame: (fn) => ({ type: 'registertrigger', id: newId(), trigger_type: 'conf-gen-type', function_id: fn, config: {} }),
    strings: ['id', 'trigger_type', 'function_id'],
    anyRequired: ['config'],
    uuids: [],
  },
  unregistertrigger: {
    frame: () => ({ type: 'unregistertrigger', id: newId(), trigger_type: 't' }),
    strings: ['id', 'trigger_type'],
    anyRequired: [],
    uuids: [],
  },
  triggerregistrationresult: {
    frame: (fn) => ({ type: 'triggerregistrationresult', id: newId(), trigger_type: 't', function_id: fn }),
    strings: ['id', 'trigger_type', 'function_id'],
    anyRequired: [],
    uuids: [],
  },
  invokefunction: {
    frame: (fn) => ({ type: 'invokefunction', invocation_id: newId(), function_id: fn, data: { k: 1 }, namespace: 'default' }),
    strings: ['function_id', 'namespace', 'traceparent'],
    anyRequired: ['data'],
    uuids: ['invocation_id'],
  },
  invocationresult: {
    frame: (fn) => ({ type: 'invocationresult', invocation_id: newId(), function_id: fn, error: { code: 'x', message: 'y' } }),
    strings: ['function_id'],
    anyRequired: [],
    uuids: ['invocation_id'],
  },
  reattach: {
    frame: () => ({ type: 'reattach', previous_worker_id: newId(), reattach_token: newId() }),
    strings: ['previous_worker_id', 'reattach_token'],
    anyRequired: [],
    uuids: [],
  },
};

const WRONG_FOR_STRING = [5, true, [], { x: 1 }];
const WRONG_FOR_UUID = ['not-a-uuid', 42, '', '123e4567-e89b-12d3-a456-42661417400z'];

const mutation = fc.record({
  type: fc.constantFrom(...Object.keys(TEMPLATES)),
  kind: fc.constantFrom('delete-required', 'wrong-string', 'wrong-uuid', 'bad-action', 'bad-error-body'),
  pick: fc.nat(),
  wrong: fc.nat(),
});

/** A schema-violating variant of a valid frame, or undefined when the mutation does not apply. */
function violate(m: { type: string; kind: string; pick: number; wrong: number }, fn: string): Frame | undefined {
  const t = TEMPLATES[m.type]!;
  const f = t.frame(fn);
  const pick = <T>(xs: T[]): T | undefined => (xs.length === 0 ? undefined : xs[m.pick % xs.length]);
  switch (m.kind) {
    case 'delete-required': {
      const required = [
        ...t.strings.filter(
          (k) =>
            !['description', 'namespace', 'name', 'traceparent', 'reattach_token', 'trigger_type'].includes(k) ||
            (m.type === 'registertriggertype' && k === 'description'),
        ),
        ...t.anyRequired,
        ...(m.type === 'invocationresult' ? t.uuids : []),
      ];
      const k = pick(required);
      if (k === undefined) return undefined;
      delete f[k];
      return f;
    }
    case 'wrong-string': {
      const k = pick(t.strings);
      if (k === undefined) return undefined;
      f[k] = WRONG_FOR_STRING[m.wrong % WRONG_FOR_STRING.length];
      return f;
    }
    case 'wrong-uuid': {
      const k = pick(t.uuids);
      if (k === undefined) return undefined;
      f[k] = WRONG_FOR_UUID[m.wrong % WRONG_FOR_UUID.length];
      return f;
    }
    case 'bad-action':
      if (m.type !== 'invokefunction') return undefined;
      f.action = [{ type: 'bogus' }, { type: 'enqueue' }, 'void', { type: 'Void' }][m.wrong % 4];
      return f;
    case 'bad-error-body':
      if (m.type !== 'invocationresult') return undefined;
      f.error = [{ code: 'x' }, { message: 'y' }, 'boom', { code: 1, message: 'y' }][m.wrong % 4];
      return f;
  }
  return undefined;
}

export const robustnessCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.malformed-json',
    title: 'Malformed JSON, non-objects, random text and random binary are dropped without reply or close',
    level: 'MUST',
    sources: [doc('§1.3'), doc('§7'), doc('§11.1 #7'), src('engine/src/engine/mod.rs handle_worker read loop')],
    timeoutMs: 8000,
    async run(ctx) {
      const s = await stage(ctx);
      const since = s.offender.mark();
      const fixed = [
        '{bad',
        '[1,2]',
        '"str"',
        '42',
        'null',
        '{}',
        '{"type":5}',
        '{"type":"invokefunction"',
        '{"type":"ping"',
        '\u0000\u0001',
        '{"type":null}',
        '{"type":"ping"}{"type":"ping"}',
      ];
      const texts = fc.sample(fc.string({ maxLength: 200 }), { seed: ctx.seed, numRuns: 40 });
      const bytes = fc
        .sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), { seed: ctx.seed + 1, numRuns: 30 })
        .filter((b) => !['OTLP', 'MTRC', 'LOGS'].includes(Buffer.from(b.subarray(0, 4)).toString('latin1')));
      for (const t of [...fixed, ...texts]) if (!validateFrame(t).ok) await s.offender.sendRaw(t);
      for (const b of bytes) if (!validateFrame(Buffer.from(b)).ok) await s.offender.sendRaw(b, { binary: true });
      await stillServing(ctx, s, since);
      return `${fixed.length + texts.length} bad text and ${bytes.length} bad binary frames dropped; both workers still served`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.unknown-types',
    title: 'Unknown and wrongly cased types (and unregistertriggertype, error) are dropped; the provider stays registered',
    level: 'MUST',
    sources: [doc('§2'), doc('§3.14'), doc('§11.1 #7'), src('engine/src/protocol.rs')],
    timeoutMs: 8000,
    async run(ctx) {
      const s = await stage(ctx);
      const type = `conf-type-${newId().slice(0, 8)}`;
      await s.offender.registerTriggerType({ id: type, description: 'kept' }, {});
      await registerOk(ctx, s.offender);
      const since = s.offender.mark();
      const id = newId();
      for (const f of [
        { type: 'frobnicate' },
        { type: 'InvokeFunction', invocation_id: id, function_id: s.fn, data: null },
        { type: 'PING' },
        { type: 'unregistertriggertype', id: type },
        { type: 'error', error: { code: 'AUTH_ERROR', message: 'not from a worker' } },
        { type: 'invoke_function', invocation_id: id, function_id: s.fn, data: null },
      ]) {
        await s.offender.send(f);
      }
      await stillServing(ctx, s, since);
      check(
        s.seen.every((f) => f.invocation_id !== id),
        'a wrongly cased invokefunction was routed',
        'not routed',
        s.seen,
      );
      const types = (await listTriggerTypes(ctx, s.bystander)).filter((t) => t.id === type);
      check(types.length === 1, 'unregistertriggertype (not an engine message) removed the provider', [{ id: type }], types);
      return 'six unknown types dropped; provider kept; both workers still served';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.schema-violations',
    title: 'Frames that violate the schemas (fast-check: missing fields, wrong types, bad UUIDs) are dropped: never routed, never answered',
    level: 'MUST',
    sources: [doc('§2'), doc('§11.1 #7'), src('engine/src/protocol.rs (serde decoding)')],
    timeoutMs: 10_000,
    async run(ctx) {
      const s = await stage(ctx);
      const since = s.offender.mark();
      const generated = fc
        .sample(mutation, { seed: ctx.seed, numRuns: 200 })
        .map((m) => violate(m, s.fn))
        .filter((f): f is Frame => f !== undefined && !validateFrame(f).ok);
      check(generated.length >= 50, 'the generator produced too few invalid frames (harness problem)', '>= 50', generated.length);
      const invokeIds = new Set(
        generated.filter((f) => f.type === 'invokefunction' && typeof f.invocation_id === 'string').map((f) => String(f.invocation_id)),
      );
      for (const f of generated) await s.offender.send(f);
      await stillServing(ctx, s, since);
      const routed = s.seen.filter((f) => invokeIds.has(String(f.invocation_id)));
      check(routed.length === 0, 'schema-violating invokefunction frames were routed to the executor', 'none routed', routed.slice(0, 3));
      return `${generated.length} schema-violating frames (${invokeIds.size} id-bearing invokes) dropped; nothing routed or answered`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.binary-and-empty-frames',
    title: 'Binary JSON is a protocol message, OTLP/MTRC/LOGS binary is telemetry, empty text is skipped',
    level: 'MUST',
    sources: [doc('§1.3'), doc('§11.1 #9'), src('engine/src/engine/mod.rs handle_telemetry_frame')],
    timeoutMs: 6000,
    async run(ctx) {
      const s = await stage(ctx);
      const since = s.offender.mark();
      for (const prefix of ['OTLP', 'MTRC', 'LOGS']) await s.offender.sendRaw(Buffer.from(`${prefix}{"type":"ping"}`), { binary: true });
      await s.offender.sendRaw('');
      await s.offender.sendRaw('   \n');
      await settle(ctx, s.offender);
      const pongs = frames(s.offender, { type: 'pong' }, since);
      check(pongs.length === 1, 'a telemetry frame (or empty text) was treated as a protocol message', '1 pong (the barrier’s)', pongs.length);
      const before = s.offender.mark();
      await s.offender.sendRaw(Buffer.from('{"type":"ping"}'), { binary: true });
      await s.offender.waitFor({ type: 'pong' }, { since: before });
      const id = newId();
      await s.offender.sendRaw(Buffer.from(JSON.stringify({ type: 'invokefunction', invocation_id: id, function_id: s.fn, data: { binary: true } })), {
        binary: true,
      });
      await s.offender.waitFor({ type: 'invocationresult', invocation_id: id });
      await stillServing(ctx, s, s.offender.mark());
      return 'telemetry ignored, empty skipped, binary ping and binary invoke answered';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.unknown-fields-and-nulls',
    title: 'Unknown extra fields are ignored and null optional fields count as absent',
    level: 'MUST',
    sources: [doc('§2'), doc('§10 #1'), doc('§11.1 #8'), src('engine/src/protocol.rs')],
    disagreement:
      'The docs say `namespace: null` is rejected; the engine decodes null optional fields as absent (engine-protocol.md §10 #1). This case follows the code.',
    timeoutMs: 6000,
    async run(ctx) {
      const s = await stage(ctx);
      const fn = uniqueFunctionId('extra');
      await s.offender.registerFunction(fn, () => 'ok', { extra: { future_field: { nested: true }, request_format: null } });
      await registerOk(ctx, s.offender);
      const id = newId();
      await s.bystander.send({
        type: 'invokefunction',
        invocation_id: id,
        function_id: fn,
        data: { v: 1 },
        namespace: null,
        action: null,
        metadata: null,
        traceparent: null,
        shiny_new_field: 7,
      });
      const r = (await s.bystander.waitFor({ type: 'invocationresult', invocation_id: id })).frame as Frame;
      check(r.result === 'ok' && r.error === undefined, 'a call with null optionals and an extra field was not routed to default', { result: 'ok' }, r);
      return 'extra fields ignored, null namespace/action/metadata treated as absent';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.large-frames',
    title: 'A 1 MiB malformed frame is dropped and a 1 MiB payload is routed intact',
    level: 'MUST',
    sources: [doc('§1.3 max size'), doc('§11.1 #7'), doc('§11.1 #12')],
    timeoutMs: 10_000,
    async run(ctx) {
      const s = await stage(ctx);
      const since = s.offender.mark();
      const big = 'x'.repeat(1024 * 1024);
      await s.offender.sendRaw(`{"type":"invokefunction","data":"${big}`); // truncated JSON
      await s.offender.send({ type: 'nonsense', blob: big });
      await stillServing(ctx, s, since);
      const r = await call(ctx, s.offender, s.fn, { blob: big }, { timeoutMs: ctx.timing.replyMs * 2 });
      const back = (r.ok ? r.result : undefined) as { blob?: unknown } | undefined;
      if (typeof back?.blob !== 'string' || back.blob.length !== big.length) {
        throw new CaseFailure(
          'the 1 MiB payload did not come back intact',
          `blob of ${big.length} chars`,
          r.ok ? `blob of ${String((back?.blob as string | undefined)?.length)} chars` : r.frame,
        );
      }
      return '1 MiB garbage dropped; 1 MiB payload routed both ways';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.uuid-normalized',
    title: 'Upper-case and simple-form invocation ids are accepted and re-serialized lower-case hyphenated',
    level: 'SHOULD',
    sources: [doc('§2 UUID fields'), doc('§11.1 #12')],
    timeoutMs: 6000,
    async run(ctx) {
      const s = await stage(ctx);
      const ids = [newId(), newId()];
      const spelled = [ids[0]!.toUpperCase(), ids[1]!.replace(/-/g, '')];
      for (const invocationId of spelled) await s.offender.send({ type: 'invokefunction', invocation_id: invocationId, function_id: s.fn, data: {} });
      await s.executor.waitFor(() => s.executor.all({ type: 'invokefunction', function_id: s.fn }).length >= 2);
      const delivered = frames(s.executor, { type: 'invokefunction', function_id: s.fn }).map((f) => f.invocation_id);
      // The engine spawns each invokefunction separately (engine-protocol.md §1.3), so delivery order is
      // a race: compare the ids as sets.
      check(
        JSON.stringify([...delivered].sort()) === JSON.stringify([...ids].sort()),
        'the executor did not get the ids lower-case hyphenated',
        ids,
        delivered,
      );
      await s.offender.waitFor(() => s.offender.all({ type: 'invocationresult' }).length >= 2);
      const back = frames(s.offender, { type: 'invocationresult' }).map((f) => f.invocation_id);
      check(JSON.stringify([...back].sort()) === JSON.stringify([...ids].sort()), 'the caller did not get the ids lower-case hyphenated', ids, back);
      return 'both spellings routed and answered as the lower-case hyphenated id';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.bad-input.oversized-frame',
    title: 'A frame over the 64 MiB message limit affects only its own connection: everyone else keeps working and new workers connect',
    level: 'MUST',
    sources: [doc('§1.3 max size'), doc('§7'), src('engine/src/engine/mod.rs handle_worker read loop')],
    timeoutMs: 20_000,
    async run(ctx) {
      const s = await stage(ctx);
      const size = 64 * 1024 * 1024 + 1024;
      // Not JSON from its first byte, so no peer spends time parsing it.
      await s.offender.sendRaw('x'.repeat(size)).catch(() => false);
      await settle(ctx, s.bystander, s.executor);
      const theirs = await call(ctx, s.bystander, s.fn, { after: 'oversized' });
      check(theirs.ok, 'another worker’s call failed after one worker sent an oversized frame', 'a result', theirs.frame);
      const newcomer = await ctx.worker('newcomer');
      await barrier(ctx, newcomer);
      const offender = s.offender.closeInfo ? `closed (${s.offender.closeInfo.code})` : 'kept open';
      return outcome.pass(`bystander and newcomer served; the offending connection was ${offender}`, {
        findings: [{ severity: 'info', message: `after a ${size}-byte frame the offending connection was ${offender} (the Rust engine tears it down, §1.3)` }],
      });
    },
  }),
];
