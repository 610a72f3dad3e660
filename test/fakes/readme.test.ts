// The README examples of the fake engine and the fake worker, run against each other, so the
// documentation cannot drift from the API.

import { expect, it } from 'vitest';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { FakeWorker, InvocationError } from '../../harness/fake-worker/index.ts';
import { usePeers } from './helpers.ts';

usePeers(); // leak and harness-error checks

it('README: fake engine and fake worker examples', async () => {
  const engine = await FakeEngine.start();
  const engineUrl = engine.url;
  try {
    // --- harness/fake-worker/README.md
    const worker = await FakeWorker.connect(engineUrl, { headers: { authorization: 'Bearer t' } });
    const { workerId } = await worker.registered();
    await worker.registerWorker({ name: 'billing', pid: 42 });
    await worker.registerFunction('billing::charge', (data) => {
      if (!data) throw new InvocationError('BAD_INPUT', 'no data');
      return { charged: true };
    });
    await worker.registerFunction('demo::echo', (data) => data);
    const out = await worker.invoke('billing::charge', { cents: 5 }, { timeoutMs: 2000 });
    expect(out).toMatchObject({ ok: true, result: { charged: true } });
    expect(await worker.invoke('billing::charge', null)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });

    // --- harness/fake-engine/README.md
    const conn = await engine.waitForConnection();
    expect(conn.workerId).toBe(workerId);
    expect(conn.headers.authorization).toBe('Bearer t');
    await conn.waitFor({ type: 'registerfunction', id: 'demo::echo' });
    const echoed = await conn.invoke('demo::echo', { a: 1 }, { timeoutMs: 2000 });
    expect(echoed).toMatchObject({ ok: true, result: { a: 1 } });
    engine.answer('remote::fn', { error: { code: 'function_not_found', message: 'Function remote::fn not found' } });
    expect(await worker.invoke('remote::fn')).toMatchObject({ ok: false, error: { code: 'function_not_found' } });
    expect(await worker.invoke('queue::job', {}, {}).catch(() => undefined)).toMatchObject({ ok: false, error: { code: 'function_not_found' } });
    await worker.send({
      type: 'invokefunction',
      invocation_id: '6c1f0a2e-4b5d-4e6f-8a9b-0c1d2e3f4a5b',
      function_id: 'queue::job',
      data: {},
      action: { type: 'enqueue', queue: 'q' },
    });
    expect((await worker.waitFor({ type: 'invocationresult', invocation_id: '6c1f0a2e-4b5d-4e6f-8a9b-0c1d2e3f4a5b' })).frame).toMatchObject({
      error: { code: 'enqueue_error' },
    });
    await worker.disconnect(1000, 'done');
  } finally {
    await engine.close();
  }
});
