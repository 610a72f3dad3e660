// Liveness: JSON ping/pong and WebSocket ping/pong (the engine itself never pings).

import { sleep } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { check } from '../../harness/cases/failure.ts';
import { closedBecauseSuffix } from '../../harness/peer/endpoint.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

export const livenessCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.liveness.json-ping',
    title: 'A JSON ping is answered with a JSON pong, extra fields ignored',
    level: 'MUST',
    sources: [doc('§3.13'), doc('§11.1 #6'), src('engine/src/engine/mod.rs test_router_msg_ping_sends_pong')],
    timeoutMs: 5000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const since = w.mark();
      await w.send({ type: 'ping' });
      await w.send({ type: 'ping', nonce: 42 });
      await w.waitFor(() => w.all({ type: 'pong' }, since).length >= 2, { since, timeoutMs: ctx.timing.replyMs });
      return 'two pings (one with an extra field), two pongs';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.liveness.ws-ping',
    title: 'A WebSocket Ping is answered with a Pong carrying the same payload',
    level: 'MUST',
    sources: [doc('§1.3'), doc('§11.1 #5'), src('engine/tests/worker_ws_handshake_timeout_test.rs')],
    timeoutMs: 5000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const payload = Buffer.from('iii-conformance');
      const before = ctx.transcript.size;
      w.wsPing(payload);
      // The fake worker records WS pongs as transcript events (payload in base64).
      const deadline = Date.now() + ctx.timing.replyMs;
      let pong: string | undefined;
      while (pong === undefined && Date.now() < deadline) {
        for (const r of ctx.transcript.read(before)) {
          if (r.kind === 'event' && r.event === 'ws-pong' && r.peer === 'w') pong = r.message ?? '';
        }
        if (pong === undefined && w.closeInfo) break; // none will come: say why the socket went
        if (pong === undefined) await sleep(10);
      }
      const closed = w.closeInfo ? `; the socket closed (${w.closeInfo.code})${closedBecauseSuffix(w)}` : '';
      check(pong !== undefined, `no WebSocket Pong came back${closed}`, 'a Pong', 'nothing');
      const got = Buffer.from(pong, 'base64');
      check(got.equals(payload), 'the Pong payload differs from the Ping payload', payload.toString(), got.toString());
      return 'Pong echoed the Ping payload';
    },
  }),
];
