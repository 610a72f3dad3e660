// replay: the recorded worker side of a real transcript (two fake workers against the reference engine)
// is played back against the reference engine (no divergence) and against a mutant engine (the first
// diverging frame is named), through the CLI as users run it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeWorker } from '../../harness/fake-worker/index.ts';
import { TranscriptRecorder } from '../../harness/transcript/recorder.ts';
import { writeTranscript } from '../../harness/transcript/jsonl.ts';
import { startReferenceEngine, type RunningEngine } from '../../harness/reference-engine/index.ts';
import { ENGINE_MUTANTS } from '../../fixtures/mutants/engine/index.ts';
import { compareFrames, IdBindings } from '../../harness/runner/replay-compare.ts';
import { parseRecords, scriptFromRecords } from '../../harness/runner/replay.ts';
import { cli } from './helpers.ts';

let dir: string;
let transcript: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iii-conf-replay-'));
  transcript = join(dir, 'transcript.jsonl');
  const engine = await startReferenceEngine({ log: () => {} });
  const recorder = new TranscriptRecorder();
  const provider = await FakeWorker.connect(engine.url, { transcript: recorder, peerName: 'provider' });
  const caller = await FakeWorker.connect(engine.url, { transcript: recorder, peerName: 'caller' });
  try {
    await provider.registered();
    await caller.registered();
    // As the SDKs do: announce the worker (this also ends the engine's namespace buffering), then register.
    await provider.registerWorker({ name: 'provider' });
    await caller.registerWorker({ name: 'caller' });
    await provider.registerFunction('demo::echo', (data) => data);
    await provider.ping(); // answered only after the engine has taken the registration
    const ok = await caller.invoke('demo::echo', { a: 1 });
    expect(ok).toMatchObject({ ok: true });
    const missing = await caller.invoke('demo::missing', {});
    expect(missing).toMatchObject({ ok: false });
  } finally {
    await provider.disconnect().catch(() => undefined);
    await caller.disconnect().catch(() => undefined);
    await engine.close();
  }
  await writeTranscript(transcript, recorder);
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replay', () => {
  it('finds both sides of the recording in the transcript', async () => {
    const script = scriptFromRecords(parseRecords(await readFile(transcript, 'utf8')));
    expect(script.connections.map((c) => c.key)).toEqual(['provider#1', 'caller#1']);
    expect(script.steps.some((s) => s.dir === 'worker->engine')).toBe(true);
    expect(script.steps.some((s) => s.dir === 'engine->worker')).toBe(true);
  });

  it('--print on a clean replay: the sequence diagram, nothing marked', async () => {
    const r = await cli(['replay', transcript, '--print']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('replay: the recording, as a sequence diagram');
    expect(r.out).toMatch(/│── workerregistered .*─▶│ provider #1/);
    expect(r.out).not.toContain('DIVERGED');
  });

  it('against the reference engine: no divergence (exit 0)', async () => {
    const r = await cli(['replay', transcript]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(
      /replay: no divergence — sent \d+ recorded frames as the worker, and the engine \(reference engine\) answered like the recording \(\d+ frames compared\)/,
    );
    expect(r.code).toBe(0);
  });

  it('against a mutant engine: names the first diverging frame (exit 1)', async () => {
    const mutant = ENGINE_MUTANTS.find((m) => m.name === 'NotFoundWrongCode');
    expect(mutant).toBeDefined();
    let engine: RunningEngine | undefined;
    try {
      engine = await startReferenceEngine({ log: () => {} }, mutant?.engineClass);
      const r = await cli(['replay', transcript, '--engine-url', engine.url]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/replay: DIVERGED at engine frame \d+/);
      expect(r.out).toMatch(
        /invocationresult \(engine->worker, connection caller#1, .*\) differs at \/error\/code: recorded "function_not_found", live "NOT_FOUND"/,
      );
      // --print: the recording as a timeline, the diverging frame (and only it) marked.
      const printed = await cli(['replay', transcript, '--engine-url', engine.url, '--print']);
      const marked = printed.out.split('\n').filter((l) => l.includes('<<< DIVERGED here'));
      expect(marked).toHaveLength(1);
      expect(marked[0]).toMatch(/^>>.*│── invocationresult .*▶│ caller #1 {2}<<< DIVERGED here$/);
      expect(printed.out).toMatch(/│◀─+ invokefunction .*──│ caller #1/);
      expect(printed.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    } finally {
      await engine?.close();
    }
  });

  it('reports a frame that never comes as missing, with the step timeout', async () => {
    const records = parseRecords(await readFile(transcript, 'utf8')) as Record<string, unknown>[];
    const last = records.filter((r) => r.kind === 'frame' && r.dir === 'engine->worker').at(-1) as Record<string, unknown>;
    // Placed right after the last engine frame: before the workers close their connections (a frame
    // recorded after our own close may race it and is not required).
    const extra = { ...last, seq: (last.seq as number) + 0.5, frame: { type: 'pong' } };
    const file = join(dir, 'extra.jsonl');
    await writeFile(file, [...records, extra].map((r) => JSON.stringify(r)).join('\n'));
    const r = await cli(['replay', file, '--step-timeout', '300']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/expected pong .* within 300 ms; nothing arrived/);
  });

  it('bad input: a missing file, a file that is not a transcript, both sides at once (exit 3)', async () => {
    expect((await cli(['replay', join(dir, 'nope.jsonl')])).err).toMatch(/does not exist/);
    await writeFile(join(dir, 'garbage.jsonl'), 'hello\n');
    const g = await cli(['replay', join(dir, 'garbage.jsonl')]);
    expect(g.code).toBe(3);
    expect(g.err).toMatch(/is not a readable transcript: line 1 of the transcript is not JSON/);
    const both = await cli(['replay', transcript, '--sdk', 'node', '--engine-url', 'ws://127.0.0.1:1']);
    expect(both.code).toBe(3);
  });
});

describe('frame comparison', () => {
  it('binds random ids once and then holds them to it', () => {
    const ids = new IdBindings();
    const rec = { type: 'invokefunction', invocation_id: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', function_id: 'f', data: { a: 1 } };
    const live = { ...rec, invocation_id: '11111111-2222-4333-8444-555555555555' };
    expect(compareFrames(rec, live, ids)).toBeUndefined();
    expect(ids.rewrite({ type: 'invocationresult', invocation_id: rec.invocation_id })).toEqual({
      type: 'invocationresult',
      invocation_id: live.invocation_id,
    });
    // The same recorded id later answered with another live id: that is a divergence (wrong caller).
    expect(compareFrames(rec, { ...live, invocation_id: '99999999-2222-4333-8444-555555555555' }, ids)).toMatchObject({ path: '/invocation_id' });
    expect(compareFrames(rec, { ...live, data: { a: 2 } }, ids)).toEqual({ path: '/data/a', expected: 1, actual: 2 });
    expect(compareFrames(rec, { ...live, function_id: 'g' }, ids)).toMatchObject({ path: '/function_id' });
    expect(compareFrames({ type: 'x', pid: 1 }, { type: 'x', pid: 2 }, ids)).toBeUndefined();
  });

  it("compares a stack trace's first line, not the files its frames name", () => {
    const ids = new IdBindings();
    const error = (stacktrace: string) => ({ type: 'invocationresult', error: { code: 'invocation_failed', message: 'boom', stacktrace } });
    const installed = 'Error: boom\n    at runHandler (file:///a/node_modules/iii-sdk/dist/index.mjs:128:30)';
    const bundled = 'Error: boom\n    at runHandler (/tmp/iii-conformance-node-sdk-x/sdk.cjs:38498:38)';
    expect(compareFrames(error(installed), error(bundled), ids)).toBeUndefined();
    expect(compareFrames(error(installed), error('TypeError: boom\n    at runHandler (x.js:1:1)'), ids)).toMatchObject({ path: '/error/stacktrace' });
    expect(compareFrames(error(installed), { type: 'invocationresult', error: { code: 'invocation_failed', message: 'boom' } }, ids)).toMatchObject({
      path: '/error/stacktrace',
    });
  });
});
