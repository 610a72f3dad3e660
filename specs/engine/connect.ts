// Connecting: the greeting, worker ids, the upgrade itself, and the telemetry socket.

import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { ConnectFailedError } from '../../harness/fake-worker/index.ts';
import { barrier, frames, listWorkers, registerOk, settle, sleep, UUID_LOWER, uniqueName, type Frame } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

export const connectCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.connect.workerregistered-first',
    title: 'The first frame is workerregistered with a UUID worker_id',
    level: 'MUST',
    sources: [doc('§3.10'), doc('§11.1 #3'), src('engine/src/engine/mod.rs handle_worker'), src('engine/tests/worker_namespace_ws_e2e.rs')],
    timeoutMs: 5000,
    async run(ctx) {
      const w = await ctx.connect('w');
      const first = (await w.waitFor(() => true)).frame as Frame;
      const expected = { type: 'workerregistered', worker_id: '<lower-case hyphenated UUID>' };
      check(first.type === 'workerregistered', 'the first frame is not workerregistered', expected, first);
      check(typeof first.worker_id === 'string' && UUID_LOWER.test(first.worker_id), 'worker_id is not a lower-case hyphenated UUID', expected, first);
      return `first frame workerregistered ${first.worker_id}`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.connect.reattach-token',
    title: 'workerregistered carries a reattach_token',
    level: 'SHOULD',
    sources: [doc('§3.10'), doc('§11.1 #3'), doc('§9 0.21.8')],
    timeoutMs: 5000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const first = w.received[0]?.frame as Frame;
      check(
        typeof first.reattach_token === 'string' && first.reattach_token.length > 0,
        'workerregistered carries no reattach_token (engines before 0.21.8 sent none; a reconnecting worker then cannot retire its ghost)',
        { reattach_token: '<string>' },
        first,
      );
      return 'reattach_token present';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.connect.distinct-worker-ids',
    title: 'Each connection gets its own worker_id and token, and workers::list reports that id',
    level: 'MUST',
    sources: [doc('§11.1 #4'), doc('§5 WorkerSummary'), src('engine/src/worker_connections/mod.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const a = await ctx.worker('a');
      const b = await ctx.worker('b');
      check(a.workerId !== b.workerId, 'two connections got the same worker_id', 'distinct ids', [a.workerId, b.workerId]);
      check(a.reattachToken !== b.reattachToken, 'two connections got the same reattach_token', 'distinct tokens', [a.reattachToken, b.reattachToken]);
      const name = uniqueName('ids');
      await registerOk(ctx, b, { name });
      const rows = (await listWorkers(ctx, a)).filter((r) => r.name === name);
      check(
        rows.length === 1 && rows[0]?.id === b.workerId,
        'engine::workers::list does not report the connection under its worker_id',
        { name, id: b.workerId },
        rows,
      );
      return `distinct ids; workers::list shows ${name} under its worker_id`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.connect.no-subprotocol',
    title: 'The upgrade needs no subprotocol and the engine never selects one',
    level: 'MUST',
    sources: [doc('§1.2'), doc('§11.1 #1'), src('engine/src/workers/worker/mod.rs')],
    timeoutMs: 5000,
    async run(ctx) {
      const plain = await ctx.worker('plain');
      check(plain.isOpen, 'the upgrade without a subprotocol was not accepted', 'open', 'closed');
      // A client that offers one must not get it selected (strict clients then refuse the socket, §1.2).
      const selected = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(ctx.url, ['iii'], { handshakeTimeout: ctx.timing.replyMs });
        ws.once('open', () => {
          const p = ws.protocol;
          ws.terminate();
          resolve(p);
        });
        ws.once('error', (e) => {
          ws.terminate();
          // `ws` refuses a 101 without the offered protocol: exactly what the engine should cause.
          if (/subprotocol/i.test(e.message)) resolve('');
          else reject(e);
        });
      });
      if (selected !== '') throw new CaseFailure('the engine selected an offered subprotocol', 'no Sec-WebSocket-Protocol in the 101 response', selected);
      return 'no subprotocol needed and none selected when one was offered';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.connect.otel-is-not-a-worker',
    title: '/otel accepts telemetry frames and never becomes a worker',
    level: 'MUST',
    sources: [doc('§1.5'), doc('§11.1 #10'), src('engine/tests/otel_ws_no_worker_registration_test.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const otel = await ctx.connect('otel', { path: '/otel' });
      const name = uniqueName('otel');
      await otel.sendRaw(Buffer.from('OTLP{"resourceSpans":[]}'), { binary: true });
      await otel.sendRaw(Buffer.from('MTRC{"resourceMetrics":[]}'), { binary: true });
      await otel.send({ type: 'ping' });
      // A register attempt on /otel must not register anything either.
      await otel.send({
        type: 'invokefunction',
        invocation_id: '6f1d3c1e-0b7a-4c1a-9a55-2b1f6c8e4d10',
        function_id: 'engine::workers::register',
        data: { name, pid: 1 },
      });
      await settle(ctx, observer);
      await sleep(ctx.timing.quietMs * 2); // /otel answers nothing, so there is no barrier to wait on
      check(otel.isOpen, 'the engine closed the /otel socket', 'the socket stays open', otel.closeInfo);
      const answered = frames(otel, () => true);
      check(answered.length === 0, '/otel answered like a worker connection', 'no frames on /otel', answered.slice(0, 3));
      const rows = (await listWorkers(ctx, observer)).filter((r) => r.name === name);
      check(rows.length === 0, 'a /otel connection appears in engine::workers::list', 'no row', rows);
      return '/otel took telemetry frames, sent nothing and registered nothing';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.connect.unknown-path-refused',
    title: 'An upgrade on an unknown path is refused with 404',
    level: 'SHOULD',
    sources: [doc('§1.1 routes'), src('engine/src/workers/worker/mod.rs')],
    timeoutMs: 5000,
    async run(ctx) {
      try {
        await ctx.connect('stray', { path: '/not-a-route' });
      } catch (e) {
        if (!(e instanceof ConnectFailedError)) throw e;
        check(e.status === 404, 'the refusal was not HTTP 404', 404, e.status ?? e.message);
        return 'refused with HTTP 404';
      }
      throw new CaseFailure('the engine upgraded a connection on /not-a-route', 'HTTP 404', '101 Switching Protocols');
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.connect.handshake-deadline',
    title: 'A TCP connection that does not finish its upgrade is closed at the handshake deadline; established sessions stay',
    level: 'MUST',
    sources: [doc('§1.2'), doc('§11.1 #2'), src('engine/tests/worker_ws_handshake_timeout_test.rs')],
    timeoutMs: 20_000,
    async run(ctx) {
      const established = await ctx.worker('established');
      const { hostname, port } = new URL(ctx.url);
      const bound = ctx.handshakeTimeoutMs * 1.5 + 1000 * ctx.tolerance.timeScale;
      const sockets: Socket[] = [];
      const closedAfter = (bytes: string): Promise<number | null> =>
        new Promise((resolve) => {
          const started = Date.now();
          const s = connect({ host: hostname, port: Number(port) }, () => {
            if (bytes) s.write(bytes);
          });
          sockets.push(s);
          s.on('error', () => {});
          s.on('data', () => {});
          s.once('close', () => resolve(Date.now() - started));
          setTimeout(() => resolve(null), bound);
        });
      try {
        const [silent, partial] = await Promise.all([closedAfter(''), closedAfter('GET / HTTP/1.1\r\nHost: engine\r\nUpgrade: websocket\r\n')]);
        check(
          partial !== null,
          `a connection with unfinished upgrade headers was still open ${bound} ms later`,
          `closed within ${ctx.handshakeTimeoutMs} ms (+ slack)`,
          'open',
        );
        check(silent !== null, `a silent TCP connection was still open ${bound} ms later`, `closed within ${ctx.handshakeTimeoutMs} ms (+ slack)`, 'open');
        await barrier(ctx, established);
        return `unfinished upgrades closed after ${partial} ms (headers) and ${silent} ms (silent); the established session still answers`;
      } finally {
        for (const s of sockets) s.destroy();
      }
    },
  }),
];
