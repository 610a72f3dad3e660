// `replay <transcript | bundle>`: plays the recorded engine side against an SDK target (--sdk), or the
// recorded worker side against an engine (--engine-url, or the embedded reference engine), and prints the
// first frame where the live behaviour diverges from the recording. Exit 0: no divergence; 1: divergence;
// 3: bad arguments; 4: the target could not be started or reached.

import { CLI_NAME } from './cli-name.ts';
import type { SdkTargetSpec } from '../cases/catalogue.ts';
import { parseRecords, replayAgainstEngine, scriptFromRecords, unreplayable, type ReplayReport, type ReplayScript } from '../runner/replay.ts';
import { replayAgainstSdk, SdkStartError, type SdkReplayOptions } from '../replay/sdk.ts';
import { replayRuns, splitRuns } from '../replay/runs.ts';
import { EXIT } from '../baselines/gate.ts';
import { SetupError, UsageError } from './errors.ts';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { divergenceSignature, minimalTranscript, minimize } from '../replay/minimize.ts';
import { sequenceDiagram } from '../transcript/sequence-diagram.ts';
import type { TranscriptRecord } from '../transcript/records.ts';
import type { CliIO } from './io.ts';
import { checkEngineReachable, parseSdkTarget, parseWsUrl } from './targets.ts';
import { loadReplaySource, readTranscriptText, visible, type ReplaySource } from '../replay/bundle.ts';
import { isBuiltinSdkName, isInteractive, isLoopbackUrl, pastableArgument } from '../replay/target-policy.ts';

/** How long replay waits for each recorded frame of the other side, before the time scale. */
const DEFAULT_STEP_TIMEOUT_MS = { sdk: 5000, engine: 3000 } as const;

export interface ReplayOptions {
  sdk?: string;
  engineUrl?: string;
  stepTimeout?: string;
  /** Shrink the diverging transcript to the fewest steps that diverge the same way; write it here. */
  minimize?: boolean | string;
  /** Print the transcript as a timeline (E→W / W→E per frame), the diverging frame marked. */
  print?: boolean;
}

async function commandsFromLogs(logs: readonly string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const log of logs) {
    let text: string;
    try {
      text = await readTranscriptText(log);
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      try {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (r.dir === 'command' && typeof r.cmd === 'string') out.push(r);
      } catch {
        // not a JSON line: free text log
      }
    }
  }
  return out;
}

function printable(frame: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(frame) ?? String(frame);
  } catch {
    text = '(a frame too deeply nested to print)';
  }
  return visible(text, 4000);
}

/**
 * The recording as a sequence diagram (harness/transcript/sequence-diagram.ts), with the frame replay diverged
 * at marked. The records come from an untrusted file: every piece of their text is made inert there, and
 * each line once more here.
 */
function printTimeline(io: CliIO, records: readonly unknown[], r: ReplayReport): void {
  io.stdout.write('replay: the recording, as a sequence diagram (▶ engine to worker, ◀ worker to engine):\n');
  for (const line of sequenceDiagram(records, r.divergence ? { markSeq: r.divergence.step.seq } : {})) io.stdout.write(`${visible(line, 400)}\n`);
}

