// What every engine case gets: the URL of the engine under test, fake workers (harness/fake-worker)
// that share one transcript and are closed when the case ends, and the time allowances (scaled by
// the tolerance model's timeScale).

import { join } from 'node:path';
import type { CaseRunEnvironment, ContextFactory } from '../../harness/cases/model.ts';
import type { ToleranceModel } from '../../harness/timing/tolerance.ts';
import { FakeWorker, type FakeWorkerOptions } from '../../harness/fake-worker/index.ts';
import { TranscriptRecorder } from '../../harness/transcript/recorder.ts';
import type { EngineOutput } from '../../harness/targets/engine/index.ts';
import type { Implementation } from '../../harness/cases/model.ts';
import { writeFile } from 'node:fs/promises';
import { CaseFailure } from '../../harness/cases/failure.ts';

export interface EngineTiming {
  /** How long an expected reply may take (ms). */
  replyMs: number;
  /** Extra quiet window after a ping barrier, for frames an asynchronous engine may still be sending (ms). */
  quietMs: number;
  /** Bound for a disconnected worker's registrations to disappear (ms). */
  cleanupBoundMs: number;
}

export type WorkerOptions = Omit<FakeWorkerOptions, 'transcript' | 'peerName'>;

export interface EngineCaseContext {
  /** ws://host:port of the engine under test. */
  url: string;
  /** Who the engine under test is (its own answer, --engine-name, or its target): for what a case prints. */
  implementation: Implementation;
  seed: number;
  tolerance: ToleranceModel;
  signal: AbortSignal;
  /** The namespace grace the engine under test is known (or assumed: 5000 ms) to use (§4.2). */
  namespaceGraceMs: number;
  /** The HTTP upgrade deadline the engine under test is known (or assumed: 10 000 ms) to use (§1.2). */
  handshakeTimeoutMs: number;
  timing: EngineTiming;
  /** The case's transcript: every fake worker records into it. */
  transcript: TranscriptRecorder;
  /** Connects a fake worker without waiting for any frame. Closed by the context when the case ends. */
  connect(label: string, options?: WorkerOptions): Promise<FakeWorker>;
  /** Connects and waits for the first frame; fails the case unless it is workerregistered with a worker_id. */
  worker(label: string, options?: WorkerOptions): Promise<FakeWorker>;
}

export function engineTiming(tolerance: ToleranceModel): EngineTiming {
  const s = tolerance.timeScale;
  return { replyMs: 2000 * s, quietMs: 60 * s, cleanupBoundMs: 2000 * s };
}

export interface EngineContextOptions {
  url: string;
  implementation: Implementation;
  namespaceGraceMs: number;
  handshakeTimeoutMs: number;
  /** The engine's own output; the part written during a case is kept beside its transcript. */
  engineOutput?: EngineOutput;
}

/**
 * The largest frame a case's fake worker takes from the engine: the real engine's own frame limit
 * (tungstenite; engine-protocol.md, "Max size"). No case makes an engine send more than ~1 MiB (the robustness case
 * routes a 1 MiB payload), and a bigger frame is refused with 1009 before it is buffered, so an engine that
 * sends 64 MiB frames to dozens of workers cannot make the harness hold them all (issue 17 item 5).
 */
export const ENGINE_CASE_MAX_INBOUND_FRAME = 16 * 1024 * 1024;

export function engineContextFactory(options: EngineContextOptions): ContextFactory<EngineCaseContext> {
  return async (env: CaseRunEnvironment) => {
    const workers: FakeWorker[] = [];
    const timing = engineTiming(env.tolerance);
    // The engine settings the case assumes are kept: replay starts its reference engine with them.
    const transcript = new TranscriptRecorder({
      meta: {
        caseId: env.caseId,
        engine: options.url,
        seed: env.seed,
        namespaceGraceMs: options.namespaceGraceMs,
        handshakeTimeoutMs: options.handshakeTimeoutMs,
      },
    });
    const transcriptFile = join(env.artifactsDir, 'transcript.jsonl');
    // The transcript file is also where records past TRANSCRIPT_MEMORY_CAP live: a flooding engine's
    // frames go to disk, and waits and queries read them back from there.
    transcript.spillTo(transcriptFile);
    const outputMark = await options.engineOutput?.mark();
    const connect = async (label: string, o: WorkerOptions = {}): Promise<FakeWorker> => {
      if (env.signal.aborted) throw new Error('the case was aborted');
      const w = await FakeWorker.connect(options.url, {
        defaultTimeoutMs: timing.replyMs,
        maxPayload: ENGINE_CASE_MAX_INBOUND_FRAME,
        ...o,
        transcript,
        peerName: label,
      });
      workers.push(w);
      if (env.signal.aborted) w.terminate();
      return w;
    };
    env.signal.addEventListener('abort', () => workers.forEach((w) => w.terminate()), { once: true });
    const ctx: EngineCaseContext = {
      url: options.url,
      implementation: options.implementation,
      seed: env.seed,
      tolerance: env.tolerance,
      signal: env.signal,
      namespaceGraceMs: options.namespaceGraceMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      timing,
      transcript,
      connect,
      async worker(label, o) {
        const w = await connect(label, o);
        const first = (await w.waitFor(() => true, { timeoutMs: timing.replyMs })).frame as Record<string, unknown> | undefined;
        if (first?.type !== 'workerregistered' || typeof first.worker_id !== 'string') {
          throw new CaseFailure(
            `${label}: the first frame was not workerregistered with a worker_id`,
            { type: 'workerregistered', worker_id: '<uuid>' },
            first,
          );
        }
        return w;
      },
    };
    return {
      ctx,
      async collect() {
        // Output the log no longer keeps is named in the case's timeline, not silently missing from it.
        const capNote = options.engineOutput?.capNote?.();
        if (capNote) ctx.transcript.note('engine', capNote, undefined, 'warn');
        transcript.finishJournal();
        if (!options.engineOutput || outputMark === undefined) return { transcriptFile };
        const text = await options.engineOutput.since(outputMark);
        if (text === '') return { transcriptFile };
        const logFile = join(env.artifactsDir, 'engine-output.log');
        await writeFile(logFile, text.endsWith('\n') ? text : `${text}\n`);
        return { transcriptFile, logFiles: [logFile] };
      },
      async dispose() {
        await Promise.all(workers.map((w) => (w.isOpen ? w.disconnect(1000, '', { timeoutMs: 1000 }).catch(() => w.terminate()) : w.terminate())));
        transcript.closeJournal();
      },
    };
  };
}
