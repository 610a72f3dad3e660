// Minimal launcher for an engine command: its own process group, output kept (file + in-memory tail),
// stopped with SIGTERM to the whole group, then SIGKILL after a grace. Written here because
// harness/process/ did not exist yet when the engine targets were built; swap for it when it lands.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:net';

export interface LaunchedCommand {
  pid: number;
  /** Resolves with the exit code (or signal name) once the shell exited and its output pipes closed. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** Last bytes of stdout+stderr, interleaved as they arrived. */
  outputTail(): string;
  logFile: string;
  /** SIGTERM to the process group, SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<string>;
}

const TAIL_BYTES = 64 * 1024;

export function launchCommand(command: string, logFile: string, env: NodeJS.ProcessEnv = process.env): LaunchedCommand {
  mkdirSync(dirname(logFile), { recursive: true });
  const out: WriteStream = createWriteStream(logFile);
  out.on('error', () => {});
  const child: ChildProcess = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    out.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitedFlag = false;
  const exited = new Promise<string>((resolve) => {
    const done = (how: string): void => {
      if (exitedFlag) return;
      exitedFlag = true;
      out.end();
      resolve(how);
    };
    child.once('error', (e) => done(`spawn error: ${e.message}`));
    // 'close', not 'exit': the output of the whole group is in once every end of the pipes is closed.
    child.once('close', (code, signal) => done(signal ?? String(code)));
  });
  const pid = child.pid ?? -1;
  let stopping: Promise<string> | null = null;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* group already gone */
    }
  };
  return {
    pid,
    exited,
    hasExited: () => exitedFlag,
    outputTail: () => tail,
    logFile,
    stop(graceMs = 3000) {
      stopping ??= (async () => {
        if (pid <= 0) return exited;
        signalGroup('SIGTERM');
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
        if ((await Promise.race([exited, timer])) === 'timeout') signalGroup('SIGKILL');
        // The shell may be gone while a grandchild lingers in the group: make sure the group is dead.
        signalGroup('SIGKILL');
        return exited;
      })();
      return stopping;
    },
  };
}

/** Resolves once a TCP connection to host:port succeeds; rejects after `timeoutMs` or when `abort()` says so. */
export async function waitForPort(host: string, port: number, timeoutMs: number, abort: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = abort();
    if (why !== null) throw new Error(why);
    if (await tryConnect(host, port)) return;
    if (Date.now() >= deadline) throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
