// Launches an engine command for the cmd target on top of harness/process (own process group, live
// group registry, SIGTERM then SIGKILL): through `/bin/sh -c` so that a user's command line may use
// shell syntax (env assignments, `&&`), with its output kept in a log file and an in-memory tail.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { spawnGroup, waitForPort as waitForTcpPort } from '../../process/index.ts';

export interface LaunchedCommand {
  pid: number;
  /** Resolves with the exit code (or signal name) once the command exited and its output is flushed. */
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
  const group = spawnGroup('/bin/sh', ['-c', command], { env, name: 'engine' });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    out.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  group.stdout.on('data', keep);
  group.stderr.on('data', keep);
  // Output is complete once both pipes ended (a grandchild may hold them a little after the shell exits).
  const drained = Promise.all([new Promise((r) => group.stdout.once('close', r)), new Promise((r) => group.stderr.once('close', r))]);
  let done = false;
  const exited = group.exited.then(async (info) => {
    await Promise.race([drained, new Promise((r) => setTimeout(r, 1000))]);
    done = true;
    out.end();
    return info.spawnError ? `spawn error: ${info.spawnError}` : (info.signal ?? String(info.code));
  });
  return {
    pid: group.pid,
    exited,
    hasExited: () => done,
    outputTail: () => tail,
    logFile,
    async stop(graceMs) {
      await group.stop(graceMs);
      return exited;
    },
  };
}

/** Resolves once a TCP connection to host:port succeeds; rejects after `timeoutMs` or when `abort()` gives a reason. */
export function waitForPort(host: string, port: number, timeoutMs: number, abort: () => string | null = () => null): Promise<void> {
  return waitForTcpPort(port, { host, timeoutMs, abort });
}
