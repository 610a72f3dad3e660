// Fork start (issue 17, driver contract §1 in fixtures/drivers/README.md). A driver that declares `forkStart`
// runs once per target as a fork server: it loads its SDK, then forks a deferred-start driver for each spare,
// so that no case's driver pays the load (a Python import is ~0.25 s of CPU, on two cores most of a short
// case). Every case still gets a fresh process. A fork leads its own process group and reaches the harness
// through two connections to a Unix socket in a private folder, each opened with a line naming its token and
// stream: the first carries its stdin and stdout, the second its stderr. The server reports each fork's pid
// and, once it has ended, its exit; the fork is then stopped as any driver is (adoptGroup).

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { adoptGroup, processAlive, spawnGroup, type LeaderExit, type ProcessGroup } from '../../process/index.ts';
import { readLines } from '../../util/line-reader.ts';
import { forTerminal } from '../../util/terminal.ts';
import { parseEventLine } from './contract.ts';
import type { DriverCommandLine } from './drivers.ts';

/** The environment variable that asks a driver to serve forks; its value is the socket's path. */
export const FORK_SERVER_ENV = 'III_DRIVER_FORK_SERVER';
/** How long a fork may take to be reported and to connect both its streams. */
const FORK_TIMEOUT_MS = 10_000;
/** A fork's first line on each connection is a short JSON object; anything longer is not one of ours. */
const HELLO_MAX_BYTES = 256;
const STDERR_TAIL = 4096;
/** How long a SIGKILLed fork may take to be gone. */
const KILL_WAIT_MS = 5000;

interface PendingFork {
  pid?: number;
  exit?: Promise<LeaderExit>;
  stdio?: Socket;
  stderr?: Socket;
  stdout: PassThrough;
  stderrOut: PassThrough;
  done: (group: ProcessGroup | undefined) => void;
}

export class ForkServer {
  private readonly dir = mkdtempSync(join(tmpdir(), 'iii-forks-'));
  private readonly socketPath = join(this.dir, 'forks.sock');
  private readonly listener: Server;
  private readonly listening: Promise<void>;
  private readonly group: ProcessGroup;
  private readonly pending = new Map<string, PendingFork>();
  private readonly exits = new Map<number, (exit: LeaderExit) => void>();
  private readonly connections = new Set<Socket>();
  private nextToken = 1;
  private stderrText = '';
  /** Why the server can no longer fork, once it cannot. */
  gone: string | undefined;

