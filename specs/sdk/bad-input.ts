// Bad input from the engine: whatever arrives, the SDK keeps its connection and keeps serving (a valid
// invocation afterwards still gets its correct answer on the same connection).

import { randomUUID } from 'node:crypto';
import { outcome } from '../../harness/cases/model.ts';
import type { EngineConnection } from '../../harness/fake-engine/index.ts';
import { assertStillServing, invokeRaw, registerEcho, sleep } from './support/frames.ts';
import type { CaseSource } from '../../harness/cases/model.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure } from '../../harness/cases/failure.ts';
import { src, type SdkCase } from './support/sources.ts';
import type { SdkCaseContext } from './context.ts';

type Sender = (conn: EngineConnection) => Promise<unknown>;

const text =
  (...frames: string[]): Sender =>
  async (conn) => {
    for (const f of frames) await conn.sendRaw(f, { binary: false });
  };
const json =
  (...frames: unknown[]): Sender =>
  async (conn) => {
    for (const f of frames) await conn.send(f as object);
  };

function badInputCase(id: string, title: string, what: string, send: Sender, sources: CaseSource[], disagreement?: string): SdkCase {
  return defineCase<SdkCaseContext>({
    id,
    title,
    level: 'MUST',
    sources: [src.rule(22), src.behaviour('§9 Bad input from the engine'), ...sources],
    requires: [],
    lane: 'fast',
    timeoutMs: 20_000,
    ...(disagreement ? { disagreement } : {}),
    async run(ctx) {
      const { driver, conn } = await ctx.connect();
      await registerEcho(ctx, driver, conn, 'conf::echo');
      await send(conn);
      await sleep(50); // a crash or a close needs a moment to show
      await assertStillServing(ctx, conn, 'conf::echo', what);
      return outcome.pass(`kept the connection and served after ${what}`);
    },
  });
}

