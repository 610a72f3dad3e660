// One running driver: writes commands, reads events, keeps the transcript and the driver's stderr,
// and stops the driver's whole process group however the case ended.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ExitInfo, ProcessGroup } from '../../process/index.ts';
import type { Capability, Implementation } from '../../cases/model.ts';
import { sdkImplementationName } from '../implementation-name.ts';
import { MAX_LINE_BYTES, readLines } from '../../util/line-reader.ts';
import { forTerminal } from '../../util/terminal.ts';
import {
  parseEventLine,
  type Behaviour,
  type DriverCommand,
  type DriverCommandBody,
  type DriverConfig,
  type DriverEvent,
  type Json,
  type ReadyEvent,
  type ReceivedEvent,
  type SettledEvent,
  type TriggerActionSpec,
} from './contract.ts';

/** A driver did not do what the contract says (no ready, no answer, died, spoke garbage). */
export class DriverProtocolError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}\n--- driver stderr (tail) ---\n${quotedTail(stderrTail)}` : message);
    this.name = 'DriverProtocolError';
  }
}

/**
 * The driver's stderr, quoted: each line behind `| ` with controls made visible, so that no line of it can
 * pass for the harness's own output (a forged "Result: exit 0") or drive the terminal.
 */
function quotedTail(tail: string): string {
  return tail
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `| ${forTerminal(line)}`)
    .join('\n');
}

/** A command the driver answered with an `error` event. */
export class DriverCommandError extends Error {
  constructor(readonly event: Extract<DriverEvent, { event: 'error' }>) {
    super(`driver refused ${event.id ?? 'a command'}: ${event.message} (${event.class})`);
    this.name = 'DriverCommandError';
  }
}

type Ack = Extract<DriverEvent, { event: 'ack' }>;
type Waiter = { match: (e: ReceivedEvent) => boolean; resolve: (e: ReceivedEvent) => void };

const STDERR_TAIL = 16 * 1024;
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/**
 * What a driver may make the harness keep of its noise (stray stdout, stderr, `log` events): a flooding
 * driver must not exhaust memory or disk. Beyond these the rest is counted, not kept, and the cap is named
 * (capNotes, copied into the case transcript as a warning).
 */
export const NOISE_CAPS = { logFileBytes: 8 * 1024 * 1024, logEvents: 5000, strayLines: 100 } as const;

export interface SessionOptions {
  /** Transcript file: every command and event as JSON Lines, plus stderr lines, with harness times. */
  logFile?: string;
  /** No log file yet, one will be attached (attachLog): keep what is logged until then. */
  logLater?: boolean;
  graceMs?: number;
}

export class DriverSession {
  readonly events: ReceivedEvent[] = [];
  /** Commands written, with when (performance.now()): copied into the case transcript so replay re-sends each in its place. */
  readonly commands: { at: number; command: DriverCommand }[] = [];
  /** Lines on stdout that were not contract events (a contract violation, kept for the report). */
  readonly strayStdout: string[] = [];
  /** Why each stray line is not a contract event (schema problem, over-long line), in the same order. */
  readonly strayReasons: string[] = [];
  /** Each noise cap the driver hit, in words (NOISE_CAPS); empty while it stays within them. */
  readonly capNotes: string[] = [];
  /** Every stray stdout line seen, kept or not. */
  strayCount = 0;
  private keptLogEvents = 0;
  private droppedLogEvents = 0;
  private noiseBytes = 0;
  /** Set when the driver sent a `ready` that breaks the contract schema: the start fails at once, naming it. */
  private readyProblem: string | undefined;
  private onReadyProblem: ((problem: string) => void) | undefined;
  private stderrText = '';
  private waiters = new Set<Waiter>();
  private nextId = 1;
  private log: WriteStream | null = null;
  private hasLoaded = false;
  private onLoaded: (() => void) | undefined;
  /** Log lines written before a log file was attached (a warm spare's start-up), flushed by attachLog. */
  private unattached: string[] | null = null;
  private exitInfo: ExitInfo | null = null;
  private readyEvent: ReadyEvent | null = null;
  readonly startedAt = performance.now();

  constructor(
    readonly label: string,
    private readonly group: ProcessGroup,
    private readonly options: SessionOptions = {},
  ) {
    if (options.logFile) this.attachLog(options.logFile);
    else if (options.logLater) this.unattached = [];
    readLines(group.stdout, {
      line: (line) => this.onStdout(line),
      overflow: (bytes) =>
        this.onStray(`<${bytes} bytes without a newline>`, `a line longer than the ${MAX_LINE_BYTES}-byte cap (${MAX_LINE_BYTES / 1024 / 1024} MiB); dropped`),
    });
    group.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrText = (this.stderrText + text).slice(-STDERR_TAIL);
      for (const line of text.split('\n')) if (line) this.recordNoise({ dir: 'stderr', line });
    });
    void group.exited.then((info) => {
      this.exitInfo = info;
      this.record({ dir: 'process-exit', ...info });
      // Wake every waiter so that nobody waits past the driver's death.
      for (const w of [...this.waiters]) w.resolve({ event: 'exit', code: info.code ?? -1, reason: 'process exited', at: performance.now() });
      this.waiters.clear();
      this.log?.end();
      this.log = null;
    });
  }

  /**
   * Starts writing the driver log to `file`, beginning with what was logged before (a warm spare gets its
   * case's log file only when a case takes it). What was logged before is bounded by the noise cap.
   */
  attachLog(file: string): void {
    if (this.log || this.exitInfo) return;
    mkdirSync(dirname(file), { recursive: true });
    this.log = createWriteStream(file);
    this.log.on('error', () => {});
    for (const line of this.unattached ?? []) this.log.write(line);
    this.unattached = null;
  }

  /** Resolves when a deferred driver says `loaded`, or when it exits (whichever is first). */
  loaded(): Promise<void> {
    if (this.hasLoaded || this.exitInfo) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.onLoaded;
      this.onLoaded = () => {
        previous?.();
        resolve();
      };
      void this.group.exited.then(() => resolve());
    });
  }

  /**
   * Deferred start (contract §1): hands a driver launched with III_DRIVER_DEFER_START its configuration;
   * it answers with `ready` (waitReady). Part of the launch, not of the case: kept out of `commands`, so
   * the transcript and replay never see it.
   */
  begin(config: DriverConfig): void {
    const command = { cmd: 'start', id: 'start', config } as const;
    this.record({ dir: 'command', ...command });
    this.group.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  get pid(): number {
    return this.group.pid;
  }

  get ready(): ReadyEvent {
    if (!this.readyEvent) throw new Error('driver is not ready yet');
    return this.readyEvent;
  }

  /** The process exit, once it happened. */
  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  get exited(): Promise<ExitInfo> {
    return this.group.exited;
  }

  stderrTail(): string {
    return this.stderrText;
  }

  /** SDK log lines the driver reported as `log` events. */
  logs(): Extract<ReceivedEvent, { event: 'log' }>[] {
    return this.events.filter((e): e is Extract<ReceivedEvent, { event: 'log' }> => e.event === 'log');
  }

  /** Resolves with ready; rejects if the driver exits or stays silent for `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<ReadyEvent> {
    const badReady = new Promise<never>((_, reject) => {
      const fail = (problem: string): void => reject(new DriverProtocolError(`${this.label}: broke the driver contract: ${problem}`, this.stderrText));
      if (this.readyProblem) fail(this.readyProblem);
      else this.onReadyProblem = fail;
    });
    const e = await Promise.race([
      badReady,
      this.waitFor((ev) => ev.event === 'ready', timeoutMs, 'ready').catch((err: unknown) => {
        throw new DriverProtocolError(`${this.label}: no ready event: ${(err as Error).message}${this.strayNote()}`, this.stderrText);
      }),
    ]).finally(() => {
      this.onReadyProblem = undefined;
      badReady.catch(() => {});
    });
    if (e.event !== 'ready') {
      throw new DriverProtocolError(`${this.label}: exited before ready (${describeExit(this.exitInfo)})`, this.stderrText);
    }
    this.readyEvent = e;
    return e;
  }

  /**
   * The first event (already received or still to come, from index `from`) matching `match`.
   * Rejects after `timeoutMs`; resolves with a synthetic `exit` event if the driver dies first.
   */
  waitFor(match: (e: ReceivedEvent) => boolean, timeoutMs: number, what = 'event', from = 0): Promise<ReceivedEvent> {
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    if (this.exitInfo) return Promise.resolve({ event: 'exit', code: this.exitInfo.code ?? -1, reason: 'process exited', at: performance.now() });
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Writes one command; returns its id. */
  send(body: DriverCommandBody): string {
    const id = `c${this.nextId++}`;
    const command = { ...body, id } as DriverCommand;
    this.commands.push({ at: performance.now(), command });
    this.record({ dir: 'command', ...command });
    this.group.stdin?.write(`${JSON.stringify(command)}\n`);
    return id;
  }

  /** Sends a command and waits for its ack; a driver `error` becomes DriverCommandError. */
  async request(body: DriverCommandBody, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<Ack> {
    const id = this.send(body);
    const e = await this.answerTo(id, timeoutMs, body.cmd);
    if (e.event === 'ack') return e;
    if (e.event === 'error') throw new DriverCommandError(e);
    throw new DriverProtocolError(`${this.label}: exited while ${body.cmd} ${id} was pending (${describeExit(this.exitInfo)})`, this.stderrText);
  }

  registerFunction(functionId: string, behaviour: Behaviour = { kind: 'echo' }, extra: { description?: string; metadata?: Json } = {}): Promise<Ack> {
    return this.request({ cmd: 'registerFunction', functionId, behaviour, ...extra });
  }

  registerTrigger(triggerType: string, functionId: string, config: Json, extra: { metadata?: Json; triggerId?: string } = {}): Promise<Ack> {
    return this.request({ cmd: 'registerTrigger', triggerType, functionId, config, ...extra });
  }

  registerTriggerType(triggerType: string, description: string, rejectWith?: string): Promise<Ack> {
    return this.request({ cmd: 'registerTriggerType', triggerType, description, ...(rejectWith !== undefined ? { rejectWith } : {}) });
  }

  /**
   * Starts a trigger and returns its id at once plus a promise of its `settled` event. The promise
   * rejects if nothing settles within `waitMs` (default: the call's own timeout plus 10 s).
   */
  startTrigger(
    functionId: string,
    payload: Json,
    options: { timeoutMs?: number; action?: TriggerActionSpec; metadata?: Json; waitMs?: number } = {},
  ): { id: string; settled: Promise<SettledEvent> } {
    const { waitMs, ...rest } = options;
    const id = this.send({ cmd: 'trigger', functionId, payload, ...rest });
    const limit = waitMs ?? (options.timeoutMs ?? 30_000) + 10_000;
    const settled = this.answerTo(id, limit, 'trigger').then((e) => {
      if (e.event === 'settled') return e;
      if (e.event === 'error') throw new DriverCommandError(e);
      throw new DriverProtocolError(`${this.label}: exited while trigger ${id} was pending (${describeExit(this.exitInfo)})`, this.stderrText);
    });
    return { id, settled };
  }

  trigger(
    functionId: string,
    payload: Json,
    options: { timeoutMs?: number; action?: TriggerActionSpec; metadata?: Json; waitMs?: number } = {},
  ): Promise<SettledEvent> {
    return this.startTrigger(functionId, payload, options).settled;
  }

  /**
   * Asks the driver to shut its SDK down and exit, then makes sure the group is gone (SIGTERM,
   * SIGKILL). Returns whether the driver exited by itself with code 0 within `timeoutMs`.
   */
  async shutdown(timeoutMs = 10_000): Promise<{ clean: boolean; exit: ExitInfo }> {
    if (!this.exitInfo && this.group.stdin?.writable) {
      this.send({ cmd: 'shutdown' });
      // End of input too: the contract makes it a second way to ask for the same clean exit.
      this.group.stdin.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.group.exited, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    const selfExited = this.exitInfo !== null;
    const exit = await this.stop();
    return { clean: selfExited && exit.code === 0 && !exit.killed, exit };
  }

  /** Stops the driver's process group: SIGTERM, then SIGKILL after the grace period. Idempotent. */
  async stop(): Promise<ExitInfo> {
    this.group.stdin?.end();
    return this.group.stop(this.options.graceMs);
  }

  /** Says what the driver wrote to stdout instead of contract events, so a garbage-writing driver is named as such. */
  private strayNote(): string {
    if (this.strayStdout.length === 0) return '';
    const first = JSON.stringify(this.strayStdout[0]!.slice(0, 60));
    return `; instead it wrote ${this.strayStdout.length} line(s) to stdout that are not contract events (first: ${first}: ${this.strayReasons[0] ?? ''})`;
  }

  private answerTo(id: string, timeoutMs: number, what: string): Promise<ReceivedEvent> {
    return this.waitFor((e) => (e.event === 'ack' || e.event === 'error' || e.event === 'settled') && e.id === id, timeoutMs, `answer to ${what} ${id}`);
  }

  private onStdout(line: string): void {
    if (line.trim() === '') return;
    const parsed = parseEventLine(line);
    if (!parsed.ok) {
      this.onStray(line, parsed.reason);
      return;
    }
    const event = { ...parsed.event, at: performance.now() } as ReceivedEvent;
    const { at: _at, ...wire } = event;
    if (event.event === 'loaded') {
      // Part of a deferred start, before any case: logged, never a case's event.
      this.record({ dir: 'event', ...wire });
      this.onLoaded?.();
      this.onLoaded = undefined;
      this.hasLoaded = true;
      return;
    }
    if (event.event === 'log') {
      // Waiters still see every log event on arrival; only keeping them is bounded.
      if (this.keptLogEvents < NOISE_CAPS.logEvents) {
        this.keptLogEvents++;
        this.events.push(event);
      } else if (this.droppedLogEvents++ === 0)
        this.capNotes.push(`the driver sent more than ${NOISE_CAPS.logEvents} log events: later ones are not kept (counted at the end)`);
      this.recordNoise({ dir: 'event', ...wire });
    } else {
      this.events.push(event);
      this.record({ dir: 'event', ...wire });
    }
    for (const w of [...this.waiters]) if (w.match(event)) w.resolve(event);
  }

  private onStray(line: string, reason: string): void {
    // Kept for the report, bounded: a driver may write millions of such lines.
    this.strayCount++;
    if (this.strayStdout.length < NOISE_CAPS.strayLines) {
      this.strayStdout.push(line.length > 4096 ? `${line.slice(0, 4096)}…` : line);
      this.strayReasons.push(reason);
    }
    this.recordNoise({ dir: 'stray-stdout', line: line.slice(0, 4096), reason });
    if (reason.startsWith('invalid ready event') && !this.readyEvent && !this.readyProblem) {
      this.readyProblem = reason;
      this.onReadyProblem?.(reason);
    }
  }

  /** Noise goes to the driver's log file up to NOISE_CAPS.logFileBytes; then one record says so and the rest is dropped. */
  private recordNoise(entry: Record<string, unknown>): void {
    if (this.noiseBytes > NOISE_CAPS.logFileBytes) return;
    const line = this.line(entry);
    this.noiseBytes += Buffer.byteLength(line);
    if (this.noiseBytes <= NOISE_CAPS.logFileBytes) {
      this.write(line);
      return;
    }
    const note = `the driver wrote more than ${NOISE_CAPS.logFileBytes / 1024 / 1024} MiB of stderr, stray stdout and log events: the driver log keeps the first ${NOISE_CAPS.logFileBytes / 1024 / 1024} MiB`;
    this.capNotes.push(note);
    this.record({ dir: 'capped', note });
  }

  /** The noise caps hit, with the final counts (for the case transcript). */
  capSummary(): string[] {
    return this.capNotes.map((n) => (n.includes('log events') ? `${n}; ${this.droppedLogEvents} log events dropped` : n));
  }

  private record(entry: Record<string, unknown>): void {
    this.write(this.line(entry));
  }

  private write(line: string): void {
    if (this.log) this.log.write(line);
    else this.unattached?.push(line);
  }

  private line(entry: Record<string, unknown>): string {
    // `ms`: harness time since the driver was started, so that commands, events and stderr line up.
    return `${JSON.stringify({ ms: Math.round((performance.now() - this.startedAt) * 1000) / 1000, ...entry })}\n`;
  }
}

export function describeExit(info: ExitInfo | null): string {
  if (!info) return 'still running';
  if (info.spawnError) return `could not start: ${info.spawnError}`;
  return info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
}

/** The case model's view of a driver, from its ready event. */
export function implementationOf(ready: ReadyEvent, known: readonly Capability[]): Implementation {
  const set = new Set<string>(known);
  return {
    kind: 'sdk',
    name: sdkImplementationName(ready.sdk.name, ready.sdk.language),
    version: ready.sdk.version,
    capabilities: ready.capabilities.filter((c): c is (typeof known)[number] => set.has(c)),
  };
}
