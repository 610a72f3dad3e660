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
  const server = await startEngineReplay(script, { ...(options.stepTimeoutMs ? { stepTimeoutMs: options.stepTimeoutMs } : {}), target: options.label });
  let session: DriverSession | undefined;
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
    const commands = options.commands.filter((c) => c.cmd !== 'shutdown');
    options.onStart?.({ commands: commands.length, drivers: script.driverStarts.length });
    for (const c of commands) {
      const { id: _id, dir: _dir, at: _at, t: _t, ms: _ms, ...body } = c;
      session.send(body as DriverCommandBody);
    }
    return await server.report;
  } finally {
    await session?.stop().catch(() => undefined);
    await server.close();
  }
}
