// Launches an engine command for the cmd target on top of harness/process (own process group, live
// group registry, SIGTERM then SIGKILL), with its output kept in a capped log file and an in-memory tail (capped-log.ts).
// A plain command line (words, quotes, leading VAR=value) runs directly, so the engine itself leads
// the group and gets SIGTERM first; one with shell syntax runs under `/bin/sh -c` (its shell leads).

import { cappedLog, ENGINE_LOG_CAPS, type EngineLogCaps } from './capped-log.ts';
import { splitCommandLine, spawnGroup, waitForPort as waitForTcpPort } from '../../process/index.ts';

const SHELL_SYNTAX = /[;&|<>()`$*?{}[\]~\n#]/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** How a command line is started: directly when it needs no shell, else through /bin/sh -c. */
export function planCommand(command: string, env: NodeJS.ProcessEnv): { file: string; args: string[]; env: NodeJS.ProcessEnv; shell: boolean } {
  if (!SHELL_SYNTAX.test(command)) {
    const words = splitCommandLine(command);
    const extra: NodeJS.ProcessEnv = {};
    while (words.length > 0 && ASSIGNMENT.test(words[0]!)) {
      const w = words.shift()!;
      const at = w.indexOf('=');
      extra[w.slice(0, at)] = w.slice(at + 1);
    }
    const [file, ...args] = words;
    if (file !== undefined) return { file, args, env: { ...env, ...extra }, shell: false };
  }
  return { file: '/bin/sh', args: ['-c', command], env, shell: true };
}

export interface LaunchedCommand {
  pid: number;
  /** Resolves with the exit code (or signal name) once the command exited and its output is flushed. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** Last bytes of stdout+stderr, interleaved as they arrived. */
  outputTail(): string;
  /** Which output cap the command hit (ENGINE_LOG_CAPS), if any. */
  capNote(): string | undefined;
  logFile: string;
  /** SIGTERM to the process group, SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<string>;
}

export function launchCommand(command: string, logFile: string, env: NodeJS.ProcessEnv = process.env, caps: EngineLogCaps = ENGINE_LOG_CAPS): LaunchedCommand {
  const log = cappedLog(logFile, caps);
  const plan = planCommand(command, env);
  const group = spawnGroup(plan.file, plan.args, { env: plan.env, name: 'engine' });
  const keep = (chunk: Buffer): void => log.write(chunk);
  group.stdout.on('data', keep);
  group.stderr.on('data', keep);
  // Output is complete once both pipes ended (a grandchild may hold them a little after the shell exits).
  const drained = Promise.all([new Promise((r) => group.stdout.once('close', r)), new Promise((r) => group.stderr.once('close', r))]);
  let done = false;
  const exited = group.exited.then(async (info) => {
    // Wait up to 1 s for the last output, and do not leave that timer behind when the pipes close first.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    done = true;
    await log.end(); // `exited` promises the output is flushed
    return info.spawnError ? `spawn error: ${info.spawnError}` : (info.signal ?? String(info.code));
  });
  return {
    pid: group.pid,
    exited,
    hasExited: () => done,
    outputTail: () => log.tail(),
    capNote: () => log.capNote(),
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
