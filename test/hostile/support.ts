// What the hostile tests measure around each run: the harness process's children (from /proc), its own
// TCP sockets (from /proc/self/fd and /proc/net/tcp), its live timers, the process groups it tracks, and
// its memory (RSS sampled every 25 ms, heap after a forced GC).

import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { liveGroups } from '../../harness/process/index.ts';

/** Every live (non-zombie) descendant of `root`, from /proc. */
export function descendants(root = process.pid): { pid: number; command: string }[] {
  const parent = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      parent.set(Number(name), Number(fields[1]));
      commands.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 160));
    } catch {
      // exited while we looked
    }
  }
  const out: { pid: number; command: string }[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push({ pid, command: commands.get(pid) ?? '' });
        break;
      }
    }
  }
  return out;
}

/** TCP sockets this process holds open (listeners and connections), as "state local->remote". */
export function ownTcpSockets(): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
      const port = (hexAddr: string): number => parseInt(hexAddr.split(':')[1] ?? '0', 16);
      out.push(`${cols[3] === '0A' ? 'LISTEN' : `state ${cols[3]}`} ${port(cols[1]!)}->${port(cols[2]!)}`);
    }
  }
  return out.sort();
}

/** Live timers and intervals of this process (Node's own count, vitest's included). */
export function liveTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

export interface LeakSnapshot {
  children: { pid: number; command: string }[];
  sockets: string[];
  timers: number;
  groups: { name: string; pid: number }[];
}

export function snapshot(): LeakSnapshot {
  return { children: descendants(), sockets: ownTcpSockets(), timers: liveTimers(), groups: liveGroups() };
}

let gcFn: (() => void) | undefined;
/** A full GC, so heap figures before and after compare live objects rather than garbage. */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

export interface MemoryWatch {
  /** Highest RSS seen since start, in MiB above the RSS at start. */
  stop(): { rssStartMiB: number; rssPeakGrowthMiB: number };
}

/** Samples RSS every 25 ms (unref'd timer) until stopped. */
export function watchMemory(): MemoryWatch {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return { rssStartMiB: mib(start), rssPeakGrowthMiB: mib(peak - start) };
    },
  };
}

export function heapUsedMiB(): number {
  collectGarbage();
  return mib(process.memoryUsage().heapUsed);
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/** Polls `check` until it returns true or `timeoutMs` passes (for processes the kernel reaps a moment later). */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
