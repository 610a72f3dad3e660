/**
 * What every SDK case gets (issue 5): a FRESH fake engine on 127.0.0.1:0, a way to start the SDK's
 * driver against it (the target's launch spec, the engine URL, OTel off, per-case worker options on top
 * of fast defaults), the implementation's capabilities and facts, the tolerance model with LoadProbes for
 * timing verdicts, and a transcript (engine frames + driver lines on one clock) written to the case's
 * artifacts folder. `dispose()` stops every driver's process group and then the engine.
 *
 *   const { driver, conn } = await ctx.connect();
 *   await driver.registerFunction('conf::echo');
 *   await conn.waitFor({ type: 'registerfunction', id: 'conf::echo' }, { timeoutMs: ctx.timing.replyMs });
 *
 * Nothing is shared between cases: each case opens its own engine and its own driver processes.
 */

import { join } from 'node:path';
import { FakeEngine, type EngineConnection, type FakeEngineOptions } from '../../harness/fake-engine/index.ts';
import type { CaseArtifacts, CaseRunEnvironment, ContextFactory, Implementation, TimingSample } from '../../harness/cases/model.ts';
import { judgeInterval, LoadProbe, type JudgeInput, type ToleranceModel } from '../../harness/timing/tolerance.ts';
import { CASE_END_NOTE } from '../../harness/transcript/records.ts';
import type { DriverSession } from '../../harness/targets/sdk/session.ts';
import type { WarmSpares } from '../../harness/targets/sdk/warm-spares.ts';
import type { Json, WorkerOptions } from '../../harness/targets/sdk/contract.ts';
import { driverOutputSettled, launchCaseDriver, mirrorDriverIntoTranscript, type DriverLaunchSpec } from './support/launch.ts';
// A driver that cannot be started is the harness's problem (ERROR), not the SDK's: thrown here, where drivers start.
import { CaseSetupError } from '../../harness/cases/failure.ts';

/** Time allowances for one case, already multiplied by the tolerance model's timeScale. */
export interface SdkTiming {
  /** How long an SDK may take to send an expected frame or driver event (ms). */
  replyMs: number;
  /** A quiet window that stands for "never": how long a case waits to be sure something did not happen (ms). */
  quietMs: number;
  /** Driver start until `ready` (ms). */
  readyMs: number;
  /** Until a new connection after a drop: covers a fixed retry delay such as Rust's 2 s (ms). */
  reconnectMs: number;
}

export function sdkTiming(tolerance: ToleranceModel, facts: Readonly<Record<string, Json>>): SdkTiming {
  const s = tolerance.timeScale;
  const fixed = typeof facts.fixedRetryDelayMs === 'number' ? facts.fixedRetryDelayMs : 0;
  return { replyMs: 3000 * s, quietMs: 200 * s, readyMs: 20_000 * s, reconnectMs: (fixed + 3000) * s };
}

/**
 * Worker options every driver gets unless a case overrides them: quick, deterministic reconnection
 * (50 ms, ×2, capped at 250 ms, no jitter, unbounded), no metrics, no OTel. SDKs that cannot be
 * configured list these in `ready.ignoredOptions` and behave as their facts say.
 */
export const FAST_WORKER_DEFAULTS: Readonly<WorkerOptions> = Object.freeze({
  reconnection: { initialDelayMs: 50, maxDelayMs: 250, backoffMultiplier: 2, jitterFactor: 0, maxRetries: -1 },
  metrics: false,
  otel: false,
});

export interface StartOptions extends WorkerOptions {
  /** Option names to leave out entirely (e.g. ['workerName'] to see the SDK's default name). */
  omit?: (keyof WorkerOptions)[];
  /** Engine to connect to (default: the case's engine). */
  engine?: FakeEngine;
  /** Use this URL instead of an engine's (e.g. a port nothing listens on). */
  url?: string;
}

export interface ConnectedWorker {
  driver: DriverSession;
  /** The driver's first connection on "/" of the case's engine. */
  conn: EngineConnection;
}

export interface SdkCaseContext {
  readonly caseId: string;
  /** The case's own fake engine (127.0.0.1, random port), closed by dispose(). */
  readonly engine: FakeEngine;
  readonly implementation: Implementation;
  /** Fixed behaviours the driver declared in `ready.facts` (e.g. fixedRetryDelayMs). */
  readonly facts: Readonly<Record<string, Json>>;
  readonly seed: number;
  readonly tolerance: ToleranceModel;
  readonly timing: SdkTiming;
  readonly signal: AbortSignal;
  /** Starts a driver (does not wait for its connection). Stopped by dispose(). */
  startDriver(options?: StartOptions): Promise<DriverSession>;
  /** Starts a driver and waits for its first connection on "/" of the case's engine. */
  connect(options?: StartOptions): Promise<ConnectedWorker>;
  /** A started LoadProbe, stopped by dispose(); pass it to judge() for the window it watched. */
  loadProbe(): LoadProbe;
  /** judgeInterval with the case's tolerance model and the probe's observed lag. */
  judge(input: Omit<JudgeInput, 'observedLagMs'>, probe: LoadProbe): TimingSample;
  /** A line in the case transcript. */
  note(text: string, data?: unknown): void;
}

export interface SdkTargetInfo {
  launch: DriverLaunchSpec;
  implementation: Implementation;
  facts: Readonly<Record<string, Json>>;
  /** Options the driver said it cannot honour (from the probe run). */
  ignoredOptions: readonly string[];
  /** The driver accepts a deferred start (its ready said so): its cases can take warm spares. */
  deferredStart: boolean;
  /** It can also serve forks (its ready said forkStart): its spares are forks of one loaded process. */
  forkStart: boolean;
}

