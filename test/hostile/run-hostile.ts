// Runs chosen catalogue cases against one hostile implementation exactly as the CLI does (open the
// target, runCase each case, close the target), and measures what the hostile tests assert: time per
// case, RSS growth, heap retained after GC, and what was left behind.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalogue } from '../../harness/cases/catalogue.ts';
import type { CaseResult } from '../../harness/cases/model.ts';
import { runCase } from '../../harness/cases/run-case.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { eventually, heapUsedMiB, snapshot, watchMemory, type LeakSnapshot } from './support.ts';

export interface HostileRun {
  /** Set when the target could not be opened (every case is then unrun). */
  openError?: string;
  openMs: number;
  results: { result: CaseResult; timeoutMs: number }[];
  rssPeakGrowthMiB: number;
  heapRetainedMiB: number;
  before: LeakSnapshot;
  after: LeakSnapshot;
}

/** Everything a run said about itself, in one string to match misbehaviour words against. */
export function wordsOf(run: HostileRun): string {
  const parts = [run.openError ?? ''];
  for (const { result } of run.results) {
    parts.push(result.outcome.summary);
    for (const f of result.outcome.findings ?? []) parts.push(f.message);
  }
  return parts.join('\n');
}

export async function runHostile<Context, Target>(catalogue: Catalogue<Context, Target>, target: Target, caseIds: readonly string[]): Promise<HostileRun> {
  const defs = caseIds.map((id) => {
    const def = catalogue.cases.find((c) => c.id === id);
    if (!def) throw new Error(`no case ${id} in the ${catalogue.side} catalogue`);
    return def;
  });
  const artifactsRoot = await mkdtemp(join(tmpdir(), 'iii-hostile-'));
  const heapBefore = heapUsedMiB();
  const before = snapshot();
  const memory = watchMemory();
  const results: HostileRun['results'] = [];
  let openError: string | undefined;
  const openStarted = performance.now();
  let openMs = 0;
  try {
    let opened;
    try {
      opened = await catalogue.open(target, { tolerance: DEFAULT_TOLERANCE, artifactsRoot: join(artifactsRoot, '_target') });
    } catch (e) {
      openError = e instanceof Error ? e.message : String(e);
    }
    openMs = performance.now() - openStarted;
    if (opened) {
      try {
        for (const def of defs) {
          const result = await runCase(def, opened.implementation, opened.contextFactory, { seed: 1, tolerance: DEFAULT_TOLERANCE, artifactsRoot });
          results.push({ result, timeoutMs: def.timeoutMs });
        }
      } finally {
        await opened.close();
      }
    }
  } finally {
    await rm(artifactsRoot, { recursive: true, force: true });
  }
  const { rssPeakGrowthMiB } = memory.stop();
  // Children SIGKILLed a moment ago may still be on their way out of the process table.
  await eventually(() => snapshot().children.length <= before.children.length);
  const after = snapshot();
  return {
    ...(openError === undefined ? {} : { openError }),
    openMs,
    results,
    rssPeakGrowthMiB,
    heapRetainedMiB: Math.round((heapUsedMiB() - heapBefore) * 10) / 10,
    before,
    after,
  };
}

/** One line per case for the test log: verdict, time against its timeout, summary. */
export function describeRun(label: string, run: HostileRun): string {
  const lines = [`${label}: open ${Math.round(run.openMs)} ms, RSS peak +${run.rssPeakGrowthMiB} MiB, heap retained ${run.heapRetainedMiB} MiB`];
  if (run.openError) lines.push(`  open failed: ${run.openError.split('\n')[0]}`);
  for (const { result, timeoutMs } of run.results)
    lines.push(`  ${result.outcome.verdict} ${result.id} ${result.durationMs}/${timeoutMs} ms: ${result.outcome.summary.slice(0, 160)}`);
  return lines.join('\n');
}
