// Replay polls an engine list query as the case polled it (order-model.ts, isStateQuery): the disconnect
// case's transcript replays clean against the reference engine, whose clean-up may come after the first ask,
// and still diverges against an engine that never cleans up (KeepsFunctionsOnDisconnect), at the list answer,
// once the poll ran out: polling delays the "no", it does not hide it. And the live state may be ahead of the
// recording (the recording's engine had not cleaned up yet when the case first asked): a live answer that the
// recording shows at a later poll of the same query matches, but never one from across a step of ours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineCatalogue } from '../../specs/engine/index.ts';
import { runCatalogue } from '../../harness/runner/run-catalogue.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { laterPollAnswers, parseRecords, replayAgainstEngine, scriptFromRecords, type ReplayScript, type ReplayStep } from '../../harness/runner/replay.ts';
import { STATE_QUERY_POLL_MS } from '../../harness/replay/order-model.ts';
import { startReferenceEngine } from '../../harness/reference-engine/index.ts';
import { ENGINE_MUTANTS } from '../../fixtures/mutants/engine/index.ts';

const CASE = 'engine.disconnect.functions-removed';
const UNLISTED_CASE = 'engine.disconnect.worker-unlisted';
let dir: string;
let script: ReplayScript;
let unlisted: ReplayScript;

