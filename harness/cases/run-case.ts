// Runs one case against one implementation: capability gate, context set-up, a hard timeout, and
// clean-up that happens whatever the case did. Shared by the CLI runner and the vitest wrappers.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CaseArtifacts, CaseDefinition, CaseOutcome, CaseResult, ContextFactory, Implementation } from './model.ts';
import { outcome } from './model.ts';
import { DEFAULT_TOLERANCE, type ToleranceModel } from '../timing/tolerance.ts';

export interface RunCaseOptions {
  seed: number;
  tolerance?: ToleranceModel;
  /** Root folder for artifacts; the case gets `<root>/<case id>/`. */
  artifactsRoot: string;
}

export async function runCase<Context>(
  def: CaseDefinition<Context>,
  implementation: Implementation,
  makeContext: ContextFactory<Context>,
  options: RunCaseOptions,
): Promise<CaseResult> {
  const started = performance.now();
  const finish = (o: CaseOutcome, artifacts: CaseArtifacts = {}): CaseResult => ({
    id: def.id,
    title: def.title,
    level: def.level,
    sources: def.sources,
    lane: def.lane,
    ...(def.disagreement ? { disagreement: def.disagreement } : {}),
    outcome: o,
    durationMs: Math.round(performance.now() - started),
    seed: options.seed,
    artifacts,
  });

  const missing = def.requires.filter((c) => !implementation.capabilities.includes(c));
  if (missing.length > 0) {
    return finish(outcome.unsupported(`${implementation.name} does not declare ${missing.join(', ')}`));
  }

  const artifactsDir = join(options.artifactsRoot, def.id);
  await mkdir(artifactsDir, { recursive: true });
  const abort = new AbortController();
  let prepared;
  try {
    prepared = await makeContext({
      caseId: def.id,
      seed: options.seed,
      tolerance: options.tolerance ?? DEFAULT_TOLERANCE,
      artifactsDir,
      signal: abort.signal,
      judgesTiming: def.judgesTiming === true,
    });
  } catch (e) {
    return finish(outcome.error(`could not set up the case: ${messageOf(e)}`));
  }

  let timer: NodeJS.Timeout | undefined;
  let result: CaseOutcome;
  try {
    const timeout = new Promise<CaseOutcome>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve(outcome.fail(`no verdict within the case's ${def.timeoutMs} ms timeout`, `a verdict within ${def.timeoutMs} ms`, 'the case was still running'));
      }, def.timeoutMs);
    });
    result = await Promise.race([def.run(prepared.ctx), timeout]);
  } catch (e) {
    result = outcome.error(`the case threw: ${messageOf(e)}`);
  } finally {
    if (timer) clearTimeout(timer);
  }

  let artifacts: CaseArtifacts = {};
  try {
    artifacts = await prepared.collect();
  } catch (e) {
    result.findings = [...(result.findings ?? []), { severity: 'warning', message: `artifacts not collected: ${messageOf(e)}` }];
  }
  try {
    await prepared.dispose();
  } catch (e) {
    result.findings = [...(result.findings ?? []), { severity: 'warning', message: `clean-up failed: ${messageOf(e)}` }];
  }
  abort.abort();
  return finish(result, artifacts);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
