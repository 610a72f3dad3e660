// Runs one property with fast-check against one SDK target: a fresh fake engine and driver per run,
// INDETERMINATE runs skipped (never counted as passes), shrinking bounded by a time budget, and a
// failure turned into a case outcome that carries the shrunk input, its transcript, the seed and path,
// and the one command that replays exactly that counterexample.

import fc from 'fast-check';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CaseOutcome, Finding, Verdict } from '../../../harness/cases/model.ts';
import { outcomeOfThrown } from '../../../harness/cases/verdict-policy.ts';
import { outcome } from '../../../harness/cases/model.ts';
import { FakeEngine } from '../../../harness/fake-engine/index.ts';
import type { DriverSession } from '../../../harness/targets/sdk/session.ts';
import type { TranscriptRecord } from '../../../harness/transcript/records.ts';
import { scriptCommand } from '../../../harness/paths.ts';
import type { SdkCaseContext } from '../context.ts';
import type { ScenarioEnv } from '../backoff/scenario.ts';
import type { AnyProperty, PropertyRunEnv } from './model.ts';

export interface PropertyRunOptions {
  seed: number;
  /** fast-check counterexample path: replay that input (and shrink on from it). */
  path?: string;
  numRuns: number;
  shrinkBudgetMs: number;
  /** false: stop at the first failure without shrinking (the mutant tests use it to save time). */
  shrink?: boolean;
  /** Folder for the counterexample file (default reports/properties). */
  outDir?: string;
  /** How the replay command names the target (default: derived from the implementation name). */
  targetArg?: string;
}

export interface RunRecord {
  index: number;
  input: unknown;
  verdict: Verdict | 'SKIPPED-SHRINK-BUDGET';
  summary: string;
  ms: number;
  /** Transcript records of this run: [firstSeq, lastSeq). */
  firstSeq: number;
  lastSeq: number;
}

export interface Counterexample {
  property: string;
  target: string;
  seed: number;
  path: string;
  input: unknown;
  verdict: CaseOutcome;
  /** The shrunk run's part of the case transcript (engine frames, driver lines, notes). */
  transcript: TranscriptRecord[];
  replay: string;
}

export interface PropertyReport {
  outcome: CaseOutcome;
  seed: number;
  numRuns: number;
  runs: RunRecord[];
  counterexample?: Counterexample;
  counterexampleFile?: string;
  wallMs: number;
}

/** How the replay command names the target the context runs against. */
export function targetArgument(ctx: SdkCaseContext): string {
  const name = ctx.implementation.name;
  const mutant = /\[(?:mutant )?([^\]]+)\]\s*$/.exec(name);
  if (mutant) return `--node-mutant ${mutant[1]}`;
  const lang = /\((node|python|rust|go)\)/.exec(name);
  return `--sdk ${lang ? lang[1] : 'node'}`;
}

/** The replay script, as a command that works where this code runs (harness/paths.ts). */
const REPLAY = scriptCommand('specs/sdk/properties/replay.ts');

export function replayCommand(p: AnyProperty, target: string, seed: number, path: string): string {
  return `${REPLAY} ${target} --property ${p.id} --seed ${seed} --path ${path}`;
}

