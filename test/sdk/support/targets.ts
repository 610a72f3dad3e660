// Shared by the SDK catalogue tests: which bundled drivers can run here, opening a target once per file,
// and the variants of the Node SDK (real, corrected, mutated) the mutant table names.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenedTarget } from '../../../harness/cases/catalogue.ts';
import { readDriverStatus, readPinnedVersions, assertBuiltinAvailable, type BuiltinSdk } from '../../../harness/targets/sdk/drivers.ts';
import { toleranceFromEnv, type ToleranceModel } from '../../../harness/timing/tolerance.ts';
import { launchSpecOf, openNodeMutantTarget, openSdkTarget, type SdkCaseContext } from '../../../specs/sdk/index.ts';

export const tolerance: ToleranceModel = toleranceFromEnv();

/** The slow lane (default timings, idle timeouts) runs when III_CONFORMANCE_SLOW=1. */
export const SLOW_LANE = process.env.III_CONFORMANCE_SLOW === '1';

export function freshArtifactsRoot(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `iii-${prefix}-`));
}

/** Why a bundled driver cannot run here, or undefined when it can. */
export function unavailableReason(sdk: BuiltinSdk): string | undefined {
  try {
    const status = readDriverStatus()[sdk];
    if (status && !status.available) return status.reason ?? 'the set-up could not prepare it';
    assertBuiltinAvailable(sdk);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Why this test file skips the driver, or undefined when it must run. Unavailable drivers skip outside CI;
 * in CI only an SDK that versions.json documents as unpinnable (no release on its registry) may skip.
 */
export function skipReason(sdk: BuiltinSdk): string | undefined {
  const reason = unavailableReason(sdk);
  if (reason === undefined) return undefined;
  const pin = readPinnedVersions()[sdk];
  if (!process.env.CI || (pin.version === null && pin.unpinnedReason)) return reason;
  return undefined;
}

export async function openBuiltin(sdk: BuiltinSdk, artifactsRoot: string): Promise<OpenedTarget<SdkCaseContext>> {
  return openSdkTarget(launchSpecOf({ kind: 'builtin', sdk }), { tolerance, artifactsRoot });
}

/** Opens each Node variant once (a variant is a list of patch ids; [] is the real SDK). */
export class NodeVariants {
  private readonly opened = new Map<string, Promise<OpenedTarget<SdkCaseContext>>>();
  constructor(private readonly artifactsRoot: string) {}

  get(patches: readonly string[]): Promise<OpenedTarget<SdkCaseContext>> {
    const key = patches.join('+');
    let p = this.opened.get(key);
    if (!p) {
      p = patches.length === 0 ? openBuiltin('node', this.artifactsRoot) : openNodeMutantTarget(patches, { tolerance, artifactsRoot: this.artifactsRoot });
      this.opened.set(key, p);
    }
    return p;
  }

  async closeAll(): Promise<void> {
    for (const p of this.opened.values()) await (await p.catch(() => undefined))?.close();
  }
}