function printReport(io: CliIO, r: ReplayReport, records?: readonly unknown[]): number {
  if (records) printTimeline(io, records, r);
  const w = (s: string) => io.stdout.write(`${s}\n`);
  const other = r.role === 'worker' ? 'engine' : 'SDK';
  if (!r.divergence) {
    w(
      `replay: no divergence — sent ${r.sent} recorded frame${r.sent === 1 ? '' : 's'} as the ${r.role}, and the ${other} (${visible(r.target)}) answered like the recording (${r.compared} frame${r.compared === 1 ? '' : 's'} compared).`,
    );
    if (r.extra > 0) w(`        the ${other} sent ${r.extra} more frame${r.extra === 1 ? '' : 's'} after the recording ended.`);
    return EXIT.ok;
  }
  const d = r.divergence;
  // SDK replay also compares what is not a frame (harness/replay/compare-observations.ts): say which record.
  const where = d.record && d.record !== 'frame' ? `the ${d.record}${d.type ? ` (${visible(d.type, 200)})` : ''}` : `${other} frame ${d.index + 1}`;
  w(`replay: DIVERGED at ${where} (after ${r.sent} sent, ${r.compared} matched)`);
  // The message and the live frame come from the implementation: printed with control bytes made visible.
  w(`  ${visible(d.message, 2000)}`);
  if (d.step.frame !== undefined) w(`  recorded: ${printable(d.step.frame)}`);
  if (d.actual !== undefined) w(`  live:     ${printable(d.actual)}`);
  return d.kind === 'connect-failed' ? EXIT.setup : EXIT.regression;
}

/** Runs ddmin, writes minimal.jsonl (or the file named) and prints the command that replays it. */
async function minimizeAndWrite(
  io: CliIO,
  script: ReplayScript,
  transcriptText: string,
  once: (s: ReplayScript) => Promise<ReplayReport>,
  output: boolean | string,
  targetArgs: string,
): Promise<number> {
  const w = (s: string) => io.stdout.write(`${s}\n`);
  const result = await minimize(script, once);
  if ('refused' in result) {
    if (result.refused === 'setup') return printReport(io, result.report);
    if (result.refused === 'no-divergence') {
      const undecided = result.report.undecided?.length ?? 0;
      w(
        undecided > 0
          ? `replay: no divergence, but ${undecided} timing finding${undecided === 1 ? '' : 's'} the busy machine could not decide (INDETERMINATE): there is nothing to minimise`
          : 'replay: the transcript replays without divergence: there is nothing to minimise',
      );
      return EXIT.ok;
    }
    const said = (r: ReplayReport) => (r.divergence ? `${divergenceSignature(r.divergence)}: ${visible(r.divergence.message, 400)}` : 'no divergence');
    w(
      'replay: the divergence did not reproduce: two replays of the whole transcript disagree, so it is not minimised (ddmin over a flaky divergence shrinks to noise)',
    );
    w(`  first:  ${visible(said(result.first), 600)}`);
    w(`  second: ${visible(said(result.second), 600)}`);
    return EXIT.regression;
  }
  const file = resolve(io.cwd, typeof output === 'string' ? output : 'minimal.jsonl');
  await writeFile(file, minimalTranscript(transcriptText.split('\n'), result.steps));
  const frames = result.steps.filter((s) => s.frame !== undefined || s.text !== undefined).length;
  w(
    `replay: minimised from ${script.steps.length} steps to ${result.steps.length} (${frames} frame${frames === 1 ? '' : 's'}) in ${result.trials} replays; it still diverges the same way (${visible(result.signature)})`,
  );
  w(`        wrote ${visible(file)}`);
  w(`        rerun: ${CLI_NAME} replay ${pastableArgument(file)}${targetArgs ? ` ${targetArgs}` : ''}`);
  return EXIT.regression;
}

