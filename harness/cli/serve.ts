// `serve`: the reference engine (default) or the scriptable fake engine on a fixed port, for manual
// debugging with a real SDK worker (`III_URL=ws://127.0.0.1:49134 node my-worker.js`). Runs until Ctrl-C.
// With --fake every frame is printed as it passes, and --transcript FILE keeps it as JSON Lines.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { OutputStream } from '../runner/progress.ts';
import { toTimelineEvent } from '../reports/transcript-timeline.ts';
import { SetupError, UsageError } from './errors.ts';
import type { CliIO } from './io.ts';
import { forTerminal } from '../util/terminal.ts';
import type { TranscriptRecord } from '../transcript/records.ts';

export interface ServeOptions {
  fake?: boolean;
  port?: string;
  host?: string;
  transcript?: string;
  verbose?: boolean;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** How often `serve --fake` writes its transcript journal's pending lines. */
const JOURNAL_FLUSH_MS = 200;

function parsePort(text: string | undefined): number {
  const port = Number(text ?? '49134');
  if (!/^\d+$/.test(text ?? '49134') || port > 65535) throw new UsageError(`--port "${text}" must be a port number from 0 to 65535 (0 picks a free one)`);
  return port;
}

function addressInUse(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(e instanceof Error ? e.message : '');
}

function frameLine(record: TranscriptRecord): string | undefined {
  const ev = toTimelineEvent(record);
  if (!ev) return undefined;
  const arrow = ev.dir === 'engine->worker' ? 'engine → worker' : ev.dir === 'worker->engine' ? 'worker → engine' : ev.kind;
  // Frame types, details and violation messages are the worker's: printed inert (terminal.ts).
  return `${ev.t.toFixed(1).padStart(9)} ms  ${ev.conn === undefined ? '   ' : `#${String(ev.conn).padEnd(2)}`} ${arrow.padEnd(15)} ${forTerminal(ev.label)}${ev.bad ? ' ✗' : ''}  ${forTerminal(ev.detail)}`;
}

export async function startServer(options: ServeOptions, io: CliIO): Promise<RunningServer> {
  const port = parsePort(options.port);
  const host = options.host ?? '127.0.0.1';
  try {
    if (options.fake) {
      const { FakeEngine } = await import('../fake-engine/index.ts');
      const engine = await FakeEngine.start({ host, port });
      const detach = engine.transcript.subscribe((r) => {
        const line = frameLine(r);
        if (line) io.stdout.write(`${line}\n`);
      });
      // The transcript is journalled (to --transcript, else to a file of our own that is removed at the end),
      // so a server left running keeps only TRANSCRIPT_MEMORY_CAP of it in memory. The journal writes in
      // batches; flushing it every JOURNAL_FLUSH_MS lets someone tailing --transcript see frames promptly.
      const own = options.transcript ? undefined : await mkdtemp(join(tmpdir(), 'iii-conformance-serve-'));
      const journalFile = options.transcript ? resolve(io.cwd, options.transcript) : join(own as string, 'transcript.jsonl');
      try {
        engine.transcript.spillTo(journalFile);
      } catch (e) {
        await engine.close();
        throw new SetupError(`the transcript cannot be written to ${journalFile}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const flusher = setInterval(() => engine.transcript.flushJournal(), JOURNAL_FLUSH_MS);
      return {
        url: engine.url,
        close: async () => {
          clearInterval(flusher);
          detach();
          await engine.close();
          try {
            engine.transcript.finishJournal();
          } catch (e) {
            // Only the file asked for is the user's concern; a write error in our own temporary one is not.
            if (options.transcript) throw new SetupError(e instanceof Error ? e.message : String(e));
          } finally {
            if (own) await rm(own, { recursive: true, force: true });
          }
        },
      };
    }
    const { startReferenceEngine } = await import('../reference-engine/index.ts');
    const running = await startReferenceEngine({
      host,
      port,
      log: (level, message, fields) => {
        if (level === 'debug' && !options.verbose) return;
        // Log messages quote workers (engine::log::* carries a worker's text): printed inert.
        io.stderr.write(
          `${new Date().toISOString()} ${level.toUpperCase()} ${forTerminal(message)}${fields ? ` ${forTerminal(JSON.stringify(fields))}` : ''}\n`,
        );
      },
    });
    return { url: running.url, close: () => running.close() };
  } catch (e) {
    if (addressInUse(e)) throw new SetupError(`port ${port} on ${host} is already in use: stop what listens there, or pass --port <n> (0 picks a free port)`);
    if (e instanceof UsageError || e instanceof SetupError) throw e;
    throw new SetupError(`the ${options.fake ? 'fake' : 'reference'} engine could not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function serve(options: ServeOptions, io: CliIO, out: OutputStream = io.stdout): Promise<number> {
  if (options.transcript && !options.fake) throw new UsageError('--transcript records the fake engine: add --fake');
  const server = await startServer(options, io);
  out.write(`${options.fake ? 'fake' : 'reference'} engine listening on ${server.url}  (workers connect to ${server.url}; Ctrl-C stops it)\n`);
  let orphaned = false;
  await new Promise<void>((resolveWait) => {
    if (io.signal?.aborted) return resolveWait();
    io.signal?.addEventListener('abort', () => resolveWait(), { once: true });
    // A serve started by a script or test runner must not outlive it: when the parent dies the process is
    // re-parented (ppid changes), and the engine stops instead of holding its port forever.
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      orphaned = true;
      clearInterval(watch);
      resolveWait();
    }, 500);
    watch.unref();
    io.signal?.addEventListener('abort', () => clearInterval(watch), { once: true });
  });
  await server.close();
  out.write(orphaned ? 'stopped: the parent process exited\n' : 'stopped\n');
  return 0;
}