async function record(id: string): Promise<ReplayScript> {
  const cases = engineCatalogue.cases.filter((c) => c.id === id);
  const silent = { begin() {}, caseStarted() {}, caseFinished() {}, end() {} };
  const run = await runCatalogue(
    engineCatalogue,
    { kind: 'reference' },
    { targetLabel: 'reference', cases, repeat: 1, baseSeed: 1, tolerance: DEFAULT_TOLERANCE, artifactsRoot: join(dir, 'artifacts', id), progress: silent },
  );
  expect(run.cases[0]?.result.outcome.verdict).toBe('PASS');
  return scriptFromRecords(parseRecords(await readFile(run.cases[0]?.result.artifacts.transcriptFile as string, 'utf8')));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iii-conf-state-query-'));
  script = await record(CASE);
  unlisted = await record(UNLISTED_CASE);
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const STALE_POLL_ID = '0b5e7a11-0000-4000-8000-00000000a11e';
const isList = (s: ReplayStep): boolean => (s.frame as { function_id?: unknown } | undefined)?.function_id === 'engine::workers::list';
const answerTo = (steps: readonly ReplayStep[], query: ReplayStep): ReplayStep =>
  steps.find(
    (s) => (s.frame as { invocation_id?: unknown } | undefined)?.invocation_id === (query.frame as { invocation_id: unknown }).invocation_id && s !== query,
  ) as ReplayStep;

/** How long after the drop the stale poll is asked: long enough for any engine that cleans up to have done so. */
const STALE_POLL_AFTER_MS = 300;

/**
 * The worker-unlisted recording as a slower engine would have made it: after the drop, one more poll whose
 * answer still lists the dropped worker (the answer the case got before the drop). Replay paces it
 * STALE_POLL_AFTER_MS after the drop, so the live engine has cleaned up by then.
 */
function withStalePollAfterDrop(recorded: ReplayScript): ReplayScript {
  const dropAt = recorded.steps.find((s) => s.close?.terminate)?.t ?? 0;
  const steps = recorded.steps.map((s) => (s.t > dropAt ? { ...s, t: s.t + STALE_POLL_AFTER_MS } : s));
  const drop = steps.findIndex((s) => s.close?.terminate);
  const before = steps
    .slice(0, drop)
    .filter((s) => s.dir === 'worker->engine' && isList(s))
    .at(-1) as ReplayStep;
  const after = steps.slice(drop).find((s) => s.dir === 'worker->engine' && isList(s)) as ReplayStep;
  expect(before && after).toBeTruthy();
  const poll: ReplayStep = {
    ...after,
    seq: after.seq - 0.5,
    t: dropAt + STALE_POLL_AFTER_MS,
    frame: { ...(after.frame as object), invocation_id: STALE_POLL_ID },
  };
  const listed = answerTo(steps, before);
  const stale: ReplayStep = { ...listed, seq: after.seq - 0.25, t: poll.t, frame: { ...(listed.frame as object), invocation_id: STALE_POLL_ID } };
  delete poll.text;
  delete stale.text;
  steps.splice(drop + 1, 0, poll, stale);
  return { ...recorded, steps };
}

describe('replay of a polled engine list query', () => {
  it('matches the reference engine', async () => {
    const engine = await startReferenceEngine({ log: () => {} });
    try {
      const report = await replayAgainstEngine(script, engine.url);
      expect(report.divergence?.message).toBeUndefined();
    } finally {
      await engine.close();
    }
  }, 30_000);

  it("diverges at the list answer against an engine that keeps a gone worker's functions, after polling", async () => {
    const mutant = ENGINE_MUTANTS.find((m) => m.name === 'KeepsFunctionsOnDisconnect');
    expect(mutant).toBeDefined();
    const engine = await startReferenceEngine({ log: () => {} }, mutant?.engineClass);
    try {
      const started = Date.now();
      const report = await replayAgainstEngine(script, engine.url);
      expect(report.divergence?.kind).toBe('different');
      expect(report.divergence?.message).toMatch(/invocationresult .* differs at \/result\/functions/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(STATE_QUERY_POLL_MS);
    } finally {
      await engine.close();
    }
  }, 30_000);
});

describe('replay of a polled list query whose state is ahead of the recording', () => {
  it('matches the reference engine, which has cleaned up by the time the stale poll is asked again', async () => {
    const engine = await startReferenceEngine({ log: () => {} });
    try {
      const started = Date.now();
      const report = await replayAgainstEngine(withStalePollAfterDrop(unlisted), engine.url);
      expect(report.divergence?.message).toBeUndefined();
      // Matched at once, not after polling for the stale answer that can no longer come.
      expect(Date.now() - started).toBeLessThan(STATE_QUERY_POLL_MS);
    } finally {
      await engine.close();
    }
  }, 30_000);

  it('still diverges against an engine that never cleans up a dropped connection (CleanupOnlyOnCloseFrame)', async () => {
    const mutant = ENGINE_MUTANTS.find((m) => m.name === 'CleanupOnlyOnCloseFrame');
    const engine = await startReferenceEngine({ log: () => {} }, mutant?.engineClass);
    try {
      const report = await replayAgainstEngine(withStalePollAfterDrop(unlisted), engine.url);
      expect(report.divergence?.message).toMatch(/invocationresult .* differs at \/result\/workers/);
    } finally {
      await engine.close();
    }
  }, 30_000);

  it('takes a later answer only from polls with nothing else of ours in between', () => {
    const steps = withStalePollAfterDrop(unlisted).steps;
    const ours = 'worker->engine' as const;
    const drop = steps.findIndex((s) => s.close?.terminate);
    const stalePoll = drop + 1;
    const later = laterPollAnswers(steps, stalePoll, ours, steps[stalePoll + 1] as ReplayStep);
    expect(later.length).toBeGreaterThan(0);
    for (const a of later) expect((a as { invocation_id: unknown }).invocation_id).toBe(STALE_POLL_ID);
    // The list asked before the drop: the drop (a step of ours) ends its chain, so no post-drop answer stands for it.
    const beforeDrop = steps.indexOf(
      steps
        .slice(0, drop)
        .filter((s) => s.dir === ours && isList(s))
        .at(-1) as ReplayStep,
    );
    expect(beforeDrop).toBeGreaterThanOrEqual(0);
    expect(laterPollAnswers(steps, beforeDrop, ours, answerTo(steps, steps[beforeDrop] as ReplayStep))).toEqual([]);
  });
});
