// Opening an SDK target: turn the target spec into a launch spec, start the driver once against a
// throw-away fake engine to read what it declares (SDK name and version, capabilities, facts), and hand
// back the per-case context factory. Also the test-only door for the Node SDK mutants.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenOptions, OpenedTarget, SdkTargetSpec } from '../../harness/cases/catalogue.ts';
import { CAPABILITIES } from '../../harness/cases/model.ts';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { implementationOf } from '../../harness/targets/sdk/session.ts';
import { materializeNodeVariant } from '../../fixtures/mutants/sdk/node/materialize.ts';
import { sdkContextFactory, sdkTiming, FAST_WORKER_DEFAULTS, type SdkCaseContext, type SdkTargetInfo } from './context.ts';
import { launchCaseDriver, nodeOverrideLaunchSpec, targetLaunchSpec, warmSparesFor, NODE_SDK_PACKAGE_DIR, type DriverLaunchSpec } from './support/launch.ts';

/** Spares beyond this cost memory and cores without hiding more start-up. */
const MAX_SPARES = 4;

export function launchSpecOf(target: SdkTargetSpec): DriverLaunchSpec {
  return targetLaunchSpec(target);
}

/** Starts the driver once to learn what it is; the engine and driver are stopped before returning. */
export async function probeTarget(launch: DriverLaunchSpec, options: OpenOptions): Promise<SdkTargetInfo> {
  const engine = await FakeEngine.start();
  const logDir = join(options.artifactsRoot, 'target');
  await mkdir(logDir, { recursive: true });
  try {
    const timing = sdkTiming(options.tolerance, {});
    const session = await launchCaseDriver(launch, {
      url: engine.url,
      worker: { ...FAST_WORKER_DEFAULTS, workerName: 'iii-conformance-probe' },
      logFile: join(logDir, `probe-${launch.label.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60)}.jsonl`),
      readyTimeoutMs: timing.readyMs,
    });
    try {
      const ready = session.ready;
      return {
        launch,
        implementation: implementationOf(ready, CAPABILITIES),
        facts: ready.facts ?? {},
        ignoredOptions: ready.ignoredOptions ?? [],
        deferredStart: ready.deferredStart === true,
        forkStart: ready.deferredStart === true && ready.forkStart === true,
      };
    } finally {
      await session.stop();
    }
  } finally {
    await engine.close();
  }
}

export async function openSdkTarget(launch: DriverLaunchSpec, options: OpenOptions): Promise<OpenedTarget<SdkCaseContext> & { info: SdkTargetInfo }> {
  const info = await probeTarget(launch, options);
  // One loaded spare per case that may run at once, so that side-by-side cases do not start cold.
  const spares =
    info.deferredStart && options.coldStart !== true
      ? warmSparesFor(launch, Math.min(Math.max(1, options.jobs ?? 1), MAX_SPARES), info.forkStart && options.forkStart !== false)
      : undefined;
  spares?.fill();
  return {
    info,
    implementation: info.implementation,
    contextFactory: sdkContextFactory(info, spares ? { spares } : {}),
    close: async () => {
      await spares?.close();
    },
    isolatedCases: true,
  };
}

/**
 * The real iii-sdk for Node with patches from fixtures/mutants/sdk/node/patches.ts applied in order (a
 * seeded bug, a documented "fixed-*" correction, or a correction with a bug on top), run through the
 * bundled Node driver. An empty list runs the unpatched SDK through the same override path.
 */
export async function openNodeMutantTarget(
  patchIds: string | readonly string[],
  options: OpenOptions,
): Promise<OpenedTarget<SdkCaseContext> & { info: SdkTargetInfo }> {
  const ids = typeof patchIds === 'string' ? [patchIds] : patchIds;
  const dir = await materializeNodeVariant(NODE_SDK_PACKAGE_DIR, ids);
  const label = ids.length === 0 ? 'node (unpatched)' : `node mutant ${ids.join('+')}`;
  const opened = await openSdkTarget(nodeOverrideLaunchSpec(join(dir, 'dist', 'index.mjs'), label), options);
  const implementation = { ...opened.implementation, name: ids.length === 0 ? opened.implementation.name : `${opened.implementation.name} [${ids.join('+')}]` };
  return { ...opened, implementation, info: { ...opened.info, implementation } };
}