export const badInputCases: SdkCase[] = [
  badInputCase(
    'sdk.bad-input.malformed-json',
    'survives a text frame that is not JSON',
    'malformed JSON',
    text('{"type":"invokefunction",', 'not json at all', '{"type":}'),
    [src.behaviour('§10.1 #10')],
  ),
  badInputCase('sdk.bad-input.empty-frame', 'survives an empty text frame', 'an empty frame', text(''), []),
  badInputCase('sdk.bad-input.null', 'survives the JSON value null', 'a null frame', text('null'), [src.behaviour('§9 JSON that is not an object / null')]),
  badInputCase(
    'sdk.bad-input.non-object-json',
    'survives JSON that is not an object (array, number, string, boolean)',
    'non-object JSON',
    text('[1,2,3]', '42', '"invokefunction"', 'true'),
    [src.behaviour('§9 JSON that is not an object')],
  ),
  badInputCase(
    'sdk.bad-input.unknown-type',
    'ignores a frame of an unknown type',
    'an unknown type',
    json(
      { type: 'mystery', payload: { x: 1 } },
      { type: 'INVOKEFUNCTION', invocation_id: randomUUID(), function_id: 'conf::echo', data: {} },
      { type: 42 },
      { no_type: true },
    ),
    [src.protocol('§3.14')],
  ),
  badInputCase(
    'sdk.bad-input.error-frame',
    'ignores the engine\'s {"type":"error"} frame',
    'an error frame',
    json({ type: 'error', error: { code: 'FORBIDDEN', message: 'conformance: not a real auth failure' } }),
    [src.protocol('§3.14'), src.behaviour('§0.1 RBAC/auth failure at upgrade')],
  ),
  badInputCase(
    'sdk.bad-input.missing-fields',
    'survives known frame types with required fields missing or of the wrong type',
    'frames with missing fields',
    json(
      { type: 'invokefunction' },
      { type: 'invocationresult' },
      { type: 'registertrigger' },
      { type: 'unregistertrigger', id: randomUUID() },
      { type: 'triggerregistrationresult', id: randomUUID() },
      { type: 'invokefunction', invocation_id: randomUUID(), function_id: 42, data: {} },
      { type: 'invocationresult', invocation_id: 7, result: 1 },
    ),
    [src.protocol('§2 Envelope and decoding rules')],
  ),
  badInputCase(
    'sdk.bad-input.binary-frame',
    'survives binary frames (JSON of an unknown type, and bytes that are not UTF-8)',
    'binary frames',
    async (conn) => {
      await conn.sendRaw(Buffer.from(JSON.stringify({ type: 'mystery-binary', x: 1 })), { binary: true });
      await conn.sendRaw(Uint8Array.from([0xff, 0xfe, 0x00, 0x7b, 0xc3]), { binary: true });
    },
    [src.behaviour('§9 Binary frame holding JSON; §10.1 #10')],
    'Node parses binary frames like text, the browser SDK and Go skip them, Python decodes them as UTF-8 and its receive task dies on invalid UTF-8 (sdk-behaviour.md §9).',
  ),
  defineCase<SdkCaseContext>({
    id: 'sdk.bad-input.invalid-uuid',
    title: 'an invokefunction whose invocation_id is not a UUID is answered with that id or dropped, and the worker keeps serving',
    level: 'MUST',
    sources: [src.rule(22), src.behaviour('§5 Non-UUID invocation_id; §10.1 #13')],
    requires: [],
    lane: 'fast',
    timeoutMs: 20_000,
    disagreement:
      'Node, Python and the browser SDK echo a non-UUID invocation_id; Rust and Go drop the frame (sdk-behaviour.md §10.1 #13). Both are accepted; the engine itself only ever sends UUIDs.',
    async run(ctx) {
      const { driver, conn } = await ctx.connect();
      await registerEcho(ctx, driver, conn, 'conf::echo');
      let disposition = 'dropped';
      try {
        const { frame } = await invokeRaw(conn, 'conf::echo', { odd: 'id' }, { invocationId: 'not-a-uuid', timeoutMs: ctx.timing.quietMs * 2 });
        if (frame.invocation_id !== 'not-a-uuid')
          throw new CaseFailure('the answer to a non-UUID invocation_id carries another id', 'not-a-uuid', frame.invocation_id);
        disposition = 'answered';
      } catch (e) {
        if (e instanceof CaseFailure) throw e;
      }
      await assertStillServing(ctx, conn, 'conf::echo', 'an invocation with a non-UUID id');
      return outcome.pass(`non-UUID invocation ${disposition}; still serving`, {
        findings: [{ severity: 'info', message: `an invokefunction with invocation_id "not-a-uuid" was ${disposition}` }],
      });
    },
  }),
  defineCase<SdkCaseContext>({
    id: 'sdk.bad-input.oversized-frame',
    title: 'an invocation whose frame is larger than 1 MiB is served and the connection kept',
    level: 'MUST',
    sources: [src.behaviour('§9 Inbound frame size limit; §10.1 #11'), src.protocol('§1.3 Frames (64 MiB engine limit)')],
    requires: [],
    lane: 'fast',
    timeoutMs: 30_000,
    disagreement:
      'Python (websockets max_size 1 MiB, not overridden) closes with 1009 and reconnects; the engine allows 64 MiB and the other SDKs at least 16 MiB (sdk-behaviour.md §9).',
    async run(ctx) {
      const { driver, conn } = await ctx.connect();
      await registerEcho(ctx, driver, conn, 'conf::echo');
      const big = { blob: 'x'.repeat(1536 * 1024) };
      let answer;
      try {
        answer = await invokeRaw(conn, 'conf::echo', big, { timeoutMs: ctx.timing.replyMs * 2 });
      } catch (e) {
        throw new CaseFailure(
          'a 1.5 MiB invocation got no answer',
          'the 1.5 MiB input echoed back',
          conn.closeInfo ? `connection closed with ${conn.closeInfo.code}` : e instanceof Error ? e.message.split('\n')[0] : String(e),
        );
      }
      const blob = (answer.frame.result as { blob?: unknown } | undefined)?.blob;
      if (typeof blob !== 'string' || blob.length !== big.blob.length)
        throw new CaseFailure(
          'the 1.5 MiB input did not come back unchanged',
          `${big.blob.length} characters`,
          typeof blob === 'string' ? `${blob.length} characters` : answer.frame,
        );
      await assertStillServing(ctx, conn, 'conf::echo', 'a 1.5 MiB frame');
      return outcome.pass('1.5 MiB invocation served');
    },
  }),
];
