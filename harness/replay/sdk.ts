// Playing the recorded engine side against an SDK: a local replay server sends the recorded engine frames,
// the SDK's driver is started against it with the worker options the case used, and the driver commands of
// the recording are re-sent. Shared by `replay --sdk` and the self-replay tests.

import type { SdkTargetSpec } from '../cases/catalogue.ts';
import { performance } from 'node:perf_hooks';
import { startEngineReplay, type EngineReplayServer, type ReplayReport, type ReplayScript } from '../runner/replay.ts';
import type { DriverCommandBody, DriverSession } from '../targets/sdk/index.ts';
import { LoadProbe, toleranceFromEnv } from '../timing/tolerance.ts';
import { workerOptionsFrom } from './config.ts';
import { REPORTED_EVENTS } from './compare-observations.ts';
import { firstDivergence } from './sdk-divergence.ts';

export class SdkStartError extends Error {}

/** How long a replay waits for the SDK's process to exit after it closed a connection the recording kept. */
const EXIT_GRACE_MS = 500;

export interface SdkReplayOptions {
  /** Driver commands to re-send (the transcript's and the bundle's driver log). */
  commands: readonly Record<string, unknown>[];
  label: string;
  stepTimeoutMs?: number;
  /** Extra driver environment (a Node mutant's SDK entry). */
  env?: Record<string, string>;
  onStart?(info: { commands: number; drivers: number }): void;
}

export async function replayAgainstSdk(script: ReplayScript, spec: SdkTargetSpec, options: SdkReplayOptions): Promise<ReplayReport> {
  // Commands recorded in the transcript are re-sent at their place among the frames; older transcripts
  // (commands only in the driver log) get them all at the start.
  const placed = script.steps.some((s) => s.command !== undefined);
  let session: DriverSession | undefined;
  const early: Record<string, unknown>[] = [];
  const stepTimeoutMs = options.stepTimeoutMs ?? 5000;
  // A command the case wrote after its driver reported something (a settled call, an invocation) or after the
  // engine saw a connection attempt waits for the live side to get as far first: sent by the clock alone, it
  // could overtake what it followed (a call meant for while the SDK is offline would meet it connecting).
  let sending = Promise.resolve();
  let finished = false;
  const deliver = (c: Record<string, unknown>): void => {
    // Launch-phase commands are the harness's own, never a case's: `start` hands a spare its config.
    if (c.cmd === 'shutdown' || c.cmd === 'start') return;
    const { id: _id, dir: _dir, at: _at, t: _t, ms: _ms, ...body } = c;
    const live = session;
    if (!live) {
      early.push(c);
      return;
    }
    const need = reportedBefore(script, c);
    const attempts = attemptsBefore(script, c);
    const behind = () => reportedCount(live.events) < need || (server?.observed.upgrades.length ?? 0) < attempts;
    sending = sending.then(async () => {
      const deadline = performance.now() + stepTimeoutMs;
      while (behind() && performance.now() < deadline && !live.exit && !finished) await new Promise((resolve) => setTimeout(resolve, 5));
      if (!finished) live.send(body as DriverCommandBody);
    });
  };
  const probe = new LoadProbe().start();
  let exitAt: number | undefined;
  let server: EngineReplayServer | undefined;
  server = await startEngineReplay(script, {
    ...(options.stepTimeoutMs ? { stepTimeoutMs: options.stepTimeoutMs } : {}),
    target: options.label,
    ...(placed ? { onCommand: deliver } : {}),
  });
  try {
    const { launchDriver } = await import('../targets/sdk/index.ts');
    // The first driver the case started, with its options (worker name, reconnection, timeouts).
    const recorded = script.driverStarts[0];
    try {
      session = await launchDriver(spec, {
        url: server.url,
        ...(recorded ? { worker: workerOptionsFrom(recorded) } : {}),
        ...(options.env ? { env: options.env } : {}),
      });
    } catch (e) {
      throw new SdkStartError(e instanceof Error ? e.message : String(e));
    }
    void session.exited.then(() => {
      exitAt ??= performance.now();
    });
    const commands = placed ? script.steps.flatMap((s) => (s.command ? [s.command] : [])) : options.commands;
    options.onStart?.({ commands: commands.filter((c) => c.cmd !== 'shutdown').length, drivers: script.driverStarts.length });
    for (const c of placed ? early.splice(0) : commands) deliver(c);
    const report = await server.report;
    // A connection the SDK ended may mean its process is going: give the exit a moment to be seen.
    if (
      exitAt === undefined &&
      server.observed.connections.some((c) => c.closedAt !== undefined && !(c.closedByUs !== undefined && c.closedByUs <= c.closedAt))
    ) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([session.exited, new Promise((resolve) => (timer = setTimeout(resolve, EXIT_GRACE_MS)))]);
      clearTimeout(timer);
    }
    // Judged before the driver is stopped: its process ending now would be the replay's doing.
    const live = session;
    return firstDivergence(report, script, {
      live: server.observed,
      driver: { events: live.events, commands: live.commands, ...(exitAt !== undefined ? { exitAt, exitCode: live.exit?.code ?? null } : {}) },
      tolerance: toleranceFromEnv(),
      observedLagMs: probe.maxLagMs(),
    });
  } finally {
    finished = true;
    probe.stop();
    await session?.stop().catch(() => undefined);
    await server.close();
  }
}

function reportedCount(events: readonly { event: string }[]): number {
  return events.filter((e) => REPORTED_EVENTS.has(e.event)).length;
}

/** How many outcome events the recording's driver had reported before the case wrote this command. */
function reportedBefore(script: ReplayScript, command: Record<string, unknown>): number {
  const recorded = script.observations;
  const at = recorded?.commands.find((c) => c.data.id === command.id)?.t;
  if (!recorded || at === undefined) return 0;
  return recorded.events.filter((e) => REPORTED_EVENTS.has(String(e.data.event)) && e.t < at).length;
}

/** How many connection attempts the recording's engine had seen before the case wrote this command. */
function attemptsBefore(script: ReplayScript, command: Record<string, unknown>): number {
  const recorded = script.observations;
  const at = recorded?.commands.find((c) => c.data.id === command.id)?.t;
  if (!recorded || at === undefined || recorded.attemptsUnpaired) return 0;
  return recorded.upgrades.filter((u) => u.t < at).length;
}
