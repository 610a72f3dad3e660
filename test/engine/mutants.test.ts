// Every engine case can fail: each case PASSes against the reference engine and FAILs against every
// mutant engine that names it in `kills` (fixtures/mutants/engine/index.ts), and every case is named by
// at least one mutant. The table case -> mutant is printed with ENGINE_CASE_TIMES=1.

import { ENGINE_TABLES, renderEngineMutantTables } from '../../fixtures/mutants/engine/case-table.ts';
import { replaceGeneratedBlock } from '../../harness/util/generated-block.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCase } from '../../harness/cases/run-case.ts';
import type { CaseResult } from '../../harness/cases/model.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { ENGINE_MUTANTS, type EngineMutant } from '../../fixtures/mutants/engine/index.ts';
import { engineCases, openEngine } from '../../specs/engine/index.ts';

let artifactsRoot = '';
const rows: string[] = [];

beforeAll(async () => {
  artifactsRoot = await mkdtemp(join(tmpdir(), 'engine-mutants-'));
});

afterAll(async () => {
  await rm(artifactsRoot, { recursive: true, force: true });
  if (process.env.ENGINE_CASE_TIMES) process.stdout.write(`${rows.join('\n')}\n`);
});

// Cases run five at a time in one process, beside other test files: the reference runs get double time
// allowances so that load never fails them (waits end as soon as the frame arrives, so this costs
// nothing when the engine is right). A mutant is expected to FAIL, so its runs get half: missing
// replies are declared missing sooner.
const REFERENCE_TOLERANCE = { ...DEFAULT_TOLERANCE, timeScale: 2 };
const MUTANT_TOLERANCE = { ...DEFAULT_TOLERANCE, timeScale: 0.5 };

async function runAgainst(caseId: string, mutant?: EngineMutant): Promise<CaseResult> {
  const def = engineCases.find((c) => c.id === caseId);
  if (!def) throw new Error(`no engine case ${caseId}`);
  const target = await openEngine(
    { kind: 'reference' },
    { tolerance: DEFAULT_TOLERANCE, artifactsRoot, ...(mutant ? { engineClass: mutant.engineClass } : {}) },
  );
  try {
    return await runCase(def, target.implementation, target.contextFactory, {
      seed: 11,
      tolerance: mutant ? MUTANT_TOLERANCE : REFERENCE_TOLERANCE,
      artifactsRoot: join(artifactsRoot, mutant?.name ?? 'reference'),
    });
  } finally {
    await target.close();
  }
}

describe('the case -> mutant table', () => {
  it('names only existing cases and kills every case at least once', () => {
    const ids = new Set(engineCases.map((c) => c.id));
    const unknown = ENGINE_MUTANTS.flatMap((m) => m.kills.filter((k) => !ids.has(k)).map((k) => `${m.name}: ${k}`));
    expect(unknown).toEqual([]);
    const killed = new Set(ENGINE_MUTANTS.flatMap((m) => m.kills));
    expect(engineCases.map((c) => c.id).filter((id) => !killed.has(id))).toEqual([]);
    expect(new Set(ENGINE_MUTANTS.map((m) => m.name)).size).toBe(ENGINE_MUTANTS.length);
  });

  it('is written down in fixtures/mutants/engine/README.md (regenerate with `npm run catalogue:docs`)', async () => {
    const readme = await readFile('fixtures/mutants/engine/README.md', 'utf8');
    expect(readme).toBe(replaceGeneratedBlock(readme, ENGINE_TABLES, renderEngineMutantTables(engineCases, ENGINE_MUTANTS)));
  });
});

// Cases mostly wait on sockets and timers, so they run a few at a time; each has its own engines.
describe.concurrent('every engine case passes on the reference engine and fails on its mutants', () => {
  for (const def of engineCases) {
    const killers = ENGINE_MUTANTS.filter((m) => m.kills.includes(def.id));
    it(
      def.id,
      async () => {
        const ref = await runAgainst(def.id);
        expect(ref.outcome, `reference: ${ref.outcome.summary}`).toMatchObject({ verdict: 'PASS' });
        for (const m of killers) {
          const r = await runAgainst(def.id, m);
          rows.push(`${def.id.padEnd(52)} ${m.name.padEnd(30)} ${r.outcome.verdict} ${String(r.durationMs).padStart(5)} ms  ${r.outcome.summary.slice(0, 90)}`);
          expect(r.outcome.verdict, `${m.name} (${m.bug}): ${r.outcome.summary}`).toBe('FAIL');
        }
      },
      def.timeoutMs * (killers.length + 1) + 5000,
    );
  }
});
