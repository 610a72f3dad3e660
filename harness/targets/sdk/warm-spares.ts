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

import type { SdkTargetSpec } from '../../cases/catalogue.ts';
import { awaitReady, driverConfigOf, driverEnv, spawnDriver, type LaunchOptions } from './launch.ts';
import type { DriverSession } from './session.ts';

/** The environment variable that asks a driver for a deferred start. */
export const DEFER_START_ENV = 'III_DRIVER_DEFER_START';

export interface WarmSparesOptions {
  /** How many loaded spares to keep (at least 1). */
  count: number;
  /** Added to each spare's environment: the launch spec's extras, the same a cold start gets. */
  env?: Record<string, string>;
  /** SIGTERM → SIGKILL grace of each driver. */
  graceMs?: number;
}

export class WarmSpares {
  private readonly spares: DriverSession[] = [];
  private holds = 0;
  private closed = false;
  /** Drivers taken from the spares (for the catalogue-time benchmark and the tests). */
  taken = 0;
  /** Why spares were switched off for this target, when they were. */
  offReason: string | undefined;

  constructor(
    private readonly spec: SdkTargetSpec,
    private readonly options: WarmSparesOptions,
  ) {}

  /**
   * Starts a driver from a spare with `options`' configuration and waits for its `ready`; undefined when no
   * spare fits (none alive, or a launch that needs another environment), so the caller starts one cold.
   */
  async launch(options: LaunchOptions): Promise<DriverSession | undefined> {
    if (this.closed || options.worker?.otel === true || !sameEnv(options.env, this.options.env)) return undefined;
    const spare = this.takeLive();
    this.fill();
    if (!spare) return undefined;
    this.taken++;
    if (options.logFile) spare.attachLog(options.logFile);
    spare.begin(driverConfigOf(options));
    return awaitReady(spare, options);
  }

  /**
   * For a timing case: no spare is spawned until the returned release is called, and it resolves once every
   * spare already spawned has loaded (or `quietWithinMs` passed), so that nothing loads beside the case.
   */
  async hold(quietWithinMs = 20_000): Promise<() => void> {
    this.holds++;
    let timer: NodeJS.Timeout | undefined;
    const quiet = await Promise.race([
      Promise.all(this.spares.map((s) => s.loaded())).then(() => true),
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

  /** Spawns spares up to the count, unless held or closed. */
  fill(): void {
    while (!this.closed && this.holds === 0 && this.spares.length < this.options.count) {
      const env = { ...driverEnv({ otel: false }, this.options.env), [DEFER_START_ENV]: '1' };
      const spare = spawnDriver(this.spec, env, { logLater: true, ...(this.options.graceMs ? { graceMs: this.options.graceMs } : {}) });
      this.spares.push(spare);
      // A spare that dies while waiting is dropped, and replaced at the next launch or fill.
      void spare.exited.then(() => {
        const i = this.spares.indexOf(spare);
        if (i >= 0) this.spares.splice(i, 1);
      });
    }
  }

  /** Stops every spare not taken. */
  async close(): Promise<void> {
    this.closed = true;
    const left = this.spares.splice(0);
    await Promise.all(left.map((s) => s.stop().catch(() => undefined)));
  }

  private takeLive(): DriverSession | undefined {
    while (this.spares.length > 0) {
      const s = this.spares.shift()!;
      if (!s.exit) return s;
    }
    return undefined;
  }
}

function sameEnv(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {}).sort();
  const y = Object.entries(b ?? {}).sort();
  return x.length === y.length && x.every(([k, v], i) => y[i]![0] === k && y[i]![1] === v);
}
