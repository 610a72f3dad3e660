// `replay <transcript | bundle>`: plays the recorded engine side against an SDK target (--sdk), or the
// recorded worker side against an engine (--engine-url, or the embedded reference engine), and prints the
// first frame where the live behaviour diverges from the recording. Exit 0: no divergence; 1: divergence;
// 3: bad arguments; 4: the target could not be started or reached.

import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { SdkTargetSpec } from '../cases/catalogue.ts';
import type { DriverCommandBody, DriverSession } from '../targets/sdk/index.ts';
import { parseRecords, replayAgainstEngine, scriptFromRecords, startEngineReplay, type ReplayReport, type ReplayScript } from '../runner/replay.ts';
import { EXIT } from '../baselines/gate.ts';
import { SetupError, UsageError } from './errors.ts';
import type { CliIO } from './io.ts';
import { checkEngineReachable, parseSdkTarget, parseWsUrl } from './targets.ts';

export interface ReplayOptions {
  sdk?: string;
  engineUrl?: string;
  stepTimeout?: string;
}

interface Source {
  transcript: string;
  side?: 'sdk' | 'engine';
  target?: string;
  /** Driver logs of a bundle: their `command` lines are replayed to the driver. */
  logs: string[];
}

async function resolveSource(file: string, cwd: string): Promise<Source> {
  const path = resolve(cwd, file);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`replay: ${file} does not exist; give a transcript (.jsonl) or a repro bundle folder / bundle.json`);
  }
  const bundlePath = info.isDirectory() ? join(path, 'bundle.json') : path.endsWith('.json') ? path : undefined;
  if (!bundlePath) return { transcript: path, logs: [] };
  let bundle: { format?: unknown; transcript?: unknown; side?: unknown; target?: unknown; logs?: unknown };
  try {
    bundle = JSON.parse(await readFile(bundlePath, 'utf8')) as typeof bundle;
  } catch {
    throw new UsageError(`replay: ${bundlePath} is not a repro bundle (bundle.json)`);
  }
  if (bundle.format !== 'iii-conformance-repro') throw new UsageError(`replay: ${bundlePath} is not a repro bundle (bundle.json)`);
  if (typeof bundle.transcript !== 'string')
    throw new UsageError(`replay: the bundle ${bundlePath} holds no transcript, so there is nothing to replay; rerun the case with its rerun.sh instead`);
  const dir = dirname(bundlePath);
  return {
    transcript: join(dir, bundle.transcript),
    ...(bundle.side === 'sdk' || bundle.side === 'engine' ? { side: bundle.side } : {}),
    ...(typeof bundle.target === 'string' ? { target: bundle.target } : {}),
    logs: Array.isArray(bundle.logs) ? bundle.logs.filter((l): l is string => typeof l === 'string').map((l) => join(dir, l)) : [],
  };
}

