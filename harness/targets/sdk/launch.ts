// Starts a driver (bundled or `cmd:`) in its own process group with the engine URL and the worker
// options, waits for its ready event, and hands back a DriverSession. On any failure the process group
// is stopped before the error is thrown, so a failed start leaves nothing running. warm-spares.ts uses
// the same parts to start a driver ahead of its case.

import type { SdkTargetSpec } from '../../cases/catalogue.ts';
import { CAPABILITIES, type Implementation } from '../../cases/model.ts';
import { parseCommand, spawnGroup } from '../../process/index.ts';
import { CONTRACT_VERSION, type DriverConfig, type WorkerOptions } from './contract.ts';
import { preparedDriver } from './builders/index.ts';
import { describeTarget } from './label.ts';
import { assertBuiltinAvailable, DriverUnavailableError, type DriverCommandLine } from './drivers.ts';
import { DriverProtocolError, DriverSession, implementationOf, type SessionOptions } from './session.ts';

export interface LaunchOptions {
  /** ws:// URL of the (fake) engine. */
  url: string;
  worker?: WorkerOptions;
  /** Extra environment for the driver (on top of the harness's own, minus III_* and OTEL_* variables). */
  env?: Record<string, string>;
  /** How long the driver may take to print ready. Default 20 s (a cold Python import is slow on 2 cores). */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace. Default 3 s. */
  graceMs?: number;
  /** Transcript of commands, events and stderr (JSON Lines). */
  logFile?: string;
  /** Aborting stops the driver (the case runner aborts on a case timeout). */
  signal?: AbortSignal;
}

/** The program, arguments and folder that start a driver for `spec`. */
export function commandLineOf(spec: SdkTargetSpec): DriverCommandLine {
  if (spec.kind === 'builtin' && spec.source) {
    // Built by the CLI before the run (builders/index.ts); a failed build left its reason instead.
    const built = preparedDriver(spec.sdk, spec.source);
    if (built === undefined)
      throw new DriverUnavailableError(describeTarget(spec), 'it was not built: run it through `iii-conformance sdk`, which builds it first');
    if ('error' in built) throw new DriverUnavailableError(describeTarget(spec), built.error);
    return built.command;
  }
  if (spec.kind === 'builtin') return assertBuiltinAvailable(spec.sdk);
  const { file, args } = parseCommand(spec.command);
  return { file, args, cwd: process.cwd() };
}

/**
 * The driver's environment without its config: the harness's own, without variables that would silently
 * change SDK behaviour (III_URL, III_WORKER_NAME, III_NAMESPACE, OTEL_*), plus the caller's extras.
 */
export function driverEnv(config: Pick<DriverConfig, 'otel'>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('III_') || k.startsWith('OTEL_')) continue;
    env[k] = v;
  }
  if (!config.otel) env.OTEL_ENABLED = 'false';
  return { ...env, ...extra };
}

/** The configuration a driver gets: the worker options with the contract version and the engine URL. */
export function driverConfigOf(options: LaunchOptions): DriverConfig {
  return { metrics: false, otel: false, ...options.worker, contract: CONTRACT_VERSION, url: options.url };
}

/** Spawns a driver for `spec` in its own process group with `env`; nothing is awaited. */
export function spawnDriver(spec: SdkTargetSpec, env: NodeJS.ProcessEnv, sessionOptions: SessionOptions): DriverSession {
  const label = describeTarget(spec);
  const command = commandLineOf(spec);
  const group = spawnGroup(command.file, command.args, { cwd: command.cwd, env, stdin: true, name: `driver:${label}` });
  return new DriverSession(label, group, sessionOptions);
}

/**
 * Waits for a spawned driver's `ready` (stopping it when `signal` aborts) and checks its contract
 * version. On any failure the driver is stopped before the error is thrown.
 */
export async function awaitReady(session: DriverSession, options: Pick<LaunchOptions, 'startTimeoutMs' | 'signal'>): Promise<DriverSession> {
  const onAbort = (): void => void session.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  void session.exited.then(() => options.signal?.removeEventListener('abort', onAbort));
  try {
    const ready = await session.waitReady(options.startTimeoutMs ?? 20_000);
    if (ready.contract !== CONTRACT_VERSION) {
      throw new DriverProtocolError(`${session.label}: speaks driver contract ${ready.contract}, the harness speaks ${CONTRACT_VERSION}`, session.stderrTail());
    }
    return session;
  } catch (e) {
    await session.stop();
    throw e;
  }
}

export async function launchDriver(spec: SdkTargetSpec, options: LaunchOptions): Promise<DriverSession> {
  const config = driverConfigOf(options);
  const env = { ...driverEnv(config, options.env), III_DRIVER_CONFIG: JSON.stringify(config) };
  const session = spawnDriver(spec, env, {
    ...(options.logFile ? { logFile: options.logFile } : {}),
    ...(options.graceMs ? { graceMs: options.graceMs } : {}),
  });
  return awaitReady(session, options);
}

/** The harness-side view of a running driver. */
export function implementationOfSession(session: DriverSession): Implementation {
  return implementationOf(session.ready, CAPABILITIES);
}
