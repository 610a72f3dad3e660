// Hides a driver's start-up (issue 17): a process and its SDK import cost a Node or Python driver about
// 250–300 ms, the whole of a short case. Drivers that declare `deferredStart` (contract §1) are spawned
// ahead of their case with III_DRIVER_DEFER_START=1: they load their SDK and wait for a `start` command
// with the configuration. A case takes one, sends its configuration and waits for `ready` as after a cold
// start; every case still gets a fresh process, only its start-up moved out of the case's way.
//
// A spare is spawned with the environment a cold start would have (the same extras, OTel off); a launch
// that needs another (OTel on) starts cold. While a timing case holds the spares, none is spawned: a
// loading process beside it would turn its measured intervals into noise; the drivers' `loaded` event says
// when a spare has finished loading.
//
// A driver that also declares `forkStart` loads once: its spares are forks of one loaded process
// (fork-server.ts), so a spare costs milliseconds of CPU instead of an import, which on two cores is what
// side-by-side cases wait for. Should the server fail, spares are spawned as above.

import type { SdkTargetSpec } from '../../cases/catalogue.ts';
import { ForkServer } from './fork-server.ts';
import { describeTarget } from './label.ts';
import { awaitReady, commandLineOf, driverConfigOf, driverEnv, spawnDriver, type LaunchOptions } from './launch.ts';
import { DriverSession, type SessionOptions } from './session.ts';

/** The environment variable that asks a driver for a deferred start. */
export const DEFER_START_ENV = 'III_DRIVER_DEFER_START';

export interface WarmSparesOptions {
  /** How many loaded spares to keep (at least 1). */
  count: number;
  /** Added to each spare's environment: the launch spec's extras, the same a cold start gets. */
  env?: Record<string, string>;
  /** SIGTERM → SIGKILL grace of each driver. */
  graceMs?: number;
  /** The driver declared forkStart: spares are forked from one loaded server. */
  fork?: boolean;
}

export class WarmSpares {
  /** Spares spawned or being forked, oldest first; undefined once a fork failed (it is then replaced). */
  private readonly spares: Promise<DriverSession | undefined>[] = [];
  private forkServer: ForkServer | undefined;
  private forking: boolean;
  private holds = 0;
  private closed = false;
  /** Drivers taken from the spares (for the catalogue-time benchmark and the tests). */
  taken = 0;
  /** Why spares were switched off for this target, or are spawned although the driver can fork, when so. */
  offReason: string | undefined;

  constructor(
    private readonly spec: SdkTargetSpec,
    private readonly options: WarmSparesOptions,
  ) {
    this.forking = options.fork === true;
  }

  /**
   * Starts a driver from a spare with `options`' configuration and waits for its `ready`; undefined when no
   * spare fits (none alive, or a launch that needs another environment), so the caller starts one cold.
   */
  async launch(options: LaunchOptions): Promise<DriverSession | undefined> {
    if (this.closed || options.worker?.otel === true || !sameEnv(options.env, this.options.env)) return undefined;
    const spare = await this.takeLive();
    this.fill();
    if (!spare) return undefined;
    this.taken++;
    if (options.logFile) spare.attachLog(options.logFile);
    spare.begin(driverConfigOf(options));
    try {
      return await awaitReady(spare, options);
    } catch (e) {
      // A spare that died before its start (its fork server went down) is the spare's failure, not the case's:
      // the caller starts the case's driver cold, and that one's failure, if any, is the case's.
      if (spare.exit) return undefined;
      throw e;
    }
  }

  /**
   * For a timing case: no spare is spawned until the returned release is called, and it resolves once every
   * spare already spawned has loaded (or `quietWithinMs` passed), so that nothing loads beside the case.
   */
  async hold(quietWithinMs = 20_000): Promise<() => void> {
    this.holds++;
    let timer: NodeJS.Timeout | undefined;
    const quiet = await Promise.race([
      Promise.all(this.spares.map((s) => s.then((spare) => spare?.loaded()))).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), quietWithinMs))),
    ]);
    clearTimeout(timer);
    // A driver that declares deferredStart but never says `loaded` gets no more spares: every later case
    // starts cold, as without the feature, instead of waiting here each time.
    if (!quiet) {
      this.offReason = `a spare did not say loaded within ${quietWithinMs} ms: spares are off for this target`;
      await this.close();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.fill();
    };
  }

  /** Spawns (or forks) spares up to the count, unless held or closed. */
  fill(): void {
    while (!this.closed && this.holds === 0 && this.spares.length < this.options.count) {
      const spare = this.newSpare();
      this.spares.push(spare);
      // A spare that dies while waiting, or whose fork failed, is dropped, and replaced at the next launch or fill.
      const drop = (): void => {
        const i = this.spares.indexOf(spare);
        if (i >= 0) this.spares.splice(i, 1);
      };
      void spare.then((session) => (session ? session.exited.then(drop) : drop()));
    }
  }

  /** Stops every spare not taken, and the fork server. */
  async close(): Promise<void> {
    this.closed = true;
    const left = this.spares.splice(0);
    await Promise.all(left.map((s) => s.then((spare) => spare?.stop()).catch(() => undefined)));
    await this.forkServer?.close();
  }

  private newSpare(): Promise<DriverSession | undefined> {
    if (this.forking) {
      this.forkServer ??= new ForkServer(describeTarget(this.spec), commandLineOf(this.spec), this.spareEnv());
      const server = this.forkServer;
      if (server.gone) return Promise.resolve(this.afterFailedFork(server));
      return server.fork().then((group) => (group ? new DriverSession(describeTarget(this.spec), group, this.sessionOptions()) : this.afterFailedFork(server)));
    }
    return Promise.resolve(this.spawnSpare());
  }

  /** The fork server failed: this spare and every later one is spawned, as without one, and the reason kept. */
  private afterFailedFork(server: ForkServer): DriverSession | undefined {
    this.forking = false;
    this.offReason = `spares are spawned, not forked: ${server.gone ?? 'a fork failed'}`;
    return this.closed ? undefined : this.spawnSpare();
  }

  private spawnSpare(): DriverSession {
    return spawnDriver(this.spec, this.spareEnv(), this.sessionOptions());
  }

  private spareEnv(): NodeJS.ProcessEnv {
    return { ...driverEnv({ otel: false }, this.options.env), [DEFER_START_ENV]: '1' };
  }

  private sessionOptions(): SessionOptions {
    return { logLater: true, ...(this.options.graceMs ? { graceMs: this.options.graceMs } : {}) };
  }

  private async takeLive(): Promise<DriverSession | undefined> {
    while (this.spares.length > 0) {
      const s = await this.spares.shift()!;
      if (s && !s.exit) return s;
    }
    return undefined;
  }
}

function sameEnv(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {}).sort();
  const y = Object.entries(b ?? {}).sort();
  return x.length === y.length && x.every(([k, v], i) => y[i]![0] === k && y[i]![1] === v);
}
