// TCP helpers: wait until something listens, and (Linux) list the sockets still using a port, so a test
// can show that a run left no listener and no connection behind.

import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';

export interface WaitForPortOptions {
  host?: string;
  timeoutMs?: number;
  /** Checked between attempts: return a reason to give up early (e.g. "the engine exited"). */
  abort?: () => string | null;
  signal?: AbortSignal;
}

/** Resolves once a TCP connection to host:port succeeds; rejects with the reason otherwise. */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = options.abort?.() ?? (options.signal?.aborted ? 'aborted' : null);
    if (why !== null) throw new Error(why);
    if (await canConnect(port, host)) return;
    if (Date.now() >= deadline) throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One connection attempt; true if the port accepted it. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A TCP socket from /proc/net/tcp{,6}. */
export interface TcpSocketEntry {
  localPort: number;
  remotePort: number;
  state: string;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/**
 * Sockets whose local or remote port is `port`, except TIME_WAIT (the kernel keeps those for a
 * while after a clean close; they hold no process). Null where /proc/net/tcp does not exist.
 */
export async function socketsOnPort(port: number): Promise<TcpSocketEntry[] | null> {
  const found: TcpSocketEntry[] = [];
  let readAny = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
      readAny = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const remote = cols[2];
      const st = cols[3];
      if (!local || !remote || !st) continue;
      const localPort = parseInt(local.split(':')[1] ?? '', 16);
      const remotePort = parseInt(remote.split(':')[1] ?? '', 16);
      const state = TCP_STATES[st] ?? st;
      if ((localPort === port || remotePort === port) && state !== 'TIME_WAIT') found.push({ localPort, remotePort, state });
    }
  }
  return readAny ? found : null;
}