/** Builds the per-case context factory for one opened SDK target. */
export interface SdkContextOptions {
  engine?: FakeEngineOptions;
  /** Loaded drivers waiting for their case (harness/targets/sdk/warm-spares.ts); absent: every driver starts cold. */
  spares?: WarmSpares;
  /** How the driver loads its SDK, when the target says (specs/sdk/target.ts): noted in every case's transcript. */
  sdkLoadNote?: string;
}

export function sdkContextFactory(target: SdkTargetInfo, options: SdkContextOptions = {}): ContextFactory<SdkCaseContext> {
  const { engine: engineOptions = {}, spares, sdkLoadNote } = options;
  return async (env: CaseRunEnvironment) => {
    const engine = await FakeEngine.start({ host: '127.0.0.1', port: 0, ...engineOptions });
    const transcriptFile = join(env.artifactsDir, 'transcript.jsonl');
    // The transcript file is also where records past TRANSCRIPT_MEMORY_CAP live (a flooding SDK's frames):
    // waits and queries read them back from there.
    engine.transcript.spillTo(transcriptFile);
    engine.transcript.note('case', `case ${env.caseId} against ${target.implementation.name} ${target.implementation.version} (seed ${env.seed})`);
    const drivers: DriverSession[] = [];
    const logFiles: string[] = [];
    const probes: LoadProbe[] = [];
    const timing = sdkTiming(env.tolerance, target.facts);
    let disposed = false;
    // A timing case runs alone: no spare loads beside it until it is over.
    const releaseSpares = env.judgesTiming ? await spares?.hold(timing.readyMs) : undefined;
    if (spares?.offReason) engine.transcript.note('case', `warm spares: ${spares.offReason}`);
    if (sdkLoadNote) engine.transcript.note('case', sdkLoadNote);

    const stopAll = async (): Promise<void> => {
      await Promise.all(drivers.map((d) => d.stop().catch(() => undefined)));
    };
    env.signal.addEventListener('abort', () => void stopAll(), { once: true });

    const startDriver = async (options: StartOptions = {}): Promise<DriverSession> => {
      if (env.signal.aborted || disposed) throw new Error('the case is over; no new driver is started');
      const { omit = [], engine: other, url, ...given } = options;
      const merged: WorkerOptions = { ...FAST_WORKER_DEFAULTS, ...given };
      for (const key of omit) delete merged[key];
      const n = drivers.length + 1;
      const logFile = join(env.artifactsDir, `driver-${n}.jsonl`);
      logFiles.push(logFile);
      engine.transcript.note('case', `starting driver ${n} (${target.launch.label})`, merged);
      let session: DriverSession;
      try {
        session = await launchCaseDriver(target.launch, {
          url: url ?? (other ?? engine).url,
          worker: merged,
          logFile,
          readyTimeoutMs: timing.readyMs,
          signal: env.signal,
          ...(spares ? { spares } : {}),
        });
      } catch (e) {
        throw new CaseSetupError(`driver ${n} (${target.launch.label}) did not start: ${e instanceof Error ? e.message : String(e)}`);
      }
      drivers.push(session);
      if (env.signal.aborted || disposed) await session.stop();
      return session;
    };

    const ctx: SdkCaseContext = {
      caseId: env.caseId,
      engine,
      implementation: target.implementation,
      facts: target.facts,
      seed: env.seed,
      tolerance: env.tolerance,
      timing,
      signal: env.signal,
      startDriver,
      async connect(options: StartOptions = {}) {
        const on = options.engine ?? engine;
        const driver = await startDriver(options);
        const conn = await on.waitForConnection({ timeoutMs: timing.readyMs });
        return { driver, conn };
      },
      loadProbe() {
        // Only a case that runs alone may measure time: a neighbour case would make its verdict noise.
        if (!env.judgesTiming)
          throw new Error(`${env.caseId} takes a LoadProbe but does not declare judgesTiming: a timing case must say so, so that it runs alone`);
        const p = new LoadProbe().start();
        probes.push(p);
        return p;
      },
      judge(input, probe) {
        return judgeInterval({ ...input, observedLagMs: probe.maxLagMs() }, env.tolerance);
      },
      note(text, data) {
        engine.transcript.note('case', text, data);
      },
    };

    return {
      ctx,
      async collect(): Promise<CaseArtifacts> {
        engine.transcript.note('case', CASE_END_NOTE);
        await driverOutputSettled();
        drivers.forEach((d, i) => mirrorDriverIntoTranscript(d, `driver#${i + 1}`, engine.transcript));
        engine.transcript.finishJournal();
        return { transcriptFile, logFiles: [...logFiles] };
      },
      async dispose() {
        if (disposed) return;
        disposed = true;
        for (const p of probes) p.stop();
        await stopAll();
        await engine.close();
        releaseSpares?.();
        // The contract says a driver exits on SIGTERM; one that had to be SIGKILLed is named (runCase
        // turns this into a warning finding), after everything is already stopped.
        const killed = drivers.map((d, i) => (d.exit?.killed ? `driver ${i + 1} (pid ${d.pid})` : null)).filter((x) => x !== null);
        if (killed.length > 0)
          throw new Error(
            `${killed.join(', ')} ignored SIGTERM and was killed with SIGKILL after the grace period (the driver contract says a driver exits on SIGTERM)`,
          );
      },
    };
  };
}
