// The engine catalogue against the reference engine, one vitest test per case through the shared
// runner (runCase), so ids, timeouts and clean-up behave exactly as in the CLI.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedTarget } from '../../harness/cases/catalogue.ts';
import { runCase } from '../../harness/cases/run-case.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { engineCatalogue, type EngineCaseContext } from '../../specs/engine/index.ts';

// Double time allowances: `npm test` runs this beside every other test file on a small machine, and a
// wait ends as soon as its frame arrives, so a correct engine costs no extra time.
const tolerance = { ...DEFAULT_TOLERANCE, timeScale: 2 };
let target: OpenedTarget<EngineCaseContext>;
let artifactsRoot = '';
const timings: { id: string; ms: number; verdict: string }[] = [];

beforeAll(async () => {
  artifactsRoot = await mkdtemp(join(tmpdir(), 'engine-catalogue-'));
  target = await engineCatalogue.open({ kind: 'reference' }, { tolerance, artifactsRoot });
});

afterAll(async () => {
  await target?.close();
  await rm(artifactsRoot, { recursive: true, force: true });
  if (process.env.ENGINE_CASE_TIMES) {
    for (const t of timings) process.stdout.write(`${t.ms.toString().padStart(6)} ms  ${t.verdict.padEnd(5)} ${t.id}\n`);
  }
});

describe('engine catalogue against the reference engine', () => {
  for (const def of engineCatalogue.cases) {
    it(
      def.id,
      async () => {
        const result = await runCase(def, target.implementation, target.contextFactory, { seed: 7, tolerance, artifactsRoot });
        timings.push({ id: def.id, ms: result.durationMs, verdict: result.outcome.verdict });
        expect(result.outcome, result.outcome.summary).toMatchObject({ verdict: 'PASS' });
      },
      def.timeoutMs + 5000,
    );
  }
});