export async function runProperty(p: AnyProperty, ctx: SdkCaseContext, options: PropertyRunOptions): Promise<PropertyReport> {
  const started = performance.now();
  const target = options.targetArg ?? targetArgument(ctx);
  const transcript = ctx.engine.transcript;
  const runs: RunRecord[] = [];
  const harnessErrors: string[] = [];
  let lastFailure: { record: RunRecord; verdict: CaseOutcome } | undefined;
  let firstFailureAt: number | undefined;

  const predicate = async (input: unknown): Promise<boolean> => {
    const index = runs.length + 1;
    if (firstFailureAt !== undefined && performance.now() - firstFailureAt > options.shrinkBudgetMs) {
      // Shrinking has used its budget: keep the smallest failure found so far, run nothing more.
      runs.push({
        index,
        input,
        verdict: 'SKIPPED-SHRINK-BUDGET',
        summary: 'not run: shrink budget used',
        ms: 0,
        firstSeq: transcript.size,
        lastSeq: transcript.size,
      });
      return true;
    }
    if (ctx.signal.aborted) return true;
    const firstSeq = transcript.size;
    ctx.note(`${p.id} run ${index}${firstFailureAt !== undefined ? ' (shrinking)' : ''}`, input);
    const t0 = performance.now();
    const { env, close } = await runEnvironment(ctx, index);
    let verdict: CaseOutcome;
    try {
      verdict = await p.playInput(env, input);
    } catch (e) {
      verdict = judgeThrown(e);
    } finally {
      await close();
    }
    const record: RunRecord = {
      index,
      input,
      verdict: verdict.verdict,
      summary: verdict.summary,
      ms: Math.round(performance.now() - t0),
      firstSeq,
      lastSeq: transcript.size,
    };
    ctx.note(`${p.id} run ${index}: ${record.verdict} in ${record.ms} ms: ${record.summary}`);
    record.lastSeq = transcript.size;
    runs.push(record);
    if (verdict.verdict === 'ERROR' || verdict.verdict === 'UNSUPPORTED') {
      // The harness could not play this input: not evidence either way, so the run is skipped.
      harnessErrors.push(record.summary);
      fc.pre(false);
      return true;
    }
    if (verdict.verdict === 'INDETERMINATE') {
      fc.pre(false); // undecided under load: neither a pass nor a failure
      return true;
    }
    if (verdict.verdict === 'FAIL') {
      lastFailure = { record, verdict };
      firstFailureAt ??= performance.now();
      return false;
    }
    return true;
  };

  const details = await fc.check(fc.asyncProperty(p.arbitrary, predicate), {
    seed: options.seed,
    numRuns: options.numRuns,
    maxSkipsPerRun: 1,
    endOnFailure: options.shrink === false,
    ...(options.path === undefined ? {} : { path: options.path }),
  });

  const wallMs = Math.round(performance.now() - started);
  const executed = runs.filter((r) => r.verdict !== 'SKIPPED-SHRINK-BUDGET');
  const counts = `${executed.length} runs (${count(executed, 'PASS')} pass, ${count(executed, 'FAIL')} fail, ${count(executed, 'INDETERMINATE')} indeterminate${harnessErrors.length ? `, ${harnessErrors.length} harness errors` : ''}) in ${Math.round(wallMs / 100) / 10} s, seed ${options.seed}`;
  const base = { seed: options.seed, numRuns: options.numRuns, runs, wallMs };

  if (details.failed && details.counterexamplePath !== null && lastFailure) {
    const path = details.counterexamplePath;
    const replay = replayCommand(p, target, options.seed, path);
    const cx: Counterexample = {
      property: p.id,
      target: ctx.implementation.name,
      seed: options.seed,
      path,
      input: lastFailure.record.input,
      verdict: lastFailure.verdict,
      transcript: [...transcript.read(lastFailure.record.firstSeq, lastFailure.record.lastSeq)] as TranscriptRecord[],
      replay,
    };
    const file = await saveCounterexample(cx, options.outDir);
    const replayFile = `${REPLAY} ${target} --counterexample ${file} --repeat 10`;
    ctx.note(`${p.id}: counterexample after ${details.numShrinks} shrinks (run ${lastFailure.record.index}); replay: ${replay}`, lastFailure.record.input);
    const findings: Finding[] = [
      {
        severity: 'info',
        message: `shrunk counterexample (after ${details.numShrinks} shrink steps, run ${lastFailure.record.index}): ${JSON.stringify(lastFailure.record.input)}`,
      },
      {
        severity: 'info',
        message: `replay exactly this counterexample: ${replay}  (or play the saved input; --repeat helps when the failure is a race: ${replayFile})`,
      },
      { severity: 'info', message: counts },
    ];
    const o = outcome.fail(
      `${lastFailure.verdict.summary} [seed ${options.seed}, path ${path}]`,
      lastFailure.verdict.expected ?? 'the property to hold',
      lastFailure.verdict.actual ?? lastFailure.verdict.summary,
      {
        findings,
        ...(lastFailure.verdict.timings ? { timings: lastFailure.verdict.timings } : {}),
      },
    );
    return { ...base, outcome: o, counterexample: cx, counterexampleFile: file };
  }
  if (details.failed && count(executed, 'PASS') === 0) {
    if (harnessErrors.length > 0) return { ...base, outcome: outcome.error(`${p.id}: the harness could not run the property: ${harnessErrors[0]}`) };
    return { ...base, outcome: outcome.indeterminate(`${p.id}: no run could be decided (${counts})`) };
  }
  if (details.failed) {
    // Too many skips, but some runs passed and none failed: say so rather than pass silently.
    return { ...base, outcome: outcome.indeterminate(`${p.id}: too many undecidable runs (${counts})`) };
  }
  return {
    ...base,
    outcome: outcome.pass(`${p.id} held: ${counts}`, {
      findings: [{ severity: 'info', message: `replay this run: ${REPLAY} ${target} --property ${p.id} --seed ${options.seed}` }],
    }),
  };
}

