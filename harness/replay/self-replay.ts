// Self-replay: run cases against an implementation, then replay each case's own transcript against the same
// implementation several times. A correct replay finds no divergence here; every one is spurious. Used by
// test/cli/replay-self*.test.ts to count divergences per case.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalogue, SdkTargetSpec } from '../cases/catalogue.ts';
import type { CaseDefinition } from '../cases/model.ts';
import { runCatalogue } from '../runner/run-catalogue.ts';
import type { ProgressSink } from '../runner/progress.ts';
import { parseRecords, replayAgainstEngine, scriptFromRecords, unreplayable, type ReplayReport, type ReplayScript } from '../runner/replay.ts';
import { DEFAULT_TOLERANCE } from '../timing/tolerance.ts';
import { replayRuns, splitRuns } from './runs.ts';
import { replayAgainstSdk } from './sdk.ts';

export interface SelfReplayCase {
  id: string;
  verdict: string;
  /** Why the case was not replayed (no transcript, several drivers…); absent when it was. */
  skipped?: string;
  replays: number;
  divergences: { message: string }[];
  /** Timing findings a busy machine could not decide (INDETERMINATE): neither a divergence nor a match. */
  undecided: { message: string }[];
}

const SILENT: ProgressSink = { begin() {}, caseStarted() {}, caseFinished() {}, end() {} };

async function commandsOfLog(file: string | undefined): Promise<Record<string, unknown>[]> {
  if (!file) return [];
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as Record<string, unknown>;
      if (r.dir === 'command' && typeof r.cmd === 'string') out.push(r);
    } catch {
      // stderr text
    }
  }
  return out;
}

export interface SelfReplayOptions<Context> {
  cases: readonly CaseDefinition<Context>[];
  times: number;
  /** Replays one script against the implementation. */
  replayOnce(script: ReplayScript, commands: Record<string, unknown>[]): Promise<ReplayReport>;
  /** Why a case's script cannot be replayed by this side (undefined: it can). */
  cannotReplay?(script: ReplayScript): string | undefined;
}

export async function selfReplay<Context, Target>(
  catalogue: Catalogue<Context, Target>,
  target: Target,
  options: SelfReplayOptions<Context>,
): Promise<SelfReplayCase[]> {
  const root = await mkdtemp(join(tmpdir(), 'iii-conf-self-replay-'));
  try {
    const run = await runCatalogue(catalogue, target, {
      targetLabel: 'self-replay',
      cases: options.cases,
      repeat: 1,
      baseSeed: 1,
      tolerance: DEFAULT_TOLERANCE,
      artifactsRoot: root,
      progress: SILENT,
    });
    const out: SelfReplayCase[] = [];
    for (const c of run.cases) {
      const base = {
        id: c.info.id,
        verdict: c.result.outcome.verdict,
        replays: 0,
        divergences: [] as { message: string }[],
        undecided: [] as { message: string }[],
      };
      const file = c.result.artifacts.transcriptFile;
      if (!file) {
        out.push({ ...base, skipped: 'the case wrote no transcript' });
        continue;
      }
      // A property case holds several runs (each its own engine and driver): they replay one after another.
      const runs = splitRuns(parseRecords(await readFile(file, 'utf8'))).map((r) => ({ ...r, script: scriptFromRecords(r.records) }));
      const why = runs.every((r) => r.script.steps.length === 0)
        ? 'the transcript holds no frame on the worker socket'
        : runs.map((r) => unreplayable(r.script) ?? options.cannotReplay?.(r.script)).find((w) => w !== undefined);
      if (why) {
        out.push({ ...base, skipped: why });
        continue;
      }
      const logCommands = await commandsOfLog(c.result.artifacts.logFiles?.[0]);
      for (let n = 0; n < options.times; n++) {
        // Commands found only in the driver log (older transcripts) are the first driver's.
        const r = await replayRuns(runs, (script, run) => options.replayOnce(script, [...script.driverCommands, ...(run === runs[0]?.run ? logCommands : [])]));
        base.replays++;
        if (r.divergence) base.divergences.push({ message: r.divergence.message });
        for (const u of r.undecided ?? []) base.undecided.push({ message: u.message });
      }
      out.push(base);
    }
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function sdkSelfReplay(spec: SdkTargetSpec): Pick<SelfReplayOptions<unknown>, 'replayOnce' | 'cannotReplay'> {
  return {
    replayOnce: (script, commands) => replayAgainstSdk(script, spec, { commands, label: 'self' }),
    cannotReplay: (script) => (script.driverStarts.length > 1 ? `the case starts ${script.driverStarts.length} drivers at once; replay plays one` : undefined),
  };
}

/** Each replay against a fresh reference engine, as each case had its own. */
export function referenceEngineSelfReplay(): Pick<SelfReplayOptions<unknown>, 'replayOnce'> {
  return {
    replayOnce: async (script) => {
      const { startReferenceEngine } = await import('../reference-engine/index.ts');
      const engine = await startReferenceEngine({ log: () => {}, ...script.engineSettings });
      try {
        return await replayAgainstEngine(script, engine.url);
      } finally {
        await engine.close();
      }
    },
  };
}
