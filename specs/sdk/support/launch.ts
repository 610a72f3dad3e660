// How the SDK catalogue starts a driver: a launch spec (the target plus extra environment) handed to
// harness/targets/sdk/launch.ts, and the driver's events copied into the case transcript afterwards so
// that engine frames and driver events read as one timeline.

import { describeTarget } from '../../../harness/targets/sdk/label.ts';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SdkTargetSpec } from '../../../harness/cases/catalogue.ts';
import { launchDriver } from '../../../harness/targets/sdk/launch.ts';
import { WarmSpares } from '../../../harness/targets/sdk/warm-spares.ts';
import type { DriverSession } from '../../../harness/targets/sdk/session.ts';
import { DRIVERS_DIR } from '../../../harness/targets/sdk/drivers.ts';
import type { WorkerOptions } from '../../../harness/targets/sdk/contract.ts';
import type { TranscriptRecorder } from '../../../harness/transcript/recorder.ts';

/** The environment variable the Node driver reads to import a patched SDK instead of `iii-sdk`. */
export const NODE_SDK_OVERRIDE_ENV = 'III_CONFORMANCE_NODE_SDK';
export const NODE_SDK_PACKAGE_DIR = join(DRIVERS_DIR, 'node', 'node_modules', 'iii-sdk');

export interface DriverLaunchSpec {
  /** Short name for transcripts and messages ("node", "node mutant timeout-early", "cmd:…"). */
  label: string;
  target: SdkTargetSpec;
  /** Added to the driver's environment. */
  env?: Record<string, string>;
}

export function targetLaunchSpec(target: SdkTargetSpec): DriverLaunchSpec {
  return { label: describeTarget(target), target };
}

/** The bundled Node driver running the SDK module at `sdkEntry` (a mutant's dist/index.mjs). */
export function nodeOverrideLaunchSpec(sdkEntry: string, label: string): DriverLaunchSpec {
  return { label, target: { kind: 'builtin', sdk: 'node' }, env: { [NODE_SDK_OVERRIDE_ENV]: sdkEntry } };
}

/** What one case's driver start adds to its launch spec: where to connect, the worker options, the ready deadline. */
export interface CaseDriverOptions {
  url: string;
  worker: WorkerOptions;
  logFile?: string;
  readyTimeoutMs: number;
  signal?: AbortSignal;
  /** Take a loaded spare when one fits; otherwise, or without, the driver starts cold. */
  spares?: WarmSpares;
}

/** The SIGTERM → SIGKILL grace of a case's driver. */
export const CASE_DRIVER_GRACE_MS = 2000;

/**
 * Starts a case's driver through harness/targets/sdk/launch.ts (or from a warm spare), with the spec's
 * extra environment and a 2 s grace to stop.
 */
export async function launchCaseDriver(spec: DriverLaunchSpec, options: CaseDriverOptions): Promise<DriverSession> {
  const launch = {
    url: options.url,
    worker: options.worker,
    ...(spec.env === undefined ? {} : { env: spec.env }),
    startTimeoutMs: options.readyTimeoutMs,
    graceMs: CASE_DRIVER_GRACE_MS,
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const from = performance.now();
  let warm = false;
  try {
    const spare = await options.spares?.launch(launch);
    warm = spare !== undefined;
    return spare ?? (await launchDriver(spec.target, launch));
  } finally {
    const wait = { from, to: performance.now(), warm };
    for (const observe of driverWaitObservers) observe(wait);
  }
}

/** One case driver start, from the launch until `ready` (or the failure), on the performance.now() clock. */
export interface DriverWait {
  from: number;
  to: number;
  /** Started from a warm spare. */
  warm: boolean;
}

/** Told of every case driver start: bench/catalogue-time.ts accounts the share of wall time spent waiting on them. */
export const driverWaitObservers = new Set<(wait: DriverWait) => void>();

/** Warm spares for a launch spec: spawned (or forked, `fork`) with the spec's extras, as its cold starts are. */
export function warmSparesFor(spec: DriverLaunchSpec, count: number, fork = false): WarmSpares {
  return new WarmSpares(spec.target, { count, fork, graceMs: CASE_DRIVER_GRACE_MS, ...(spec.env ? { env: spec.env } : {}) });
}

/** How long a case's end waits, after one turn of the event loop, for driver output already on its way. */
export const DRIVER_OUTPUT_SETTLE_MS = 5;

/**
 * Lets driver output that is already in the pipe arrive before the transcript is written. A driver reports
 * an event (a handler's `invoked`) before the SDK sends the frame the case waited for, but the harness reads
 * the frame's socket first and the case may end within that callback: without this turn of the event loop
 * the event went missing from 1 in 5 transcripts on a loaded machine, and replay saw it as extra.
 */
export async function driverOutputSettled(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, DRIVER_OUTPUT_SETTLE_MS));
}

/** Copies a driver's commands, events and stderr tail into the transcript, stamped with when the harness saw them. */
export function mirrorDriverIntoTranscript(session: DriverSession, source: string, transcript: TranscriptRecorder): void {
  for (const e of session.events) {
    const { at, ...rest } = e;
    const level = e.event === 'log' ? (e.level === 'warn' ? 'warn' : e.level === 'error' ? 'error' : e.level === 'debug' ? 'debug' : 'info') : 'info';
    const text = e.event === 'log' ? `sdk log: ${e.message}` : `event ${e.event}`;
    transcript.append({ kind: 'note', source, level, text, data: rest }, at);
  }
  for (const { at, command } of session.commands) transcript.append({ kind: 'note', source, level: 'info', text: `command ${command.cmd}`, data: command }, at);
  const tail = session.stderrTail();
  if (tail.trim() !== '') transcript.note(source, 'stderr (tail)', tail.slice(-4000), 'debug');
  if (session.strayStdout.length > 0)
    transcript.note(source, `stdout lines that were not contract events (${session.strayCount} in all)`, session.strayStdout.slice(0, 20), 'warn');
  for (const cap of session.capSummary()) transcript.note(source, `noise cap: ${cap}`, undefined, 'warn');
}
