// An opened SDK target for a catalogue run: probed once for its identity and capabilities, then able to
// launch one driver per case. Every driver it launched is stopped by closeAll(), whatever the cases did.

import type { SdkTargetSpec } from '../../cases/catalogue.ts';
import type { Implementation } from '../../cases/model.ts';
import type { ReadyEvent } from './contract.ts';
import { BUILTIN_SDKS, readDriverStatus, readPinnedVersions } from './drivers.ts';
import { describeTarget, launchDriver, probeDriver, type LaunchOptions } from './launch.ts';
import type { DriverSession } from './session.ts';

export interface SdkTarget {
  spec: SdkTargetSpec;
  label: string;
  /** From the probe's ready event. */
  ready: ReadyEvent;
  implementation: Implementation;
  /** Starts a driver for one case; it is also stopped by closeAll(). */
  launch(options: LaunchOptions): Promise<DriverSession>;
  /** Stops every driver this target launched. Idempotent. */
  closeAll(): Promise<void>;
}

export async function openSdkTarget(spec: SdkTargetSpec, options: { logDir?: string; startTimeoutMs?: number } = {}): Promise<SdkTarget> {
  const { ready, implementation } = await probeDriver(spec, options);
  const sessions = new Set<DriverSession>();
  return {
    spec,
    label: describeTarget(spec),
    ready,
    implementation,
    async launch(launchOptions) {
      const session = await launchDriver(spec, { startTimeoutMs: options.startTimeoutMs, ...launchOptions });
      sessions.add(session);
      return session;
    },
    async closeAll() {
      await Promise.all([...sessions].map((s) => s.stop()));
      sessions.clear();
    },
  };
}

/** One line per bundled SDK for reports: what is pinned, and what the set-up made of it here. */
export interface DriverInventoryEntry {
  sdk: string;
  package: string;
  pinnedVersion: string | null;
  available: boolean;
  /** The version the built driver runs (may name a local checkout for Go). */
  runningVersion?: string;
  reason?: string;
}

export function driverInventory(): DriverInventoryEntry[] {
  const pins = readPinnedVersions();
  const status = readDriverStatus();
  return BUILTIN_SDKS.map((sdk) => {
    const s = status[sdk];
    return {
      sdk,
      package: pins[sdk].package,
      pinnedVersion: pins[sdk].version,
      available: s?.available ?? false,
      ...(s?.sdkVersion ? { runningVersion: s.sdkVersion } : {}),
      ...(s && !s.available ? { reason: s.reason } : s ? {} : { reason: 'not set up; run npm run setup' }),
    };
  });
}
