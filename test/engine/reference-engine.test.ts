// The reference engine beyond what the catalogue checks: it frees everything a worker held, closes
// cleanly, and real iii-sdk workers (the pinned npm package of the Node driver) work through it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startReferenceEngine, type RunningEngine } from '../../harness/reference-engine/index.ts';
import { WebSocketLink } from '../../harness/reference-engine/transport.ts';
import { canConnect } from '../../harness/process/index.ts';
import { ENGINE_MESSAGE_TYPES } from '../../harness/wire/index.ts';

const started: RunningEngine[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

/** The engine's own socket to a worker (the lean transport's). */
function socketOf(e: RunningEngine, workerId: string): WebSocket | undefined {
  const link = e.engine.connections.get(workerId)?.link;
  return link instanceof WebSocketLink ? link.ws : undefined;
}

async function engine(options: Parameters<typeof startReferenceEngine>[0] = {}): Promise<RunningEngine> {
  const e = await startReferenceEngine(options);
  started.push(e);
  return e;
}

function rawWorker(url: string): Promise<{ ws: WebSocket; id: string; frames: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Record<string, unknown>;
      frames.push(f);
      if (f.type === 'workerregistered') resolve({ ws, id: String(f.worker_id), frames });
    });
    ws.once('error', reject);
  });
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('reference engine', () => {
  it('holds nothing for workers that left, whatever they registered or were doing', async () => {
    const e = await engine({ namespaceGraceMs: 50 });
    const workers = await Promise.all(Array.from({ length: 30 }, () => rawWorker(e.url)));
    workers.forEach((w, i) => {
      w.ws.send(JSON.stringify({ type: 'registerfunction', id: `w${i}::f` }));
      w.ws.send(JSON.stringify({ type: 'registertriggertype', id: `type${i}`, description: '' }));
      w.ws.send(JSON.stringify({ type: 'registertrigger', id: `t${i}`, trigger_type: `type${(i + 1) % 30}`, function_id: `w${i}::f`, config: null }));
      w.ws.send(JSON.stringify({ type: 'invokefunction', function_id: 'engine::workers::register', data: { name: `w${i}`, pid: i } }));
    });
    await until(() => e.engine.stats().functions === 30);
    // Each calls its neighbour, which never answers.
    workers.forEach((w, i) =>
      w.ws.send(JSON.stringify({ type: 'invokefunction', invocation_id: crypto.randomUUID(), function_id: `w${(i + 1) % 30}::f`, data: {} })),
    );
    await until(() => e.engine.stats().invocations === 30);
    expect(e.engine.stats()).toMatchObject({ connections: 30, functions: 30, triggerTypes: 30, triggers: 30, workerNames: 30 });
    workers.forEach((w, i) => (i % 2 ? w.ws.terminate() : w.ws.close()));
    await until(() => e.engine.stats().connections === 0);
    expect(e.engine.stats()).toEqual({ connections: 0, otelConnections: 0, functions: 0, triggerTypes: 0, triggers: 0, invocations: 0, workerNames: 0 });
  });

  it('close() drops every socket, frees the port and can be called twice', async () => {
    const e = await engine();
    const w = await rawWorker(e.url);
    const closed = new Promise<number>((r) => w.ws.once('close', (code) => r(code)));
    await Promise.all([e.close(), e.close()]);
    expect(await closed).toBe(1006); // dropped without a close frame, as the engine does on shutdown (§4.6)
    expect(await canConnect(e.port)).toBe(false);
  });

  it('survives anything a worker sends: random frames of every type, deep nesting, odd keys', async () => {
    const errors: string[] = [];
    const e = await engine({ namespaceGraceMs: 0, log: (level, message, fields) => level === 'error' && errors.push(`${message} ${JSON.stringify(fields)}`) });
    const w = await rawWorker(e.url);
    const frame = fc.record(
      {
        type: fc.constantFrom(...ENGINE_MESSAGE_TYPES, 'unregistertriggertype', 'error'),
        id: fc.oneof(fc.string(), fc.constant('__proto__')),
        function_id: fc.string(),
        data: fc.jsonValue(),
        invocation_id: fc.oneof(fc.uuid(), fc.string()),
        config: fc.jsonValue(),
        trigger_type: fc.string(),
        namespace: fc.oneof(fc.string(), fc.constant(null)),
        error: fc.jsonValue(),
        action: fc.jsonValue(),
      },
      { requiredKeys: ['type'] },
    );
    for (const f of fc.sample(frame, { seed: 42, numRuns: 400 })) w.ws.send(JSON.stringify(f));
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `[${deep}]`;
    w.ws.send(`{"type":"invokefunction","function_id":"x","data":${deep},"invocation_id":"${crypto.randomUUID()}"}`);
    w.ws.send('{"type":"registertrigger","id":"__proto__","trigger_type":"constructor","function_id":"toString","config":{"__proto__":{"polluted":1}}}');
    const from = w.frames.length;
    w.ws.send(JSON.stringify({ type: 'ping' }));
    await until(() => w.frames.slice(from).some((f) => f.type === 'pong'), 5000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(errors).toEqual([]);
    w.ws.terminate();
  });

  it('stops reading from a worker that does not read its answers, and loses nothing', async () => {
    const e = await engine();
    const slow = await rawWorker(e.url);
    const other = await rawWorker(e.url);
    const socket = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause(); // the worker stops reading
    const big = 'f'.repeat(100_000);
    for (let i = 0; i < 150; i++)
      slow.ws.send(JSON.stringify({ type: 'invokefunction', invocation_id: crypto.randomUUID(), function_id: `${big}${i}`, data: null }));
    slow.ws.send(JSON.stringify({ type: 'ping' }));
    // Meanwhile every other worker is served.
    other.ws.send(JSON.stringify({ type: 'ping' }));
    await until(() => other.frames.some((f) => f.type === 'pong'));
    await until(() => socketOf(e, slow.id)?.isPaused === true); // backpressure engaged
    socket.resume();
    await until(() => slow.frames.some((f) => f.type === 'pong'), 10_000);
    expect(slow.frames.filter((f) => f.type === 'invocationresult')).toHaveLength(150);
    slow.ws.terminate();
    other.ws.terminate();
  });

  it('logs undecodable frames and keeps the connection', async () => {
    const lines: string[] = [];
    const e = await engine({ log: (level, message) => lines.push(`${level} ${message}`) });
    const w = await rawWorker(e.url);
    w.ws.send('{not json');
    w.ws.send(JSON.stringify({ type: 'ping' }));
    await until(() => w.frames.some((f) => f.type === 'pong'));
    expect(lines).toContain('warn json decode error');
    w.ws.terminate();
  });
});

// The Node driver's pinned iii-sdk, when `npm run setup` installed it.
const SDK_ENTRY = join(process.cwd(), 'fixtures/drivers/node/node_modules/iii-sdk/dist/index.mjs');

describe.skipIf(!existsSync(SDK_ENTRY))('real iii-sdk workers through the reference engine', () => {
  it('two iii-sdk workers call each other and leave nothing behind', async () => {
    interface SdkWorker {
      registerFunction(id: string, handler: (input: { n: number }) => Promise<unknown>): unknown;
      trigger(request: { function_id: string; payload: unknown; timeoutMs?: number }): Promise<unknown>;
      shutdown(): Promise<void>;
    }
    const sdk = (await import(pathToFileURL(SDK_ENTRY).href)) as { registerWorker(url: string, options: Record<string, unknown>): SdkWorker };
    const e = await engine();
    const options = (name: string): Record<string, unknown> => ({ workerName: name, otel: { enabled: false }, enableMetricsReporting: false });
    const a = sdk.registerWorker(e.url, options('interop-a'));
    const b = sdk.registerWorker(e.url, options('interop-b'));
    try {
      a.registerFunction('interop::double', async (input) => ({ doubled: input.n * 2 }));
      await until(() => [...e.engine.functions.values()].some((f) => f.id === 'interop::double'), 5000);
      await expect(b.trigger({ function_id: 'interop::double', payload: { n: 21 }, timeoutMs: 5000 })).resolves.toEqual({ doubled: 42 });
      const metas = [...e.engine.connections.values()].map((c) => c.meta);
      expect(metas).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ runtime: 'node', name: 'interop-a' }),
          expect.objectContaining({ runtime: 'node', name: 'interop-b' }),
        ]),
      );
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
    await until(() => e.engine.stats().connections === 0, 5000);
    expect(e.engine.stats().functions).toBe(0);
  });

  it('an iii-sdk worker the engine dropped reconnects, replays, and is served exactly once again', async () => {
    interface SdkWorker {
      registerFunction(id: string, handler: (input: unknown) => Promise<unknown>): unknown;
      trigger(request: { function_id: string; payload: unknown; timeoutMs?: number }): Promise<unknown>;
      shutdown(): Promise<void>;
    }
    const sdk = (await import(pathToFileURL(SDK_ENTRY).href)) as { registerWorker(url: string, options: Record<string, unknown>): SdkWorker };
    const e = await engine();
    const reconnectionConfig = { initialDelayMs: 50, maxDelayMs: 200, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 };
    const options = (name: string): Record<string, unknown> => ({
      workerName: name,
      otel: { enabled: false },
      enableMetricsReporting: false,
      reconnectionConfig,
    });
    const a = sdk.registerWorker(e.url, options('rejoin-a'));
    const b = sdk.registerWorker(e.url, options('rejoin-b'));
    try {
      a.registerFunction('rejoin::ping', async () => 'pong');
      const owner = (): string | undefined => [...e.engine.functions.values()].find((f) => f.id === 'rejoin::ping')?.ownerId;
      await until(() => owner() !== undefined, 5000);
      const first = owner()!;
      e.engine.connections.get(first)?.link.terminate(); // the engine drops the worker
      await until(() => owner() !== undefined && owner() !== first, 5000);
      await expect(b.trigger({ function_id: 'rejoin::ping', payload: {}, timeoutMs: 5000 })).resolves.toBe('pong');
      expect([...e.engine.functions.values()].filter((f) => f.id === 'rejoin::ping')).toHaveLength(1);
      expect([...e.engine.connections.values()].filter((c) => c.meta?.name === 'rejoin-a')).toHaveLength(1);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });
});