  constructor(
    private readonly label: string,
    command: DriverCommandLine,
    env: NodeJS.ProcessEnv,
  ) {
    this.listener = createServer((conn) => this.accept(conn));
    this.listening = new Promise((resolve) => {
      this.listener.once('listening', resolve);
      this.listener.once('error', (e) => {
        this.fail(`could not get its socket: ${e.message}`);
        resolve();
      });
      this.listener.listen(this.socketPath);
    });
    this.group = spawnGroup(command.file, command.args, {
      cwd: command.cwd,
      env: { ...env, [FORK_SERVER_ENV]: this.socketPath },
      stdin: true,
      name: `fork-server:${label}`,
    });
    readLines(this.group.stdout, { line: (line) => this.onLine(line), overflow: () => this.fail('wrote an over-long line') });
    this.group.stderr.on('data', (chunk: Buffer) => {
      this.stderrText = (this.stderrText + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    void this.group.exited.then((info) => {
      this.fail(`exited (${info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`})`);
      // Its forks die with it (PR_SET_PDEATHSIG), and nobody is left to report their exits: make sure, and say so.
      for (const pid of [...this.exits.keys()]) this.killFork(pid);
    });
  }

  /**
   * A fresh driver process, forked from the loaded server and waiting for its start command; undefined once
   * the server is gone or when the fork did not come up within FORK_TIMEOUT_MS (the caller starts one cold).
   */
  async fork(): Promise<ProcessGroup | undefined> {
    await this.listening;
    if (this.gone) return undefined;
    const token = `fork-${this.nextToken++}`;
    let timer: NodeJS.Timeout | undefined;
    const group = await new Promise<ProcessGroup | undefined>((resolve) => {
      this.pending.set(token, { stdout: new PassThrough(), stderrOut: new PassThrough(), done: resolve });
      timer = setTimeout(() => this.abandon(token, 'did not come up'), FORK_TIMEOUT_MS);
      this.group.stdin?.write(`${JSON.stringify({ cmd: 'fork', id: token })}\n`);
    });
    clearTimeout(timer);
    return group;
  }

  /** Stops the server (its forks die with it) and removes its socket. Forks already handed out are stopped by their sessions. */
  async close(): Promise<void> {
    this.gone ??= 'closed';
    this.group.stdin?.end();
    await this.group.stop();
    // Forks handed out were stopped by their sessions; what is left open here is nobody's.
    for (const conn of this.connections) conn.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private onLine(line: string): void {
    const parsed = parseEventLine(line);
    if (!parsed.ok) return this.fail(`wrote a line that is not a contract event (${parsed.reason})`);
    const event = parsed.event;
    if (event.event === 'forked') {
      const fork = this.pending.get(event.id);
      if (!fork) return;
      fork.pid = event.pid;
      fork.exit = new Promise((resolve) => this.exits.set(event.pid, resolve));
      this.complete(event.id);
    } else if (event.event === 'reaped') {
      this.exits.get(event.pid)?.({ code: event.code, signal: event.signal as NodeJS.Signals | null });
      this.exits.delete(event.pid);
    } else if (event.event === 'error') {
      this.fail(`refused a fork: ${event.message}`);
    }
  }

  /** A connection from a fork: its first line names the fork and the stream, the rest is that stream. */
  private accept(conn: Socket): void {
    conn.on('error', () => {});
    this.connections.add(conn);
    conn.once('close', () => this.connections.delete(conn));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl === -1) {
        if (head.length > HELLO_MAX_BYTES) conn.destroy();
        return;
      }
      conn.off('data', onData);
      const hello = parseHello(head.subarray(0, nl).toString('utf8'));
      const fork = hello ? this.pending.get(hello.fork) : undefined;
      if (!hello || !fork || fork[hello.stream]) return void conn.destroy();
      fork[hello.stream] = conn;
      const out = hello.stream === 'stdio' ? fork.stdout : fork.stderrOut;
      out.write(head.subarray(nl + 1));
      conn.pipe(out);
      this.complete(hello.fork);
    };
    conn.on('data', onData);
  }

  /** Hands the fork out once its pid and both its streams are in. */
  private complete(token: string): void {
    const fork = this.pending.get(token);
    if (!fork || fork.pid === undefined || !fork.exit || !fork.stdio || !fork.stderr) return;
    this.pending.delete(token);
    const group = adoptGroup(
      { name: `driver:${this.label} (fork ${fork.pid})`, pid: fork.pid, stdin: fork.stdio, stdout: fork.stdout, stderr: fork.stderrOut },
      fork.exit,
    );
    fork.done(group);
  }

  private abandon(token: string, why: string): void {
    const fork = this.pending.get(token);
    if (!fork) return;
    this.pending.delete(token);
    if (fork.pid !== undefined) this.killFork(fork.pid);
    fork.stdio?.destroy();
    fork.stderr?.destroy();
    fork.done(undefined);
    if (why !== 'the server is gone') this.fail(`fork ${token} ${why} within ${FORK_TIMEOUT_MS} ms`);
  }

  /** No more forks from this server; those handed out keep running their cases until it is closed. */
  private fail(why: string): void {
    if (this.gone) return;
    this.gone = `the fork server of ${this.label} ${why}${this.stderrText ? `; its stderr ended: ${forTerminal(this.stderrText.slice(-400))}` : ''}`;
    for (const token of [...this.pending.keys()]) this.abandon(token, 'the server is gone');
  }

  /** SIGKILLs a fork's group and reports its exit once the process is gone (signals are delivered asynchronously). */
  private killFork(pid: number): void {
    const report = this.exits.get(pid);
    this.exits.delete(pid);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    void (async () => {
      for (let waited = 0; processAlive(pid) && waited < KILL_WAIT_MS; waited += 10) await sleep(10);
      report?.({ code: null, signal: 'SIGKILL' });
    })();
  }
}

function parseHello(line: string): { fork: string; stream: 'stdio' | 'stderr' } | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    const { fork, stream } = value as Record<string, unknown>;
    if (typeof fork === 'string' && (stream === 'stdio' || stream === 'stderr')) return { fork, stream };
  } catch {
    /* not a hello */
  }
  return undefined;
}
