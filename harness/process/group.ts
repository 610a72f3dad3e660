// Starts a program in its own process group and stops the whole group: SIGTERM, then SIGKILL after a
// grace period, then SIGKILL again to the group so that no grandchild (a shell's child, an SDK's helper)
// outlives it. Used for SDK drivers and for engines launched with --engine-cmd.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { trackGroup, untrackGroup } from './registry.ts';

export interface SpawnGroupOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Pipe stdin (drivers read commands from it). Default: stdin is /dev/null. */
  stdin?: boolean;
  /** A name for messages and for the live-group registry ("driver:node", "engine"). */
  name?: string;
}

export interface ExitInfo {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
  /** True when the group had to be killed with SIGKILL because SIGTERM was not enough. */
  killed: boolean;
}

export interface ProcessGroup {
  readonly name: string;
  /** Process id of the leader, which is also the process group id. -1 if spawning failed. */
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves once the leader has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** Sends a signal to every process of the group; false if the group is gone. */
  signal(sig: NodeJS.Signals): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs` (default 3000). Idempotent; always leaves no process behind. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

export const DEFAULT_GRACE_MS = 3000;

export function spawnGroup(file: string, args: readonly string[], options: SpawnGroupOptions = {}): ProcessGroup {
  const child: ChildProcess = spawn(file, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true, // its own process group: the leader's pid is the group id
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<LeaderExit>((resolve) => {
    child.once('error', (e) => resolve({ code: null, signal: null, spawnError: e.message }));
    child.once('exit', (code, sig) => resolve({ code, signal: sig }));
  });
  // A pipe error (EPIPE after the child died) must not crash the harness.
  child.stdin?.on('error', () => {});
  return adoptGroup({ name: options.name ?? file, pid: child.pid ?? -1, stdin: child.stdin ?? null, stdout: child.stdout!, stderr: child.stderr! }, exit);
}

/** How a group's leader ended, before the group knows whether it had to be killed. */
export type LeaderExit = Omit<ExitInfo, 'killed'>;

/**
 * A ProcessGroup for a leader the harness did not spawn itself but must stop all the same (a driver forked
 * by a fork server: harness/targets/sdk/fork-server.ts): `pid` leads its own process group, and `exit`
 * resolves once it has ended. Tracked, stopped and swept exactly as a spawned group is.
 */
export function adoptGroup(
  leader: { name: string; pid: number; stdin: Writable | null; stdout: Readable; stderr: Readable },
  exit: Promise<LeaderExit>,
): ProcessGroup {
  const { name, pid } = leader;
  let exitedFlag = false;
  let killed = false;
  const exited = exit.then((info) => {
    exitedFlag = true;
    return { ...info, killed };
  });

  const signalGroup = (sig: NodeJS.Signals): boolean => {
    if (pid <= 0) return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // ESRCH: the group is gone
    }
  };

  let stopping: Promise<ExitInfo> | null = null;
  const group: ProcessGroup = {
    name,
    pid,
    stdin: leader.stdin,
    stdout: leader.stdout,
    stderr: leader.stderr,
    exited,
    hasExited: () => exitedFlag,
    signal: signalGroup,
    stop(graceMs = DEFAULT_GRACE_MS) {
      stopping ??= (async () => {
        if (pid > 0) {
          if (!exitedFlag) signalGroup('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<'timeout'>((r) => {
            timer = setTimeout(() => r('timeout'), graceMs);
          });
          const first = await Promise.race([exited, timeout]);
          clearTimeout(timer);
          if (first === 'timeout') {
            killed = true;
            signalGroup('SIGKILL');
          }
          // The leader may be gone while a grandchild lingers in the group.
          signalGroup('SIGKILL');
        }
        const info = await exited;
        untrackGroup(group);
        return info;
      })();
      return stopping;
    },
  };
  if (pid > 0) {
    trackGroup(group);
    // A leader that exits on its own still leaves the group to be swept.
    void exited.then(() => {
      signalGroup('SIGKILL');
      untrackGroup(group);
    });
  }
  return group;
}

/**
 * Live (non-zombie) processes of group `pgid`. Reads /proc where it exists, because a zombie still
 * answers kill(pid, 0) until its new parent reaps it, and not every init reaps promptly.
 */
export function groupMembers(pgid: number): number[] {
  if (pgid <= 0) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return groupAliveBySignal(pgid) ? [pgid] : [];
  }
  const members: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(name));
  }
  return members;
}

/** True while any live process of group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

function groupAliveBySignal(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while process `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}