/** Plays one input once (a saved counterexample), outside fast-check. */
export async function runOnce(p: AnyProperty, ctx: SdkCaseContext, input: unknown): Promise<CaseOutcome> {
  ctx.note(`${p.id}: replaying a saved counterexample`, input);
  const { env, close } = await runEnvironment(ctx, 1);
  try {
    return await p.playInput(env, input);
  } catch (e) {
    return judgeThrown(e);
  } finally {
    await close();
  }
}

/** What a check threw, judged by the one verdict policy; what the policy does not know is the harness's ERROR. */
function judgeThrown(e: unknown): CaseOutcome {
  return outcomeOfThrown(e) ?? outcome.error(`the harness could not run it: ${e instanceof Error ? e.message : String(e)}`);
}

function count(runs: readonly RunRecord[], verdict: RunRecord['verdict']): number {
  return runs.filter((r) => r.verdict === verdict).length;
}

/** A fresh fake engine for one run (sharing the case transcript) and drivers stopped at its end. */
async function runEnvironment(ctx: SdkCaseContext, index: number): Promise<{ env: PropertyRunEnv; close(): Promise<void> }> {
  const engine = await FakeEngine.start({ transcript: ctx.engine.transcript, peerName: `engine(run ${index})` });
  const drivers: DriverSession[] = [];
  const scenario: ScenarioEnv = {
    engine,
    async startDriver(reconnection) {
      const d = await ctx.startDriver(reconnection === 'sdk-defaults' ? { engine, omit: ['reconnection'] } : { engine, reconnection: { ...reconnection } });
      drivers.push(d);
      return d;
    },
    tolerance: ctx.tolerance,
    replyMs: ctx.timing.replyMs,
    quietMs: ctx.timing.quietMs,
    signal: ctx.signal,
    note: (text, data) => ctx.note(`run ${index}: ${text}`, data),
    loadProbe: () => ctx.loadProbe(),
  };
  return {
    env: { ctx, engine, scenario },
    async close() {
      await Promise.all(drivers.map((d) => d.stop().catch(() => undefined)));
      await engine.close();
    },
  };
}

async function saveCounterexample(cx: Counterexample, outDir?: string): Promise<string> {
  // reports/ of the working directory, like a run's own reports: an installed package may not be writable.
  const dir = outDir ?? join(process.cwd(), 'reports', 'properties');
  await mkdir(dir, { recursive: true });
  const slug = `${cx.target}`.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^_+|_+$/g, '');
  const file = join(dir, `${slug}--${cx.property}--seed${cx.seed}.json`);
  await writeFile(file, `${JSON.stringify(cx, null, 2)}\n`);
  return file;
}