async function commandsFromLogs(logs: readonly string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const log of logs) {
    let text: string;
    try {
      text = await readFile(log, 'utf8');
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

function printReport(io: CliIO, r: ReplayReport): number {
  const w = (s: string) => io.stdout.write(`${s}\n`);
  const other = r.role === 'worker' ? 'engine' : 'SDK';
  if (!r.divergence) {
    w(
      `replay: no divergence — sent ${r.sent} recorded frame${r.sent === 1 ? '' : 's'} as the ${r.role}, and the ${other} (${r.target}) answered like the recording (${r.compared} frame${r.compared === 1 ? '' : 's'} compared).`,
    );
    if (r.extra > 0) w(`        the ${other} sent ${r.extra} more frame${r.extra === 1 ? '' : 's'} after the recording ended.`);
    return EXIT.ok;
  }
  const d = r.divergence;
  w(`replay: DIVERGED at ${other} frame ${d.index + 1} (after ${r.sent} sent, ${r.compared} matched)`);
  w(`  ${d.message}`);
  if (d.step.frame !== undefined) w(`  recorded: ${JSON.stringify(d.step.frame)}`);
  if (d.actual !== undefined) w(`  live:     ${JSON.stringify(d.actual)}`);
  return d.kind === 'connect-failed' ? EXIT.setup : EXIT.regression;
}

export async function replay(file: string, options: ReplayOptions, io: CliIO): Promise<number> {
  if (options.sdk !== undefined && options.engineUrl !== undefined)
    throw new UsageError('replay plays one side: give --sdk <target> or --engine-url <url>, not both');
  const stepTimeoutMs = options.stepTimeout === undefined ? undefined : Number(options.stepTimeout);
  if (stepTimeoutMs !== undefined && !(Number.isInteger(stepTimeoutMs) && stepTimeoutMs > 0))
    throw new UsageError(`--step-timeout "${options.stepTimeout}" must be a whole number of milliseconds above 0`);
  const source = await resolveSource(file, io.cwd);
  let script: ReplayScript;
  try {
    script = scriptFromRecords(parseRecords(await readFile(source.transcript, 'utf8')));
  } catch (e) {
    throw new UsageError(`replay: ${source.transcript} is not a readable transcript: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (script.steps.length === 0) throw new UsageError(`replay: ${source.transcript} records no frame on the worker socket; there is nothing to replay`);

  // Which side to play: what the user said, else what the bundle says, else what the recording shows
  // (frames recorded by a peer named "engine" come from an SDK case: the fake engine was the harness).
  const recordedByEngine = script.connections.some((c) => c.key.startsWith('engine#'));
  const side = options.sdk !== undefined ? 'sdk' : options.engineUrl !== undefined ? 'engine' : (source.side ?? (recordedByEngine ? 'sdk' : 'engine'));
  const w = (s: string) => io.stdout.write(`${s}\n`);

  if (side === 'engine') {
    const url = options.engineUrl ?? (source.target?.startsWith('ws') ? source.target : undefined);
    if (url) {
      parseWsUrl(url, '--engine-url');
      await checkEngineReachable(url);
      w(`replay: playing the recorded worker side (${script.steps.length} frames) against ${url}`);
      return printReport(io, await replayAgainstEngine(script, url, stepTimeoutMs ? { stepTimeoutMs } : {}));
    }
    const { startReferenceEngine } = await import('../reference-engine/index.ts');
    const engine = await startReferenceEngine({ log: () => {} }).catch((e: unknown) => {
      throw new SetupError(`the reference engine could not start: ${e instanceof Error ? e.message : String(e)}`);
    });
    try {
      w(`replay: playing the recorded worker side (${script.steps.length} frames) against the reference engine (${engine.url})`);
      const r = await replayAgainstEngine(script, engine.url, stepTimeoutMs ? { stepTimeoutMs } : {});
      return printReport(io, { ...r, target: 'reference engine' });
    } finally {
      await engine.close();
    }
  }

  const targetText = options.sdk ?? (source.target && source.side === 'sdk' ? source.target : 'node');
  const spec: SdkTargetSpec = parseSdkTarget(targetText);
  const server = await startEngineReplay(script, { ...(stepTimeoutMs ? { stepTimeoutMs } : {}), target: targetText });
  let session: DriverSession | undefined;
  try {
    const { launchDriver } = await import('../targets/sdk/index.ts');
    try {
      session = await launchDriver(spec, { url: server.url });
    } catch (e) {
      throw new SetupError(
        `the ${targetText} driver did not start: ${e instanceof Error ? e.message : String(e)}. Run \`npm run setup\` to install the drivers, or check the cmd: command.`,
      );
    }
    const commands = [...script.driverCommands, ...(await commandsFromLogs(source.logs))].filter((c) => c.cmd !== 'shutdown');
    w(
      `replay: playing the recorded engine side (${script.steps.length} frames, ${commands.length} driver command${commands.length === 1 ? '' : 's'}) against ${targetText}`,
    );
    for (const c of commands) {
      const { id: _id, dir: _dir, at: _at, t: _t, ...body } = c;
      session?.send(body as DriverCommandBody);
    }
    return printReport(io, await server.report);
  } finally {
    await session?.stop().catch(() => undefined);
    await server.close();
  }
}
