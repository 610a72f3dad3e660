// Repro bundles: every case that did not pass (FAIL, ERROR, INDETERMINATE, or flaky) leaves a folder with
// everything needed to reproduce it: versions, seeds, tolerance, the fault schedule, the transcript and logs
// (copied in, so the folder can be attached to an issue on its own), the exact command that reruns just that
// case, and the command that replays its transcript.
//
//   reports/<run>/repro/<side>/<case id>/bundle.json   the facts (format iii-conformance-repro, version 1)
//                                         rerun.sh      the rerun command, executable
//                                         transcript.jsonl, logs/…

import { copyFile, mkdir, writeFile, chmod } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ToleranceModel } from '../timing/tolerance.ts';
import type { CatalogueRun, CaseRun } from '../runner/types.ts';
import { toJsonSafe } from './json-safe.ts';
import { forTerminal } from '../util/terminal.ts';

export interface ReproBundle {
  format: 'iii-conformance-repro';
  version: 1;
  createdAt: string;
  case: CaseRun['info'];
  side: 'sdk' | 'engine';
  target: string;
  implementation: CatalogueRun['implementation'];
  harness: { version: string; node: string; platform: string };
  seed: { base: number; case: number };
  tolerance: ToleranceModel;
  verdict: string;
  summary: string;
  flaky: boolean;
  attempts: { verdict: string; summary: string; durationMs: number }[];
  expected?: unknown;
  actual?: unknown;
  timings?: unknown;
  findings?: unknown;
  faultSchedule?: unknown;
  /** File names inside the bundle folder. */
  transcript?: string;
  logs: string[];
  /** Reruns just this case with the same seed. */
  rerun: string;
  /** Replays the recorded transcript against the same target, reporting the first divergence. */
  replay?: string;
}

export function needsRepro(c: CaseRun): boolean {
  const v = c.result.outcome.verdict;
  return v === 'FAIL' || v === 'ERROR' || v === 'INDETERMINATE' || c.flaky;
}

export interface WriteReproInput {
  dir: string;
  run: CatalogueRun;
  caseRun: CaseRun;
  baseSeed: number;
  tolerance: ToleranceModel;
  harnessVersion: string;
  rerun: string;
  /** What rerun.sh needs to work from any directory, each already shell-quoted (see rerunScript). */
  rerunFrom: RerunFrom;
  /** Given the copied transcript's path, the replay command (undefined when replay does not apply). */
  replay?: (transcriptPath: string) => string | undefined;
}

export interface RerunFrom {
  /** The folder the failing run was started in: a target's relative paths (cmd:, --engine-cmd) mean it. */
  cwd: string;
  /** bin/iii-conformance.mjs of the harness that wrote the bundle. */
  bin: string;
  /** The arguments after the command name. */
  args: string;
}

/**
 * The lines of rerun.sh after its first comment line. It runs in the folder of the failing run when that
 * exists (elsewhere, e.g. a bundle attached to an issue, in the current one), with the harness that wrote
 * the bundle while it is installed, else with the current project's (`npx --no`: never a download).
 */
function rerunScript(from: RerunFrom): string {
  return [
    '# Works from any directory; III_CONFORMANCE_BIN=<path of bin/iii-conformance.mjs> picks another harness.',
    `cd ${from.cwd} 2>/dev/null || echo 'rerun.sh: the folder of the failing run is not here: running in the current one' >&2`,
    `bin=${from.bin}`,
    '[ -n "${III_CONFORMANCE_BIN:-}" ] && bin=$III_CONFORMANCE_BIN',
    `[ -f "$bin" ] && exec node "$bin" ${from.args}`,
    `exec npx --no iii-conformance ${from.args}`,
    '',
  ].join('\n');
}

async function copyInto(dir: string, file: string, name: string): Promise<string | undefined> {
  try {
    await copyFile(file, join(dir, name));
    return name;
  } catch {
    return undefined; // a case may name a file it never wrote; the bundle says what exists
  }
}

export async function writeReproBundle(input: WriteReproInput): Promise<ReproBundle> {
  const { dir, caseRun: c, run } = input;
  await mkdir(dir, { recursive: true });
  const artifacts = c.result.artifacts;
  const transcript = artifacts.transcriptFile ? await copyInto(dir, artifacts.transcriptFile, 'transcript.jsonl') : undefined;
  const logs: string[] = [];
  if (artifacts.logFiles && artifacts.logFiles.length > 0) await mkdir(join(dir, 'logs'), { recursive: true });
  for (const [i, f] of (artifacts.logFiles ?? []).entries()) {
    const copied = await copyInto(dir, f, join('logs', `${i}-${basename(f)}`));
    if (copied) logs.push(copied);
  }
  const o = c.result.outcome;
  const replay = transcript && input.replay ? input.replay(join(dir, transcript)) : undefined;
  const bundle: ReproBundle = {
    format: 'iii-conformance-repro',
    version: 1,
    createdAt: new Date().toISOString(),
    case: c.info,
    side: run.side,
    target: run.target,
    implementation: run.implementation,
    harness: { version: input.harnessVersion, node: process.version, platform: `${process.platform}-${process.arch}` },
    seed: { base: input.baseSeed, case: c.result.seed },
    tolerance: input.tolerance,
    verdict: o.verdict,
    summary: o.summary,
    flaky: c.flaky,
    attempts: c.attempts.map((a) => ({ verdict: a.outcome.verdict, summary: a.outcome.summary, durationMs: a.durationMs })),
    ...(o.expected !== undefined ? { expected: toJsonSafe(o.expected) } : {}),
    ...(o.actual !== undefined ? { actual: toJsonSafe(o.actual) } : {}),
    ...(o.timings && o.timings.length > 0 ? { timings: o.timings } : {}),
    ...(o.findings && o.findings.length > 0 ? { findings: toJsonSafe(o.findings) } : {}),
    ...(artifacts.faultSchedule !== undefined ? { faultSchedule: toJsonSafe(artifacts.faultSchedule) } : {}),
    ...(transcript ? { transcript } : {}),
    logs,
    rerun: input.rerun,
    ...(replay ? { replay } : {}),
  };
  await writeFile(join(dir, 'bundle.json'), `${JSON.stringify(bundle, null, 2)}\n`);
  // The target is the user's text and may hold a newline: in a comment it would end the comment and run
  // as a command, so every control character is shown escaped (terminal.ts does exactly that).
  const script = `#!/bin/sh\n# Reruns ${forTerminal(c.info.id)} against ${forTerminal(run.target)} with the seed of the failing run.\n${rerunScript(input.rerunFrom)}`;
  await writeFile(join(dir, 'rerun.sh'), script);
  await chmod(join(dir, 'rerun.sh'), 0o755);
  return bundle;
}