/** The bundle's engine address, when it is one replay may dial unasked: loopback only. */
function bundledEngineUrl(source: ReplaySource): string | undefined {
  const target = source.target;
  if (target === undefined || !/^wss?:\/\//.test(target)) return undefined;
  let url: URL;
  try {
    url = parseWsUrl(target, "the bundle's target");
  } catch {
    return undefined;
  }
  if (isLoopbackUrl(url)) return target;
  throw new UsageError(
    `replay: the bundle names the engine ${visible(target)}, which is not on this machine; it is not dialled unless you name it: add --engine-url ${pastableArgument(target)}`,
  );
}

/**
 * The SDK target to run when --sdk is not given: a builtin driver name from the bundle runs the harness's
 * own code; a cmd: target is a command from the bundle, run only after the user confirms it on a terminal.
 */
async function confirmedBundledSdk(source: ReplaySource, io: CliIO): Promise<string> {
  const target = source.side === 'sdk' || source.side === undefined ? source.target : undefined;
  if (target === undefined || isBuiltinSdkName(target)) return target ?? 'node';
  const addFlag = `add --sdk ${pastableArgument(target)} to run the bundled target, or --sdk node|python|rust|go|cmd:"<your driver>"`;
  if (!isInteractive(io.env, io.prompt !== undefined) || !io.prompt)
    throw new UsageError(`replay: the bundle names the command ${pastableArgument(target)}; a bundle's command is never run unasked: ${addFlag}`);
  io.stderr.write(`replay: the bundle asks to run this command as the SDK driver:\n  ${visible(target, 500)}\n`);
  const answer = (await io.prompt('Run it? Only if you trust where the bundle came from [y/N] ')).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new UsageError(`replay: not running the bundled command; ${addFlag}`);
  return target;
}

export async function replay(file: string, options: ReplayOptions, io: CliIO): Promise<number> {
  if (options.sdk !== undefined && options.engineUrl !== undefined)
    throw new UsageError('replay plays one side: give --sdk <target> or --engine-url <url>, not both');
  const stepTimeoutMs = options.stepTimeout === undefined ? undefined : Number(options.stepTimeout);
  if (stepTimeoutMs !== undefined && !(Number.isInteger(stepTimeoutMs) && stepTimeoutMs > 0))
    throw new UsageError(`--step-timeout "${options.stepTimeout}" must be a whole number of milliseconds above 0`);
  const source = await loadReplaySource(file, io.cwd);
  // The recorded run's time scale stretches the default waits, as it stretched the case's own.
  const scaled = (ms: number) => Math.round(ms * (source.timeScale ?? 1));
  let script: ReplayScript;
  let transcriptText: string;
  let records: unknown[];
  try {
    transcriptText = await readTranscriptText(source.transcript);
    records = parseRecords(transcriptText);
    script = scriptFromRecords(records);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`replay: ${visible(source.transcript)} is not a readable transcript: ${e instanceof Error ? e.message : String(e)}`);
  }
  const cannot = unreplayable(script);
  if (cannot) throw new UsageError(`replay: ${cannot}; rerun the case with its rerun.sh instead`);
  if (script.steps.length === 0)
    throw new UsageError(`replay: ${visible(source.transcript)} records no frame on the worker socket; there is nothing to replay`);

  // Which side to play: what the user said, else what the bundle says, else what the recording shows
  // (frames recorded by a peer named "engine" come from an SDK case: the fake engine was the harness).
  const recordedByEngine = script.connections.some((c) => c.key.startsWith('engine#'));
  const side = options.sdk !== undefined ? 'sdk' : options.engineUrl !== undefined ? 'engine' : (source.side ?? (recordedByEngine ? 'sdk' : 'engine'));
  const w = (s: string) => io.stdout.write(`${s}\n`);

  if (side === 'engine') {
    const url = options.engineUrl ?? bundledEngineUrl(source);
    if (url) {
      parseWsUrl(url, '--engine-url');
      await checkEngineReachable(url);
      w(`replay: playing the recorded worker side (${script.steps.length} frames) against ${visible(url)}`);
      const once = (s: ReplayScript) => replayAgainstEngine(s, url, { stepTimeoutMs: stepTimeoutMs ?? scaled(DEFAULT_STEP_TIMEOUT_MS[side]) });
      if (options.minimize) return minimizeAndWrite(io, script, transcriptText, once, options.minimize, `--engine-url ${pastableArgument(url)}`);
      return printReport(io, await once(script), options.print ? records : undefined);
    }
    const { startReferenceEngine } = await import('../reference-engine/index.ts');
    // With the settings the case ran with (its namespace grace, its upgrade deadline), as recorded.
    const engine = await startReferenceEngine({ log: () => {}, ...script.engineSettings }).catch((e: unknown) => {
      throw new SetupError(`the reference engine could not start: ${e instanceof Error ? e.message : String(e)}`);
    });
    try {
      w(`replay: playing the recorded worker side (${script.steps.length} frames) against the reference engine (${engine.url})`);
      const once = async (s: ReplayScript) => ({
        ...(await replayAgainstEngine(s, engine.url, { stepTimeoutMs: stepTimeoutMs ?? scaled(DEFAULT_STEP_TIMEOUT_MS[side]) })),
        target: 'reference engine',
      });
      if (options.minimize) return minimizeAndWrite(io, script, transcriptText, once, options.minimize, '');
      return printReport(io, await once(script), options.print ? records : undefined);
    } finally {
      await engine.close();
    }
  }

  const targetText = options.sdk ?? (await confirmedBundledSdk(source, io));
  const spec: SdkTargetSpec = parseSdkTarget(targetText);
  const logCommands = await commandsFromLogs(source.logs.slice(0, 1));
  // A property case recorded several runs, each with its own engine and driver: they replay one by one.
  const runs = splitRuns(records).map((r) => ({ ...r, script: scriptFromRecords(r.records) }));
  const replayOne = (s: ReplayScript, run: number | undefined, onStart?: SdkReplayOptions['onStart']) =>
    replayAgainstSdk(s, spec, {
      // Commands only in the driver log (older transcripts) are the first driver's.
      commands: [...s.driverCommands, ...(run === undefined || run === runs[0]?.run ? logCommands : [])],
      label: targetText,
      stepTimeoutMs: stepTimeoutMs ?? scaled(DEFAULT_STEP_TIMEOUT_MS.sdk),
      ...(onStart ? { onStart } : {}),
    });
  const startError = (e: unknown): never => {
    if (!(e instanceof SdkStartError)) throw e;
    throw new SetupError(
      `the ${visible(targetText)} driver did not start: ${visible(e.message, 2000)}. Run \`npm run setup\` to install the drivers, or check the cmd: command.`,
    );
  };
  if (options.minimize) {
    try {
      let chosen = { script, text: transcriptText };
      if (runs.length > 1) {
        // Runs are independent (each its own engine and driver): the first that diverges is minimised alone.
        const first = await replayRuns(runs, (s, run) => replayOne(s, run));
        const diverging = runs.find((r) => r.run === first.run);
        if (!first.divergence || !diverging) return minimizeAndWrite(io, script, transcriptText, async () => first, options.minimize, '');
        w(`replay: run ${diverging.run} of ${runs.length} diverges; it is minimised on its own (each run has its own engine and driver)`);
        chosen = { script: diverging.script, text: diverging.records.map((r) => JSON.stringify(r)).join('\n') };
      }
      return await minimizeAndWrite(io, chosen.script, chosen.text, (s) => replayOne(s, undefined), options.minimize, `--sdk ${pastableArgument(targetText)}`);
    } catch (e) {
      return startError(e);
    }
  }
  try {
    const report = await replayRuns(runs, (s, run) =>
      replayOne(s, run, ({ commands, drivers }) => {
        if (run !== runs[0]?.run) return;
        const total =
          runs.length > 1
            ? runs.reduce((n, r) => n + r.script.steps.filter((x) => x.frame !== undefined || x.text !== undefined).length, 0)
            : script.steps.length;
        w(
          `replay: playing the recorded engine side (${total} frames, ${commands} driver command${commands === 1 ? '' : 's'}${runs.length > 1 ? ' in run 1' : ''}) against ${visible(targetText)}`,
        );
        if (runs.length > 1)
          w(`        the recording holds ${runs.length} runs (a property case): each is replayed in order, with its own driver and recorded worker options`);
        else if (drivers > 1)
          w(`        the case started ${drivers} drivers; replay starts the first (with its recorded worker options) and plays its commands`);
      }),
    );
    return printReport(io, report, options.print ? records : undefined);
  } catch (e) {
    return startError(e);
  }
}
