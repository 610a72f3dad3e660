// How the SDK catalogue starts a driver: one launch spec (program, arguments, extra environment) per
// target, and one function that spawns it in its own process group, mirrors its stdout/stderr into the
// case transcript and waits for `ready`. Built on harness/process and harness/targets/sdk/session.ts.

import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { spawnGroup, parseCommand } from '../../../harness/process/index.ts';
import { DriverSession, DriverProtocolError } from '../../../harness/targets/sdk/session.ts';
import { assertBuiltinAvailable, DRIVERS_DIR, type BuiltinSdk } from '../../../harness/targets/sdk/drivers.ts';
import type { DriverConfig } from '../../../harness/targets/sdk/contract.ts';
import type { TranscriptRecorder } from '../../../harness/transcript/recorder.ts';

/** The environment variable the Node driver reads to import a patched SDK instead of `iii-sdk`. */
export const NODE_SDK_OVERRIDE_ENV = 'III_CONFORMANCE_NODE_SDK';

export interface DriverLaunchSpec {
  /** Short name for transcripts and messages ("node", "node mutant timeout-early", "cmd"). */
  label: string;
  file: string;
  args: string[];
  cwd?: string;
  /** Added to the harness's environment (never replaces it). */
  env?: Record<string, string>;
}

export function builtinLaunchSpec(sdk: BuiltinSdk): DriverLaunchSpec {
  const command = assertBuiltinAvailable(sdk);
  return { label: sdk, file: command.file, args: command.args, cwd: command.cwd };
}

export function cmdLaunchSpec(commandLine: string): DriverLaunchSpec {
  const { file, args } = parseCommand(commandLine);
  return { label: `cmd:${commandLine}`, file, args };
}

/** The bundled Node driver running the SDK module at `sdkEntry` (a mutant's dist/index.mjs). */
export function nodeOverrideLaunchSpec(sdkEntry: string, label: string): DriverLaunchSpec {
  const base = builtinLaunchSpec('node');
  return { ...base, label, env: { [NODE_SDK_OVERRIDE_ENV]: sdkEntry } };
}

export const NODE_SDK_PACKAGE_DIR = join(DRIVERS_DIR, 'node', 'node_modules', 'iii-sdk');

export interface LaunchOptions {
  /** JSON Lines log of every command, event and stderr line (DriverSession's own format). */
  logFile?: string;
  /** Driver lines are also noted here, on the same clock as the engine's frames. */
  transcript?: TranscriptRecorder;
  readyTimeoutMs: number;
  graceMs?: number;
}

/** Starts the driver and waits for `ready`; stops it again if it never comes. */
export async function launchDriver(spec: DriverLaunchSpec, config: DriverConfig, options: LaunchOptions): Promise<DriverSession> {
  const group = spawnGroup(spec.file, spec.args, {
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    env: { ...process.env, OTEL_ENABLED: 'false', ...spec.env, III_DRIVER_CONFIG: JSON.stringify(config) },
    stdin: true,
    name: `driver:${spec.label}`,
  });
  const transcript = options.transcript;
  const source = `driver:${spec.label}`;
  if (transcript) {
    transcript.note(source, `started pid ${group.pid}`, { config });
    createInterface({ input: group.stdout }).on('line', (line) => {
      if (line.trim() !== '') transcript.note(source, line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    });
    createInterface({ input: group.stderr }).on('line', (line) => transcript.log(source, 'debug', `stderr: ${line}`));
    void group.exited.then((info) => transcript.note(source, `exited`, info));
  }
  const session = new DriverSession(spec.label, group, {
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    graceMs: options.graceMs ?? 2000,
  });
  try {
    await session.waitReady(options.readyTimeoutMs);
  } catch (e) {
    await session.stop();
    throw e instanceof DriverProtocolError ? e : new DriverProtocolError(String(e), session.stderrTail());
  }
  return session;
}
