// Replay polls an engine list query as the case polled it (order-model.ts, isStateQuery): the disconnect
// case's transcript replays clean against the reference engine, whose clean-up may come after the first ask,
// and still diverges against an engine that never cleans up (KeepsFunctionsOnDisconnect), at the list answer,
// once the poll ran out: polling delays the "no", it does not hide it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineCatalogue } from '../../specs/engine/index.ts';
import { runCatalogue } from '../../harness/runner/run-catalogue.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { parseRecords, replayAgainstEngine, scriptFromRecords, type ReplayScript } from '../../harness/runner/replay.ts';
import { STATE_QUERY_POLL_MS } from '../../harness/replay/order-model.ts';
import { startReferenceEngine } from '../../harness/reference-engine/index.ts';
import { ENGINE_MUTANTS } from '../../fixtures/mutants/engine/index.ts';

const CASE = 'engine.disconnect.functions-removed';
let dir: string;
let script: ReplayScript;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iii-conf-state-query-'));
  const cases = engineCatalogue.cases.filter((c) => c.id === CASE);
  const silent = { begin() {}, caseStarted() {}, caseFinished() {}, end() {} };
  const run = await runCatalogue(
    engineCatalogue,
    { kind: 'reference' },
    { targetLabel: 'reference', cases, repeat: 1, baseSeed: 1, tolerance: DEFAULT_TOLERANCE, artifactsRoot: join(dir, 'artifacts'), progress: silent },
  );
  expect(run.cases[0]?.result.outcome.verdict).toBe('PASS');
  script = scriptFromRecords(parseRecords(await readFile(run.cases[0]?.result.artifacts.transcriptFile as string, 'utf8')));
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

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
