// Playing the recorded engine side against an SDK: a local replay server sends the recorded engine frames,
// the SDK's driver is started against it with the worker options the case used, and the driver commands of
// the recording are re-sent. Shared by `replay --sdk` and the self-replay tests.

import type { SdkTargetSpec } from '../cases/catalogue.ts';
import { startEngineReplay, type ReplayReport, type ReplayScript } from '../runner/replay.ts';
import type { DriverCommandBody, DriverSession } from '../targets/sdk/index.ts';
import { workerOptionsFrom } from './config.ts';

export class SdkStartError extends Error {}

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
  const deliver = (c: Record<string, unknown>): void => {
    if (c.cmd === 'shutdown') return;
    const { id: _id, dir: _dir, at: _at, t: _t, ms: _ms, ...body } = c;
    if (session) session.send(body as DriverCommandBody);
    else early.push(c);
  };
  const server = await startEngineReplay(script, {
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
    const commands = placed ? script.steps.flatMap((s) => (s.command ? [s.command] : [])) : options.commands;
    options.onStart?.({ commands: commands.filter((c) => c.cmd !== 'shutdown').length, drivers: script.driverStarts.length });
    for (const c of placed ? early.splice(0) : commands) deliver(c);
    return await server.report;
  } finally {
    await session?.stop().catch(() => undefined);
    await server.close();
  }
}
