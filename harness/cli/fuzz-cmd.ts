// `iii-conformance fuzz sdk <target> | engine …`: runs only the fuzz lane (the *.fuzz.* cases) through the
// usual job (baselines, reports, repro bundles), then prints the frame counts and frames/s per side.

import { describeLane } from '../fuzz/lane.ts';
import { setFuzzFrames } from '../fuzz/settings.ts';
import { fuzzTallies, resetFuzzTallies } from '../fuzz/tally.ts';
import { UsageError } from './errors.ts';
import type { CliIO } from './io.ts';
import { parseRunOptions, type RawRunOptions } from './options.ts';
import { runJob, type SidePlan } from './run-job.ts';
import { parseEngineTarget, parseSdkTarget, type EngineOptionValues } from './targets.ts';
import { forTerminal } from '../util/terminal.ts';

export type FuzzOptions = RawRunOptions & EngineOptionValues & { frames?: string };

export async function fuzz(side: string, target: string | undefined, raw: FuzzOptions, io: CliIO, argv: readonly string[]): Promise<number> {
  let plan: SidePlan;
  if (side === 'sdk') {
    if (target === undefined) throw new UsageError('fuzz sdk needs a target: node | python | rust | go | cmd:"<command>"');
    plan = { side: 'sdk', spec: parseSdkTarget(target) };
  } else if (side === 'engine') {
    if (target !== undefined)
      throw new UsageError('fuzz engine takes no target argument: use --engine-url, --engine-cmd or --engine-image (default: the reference engine)');
    plan = { side: 'engine', spec: parseEngineTarget(raw) };
  } else {
    throw new UsageError(`fuzz: unknown side "${side}": use sdk or engine`);
  }
  if (raw.frames !== undefined) {
    if (!/^\d+$/.test(raw.frames.trim()) || Number(raw.frames) < 1 || Number(raw.frames) > 10_000_000)
      throw new UsageError(`--frames "${raw.frames}" must be a whole number from 1 to 10000000`);
    setFuzzFrames(Number(raw.frames));
  }
  const options = { ...parseRunOptions(raw, io.env), cases: [`${side}.fuzz.*`] };
  resetFuzzTallies();
  try {
    const code = await runJob([plan], options, io, argv);
    for (const t of fuzzTallies()) {
      io.stdout.write(`fuzz ${t.side} ${forTerminal(t.implementation)}: ${describeLane(t.result)}${t.result.death ? ' (stopped at a death)' : ''}\n`);
    }
    return code;
  } finally {
    setFuzzFrames(undefined);
  }
}
