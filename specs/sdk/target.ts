// Opening an SDK target: turn the target spec into a launch spec, start the driver once against a
// throw-away fake engine to read what it declares (SDK name and version, capabilities, facts), and hand
// back the per-case context factory. Also the test-only door for the Node SDK mutants.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenOptions, OpenedTarget, SdkTargetSpec } from '../../harness/cases/catalogue.ts';
import { CAPABILITIES } from '../../harness/cases/model.ts';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { implementationOf } from '../../harness/targets/sdk/session.ts';
import { commandLineOf } from '../../harness/targets/sdk/launch.ts';
import { bundleFolder, bundleNodeSdk, NODE_SDK_BUNDLE_ENV } from '../../harness/targets/sdk/node-bundle.ts';
import { materializeNodeVariant } from '../../fixtures/mutants/sdk/node/materialize.ts';
import { sdkContextFactory, sdkTiming, FAST_WORKER_DEFAULTS, type SdkCaseContext, type SdkTargetInfo } from './context.ts';
import {
  launchCaseDriver,
  nodeOverrideLaunchSpec,
  targetLaunchSpec,
  warmSparesFor,
  NODE_SDK_OVERRIDE_ENV,
  NODE_SDK_PACKAGE_DIR,
  type DriverLaunchSpec,
} from './support/launch.ts';

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

/** What a Node driver target loads its SDK from: a bundle made for this run, or the package as installed. */
interface SdkLoad {
  launch: DriverLaunchSpec;
  /** Said in every case's transcript. */
  note: string | undefined;
  close(): Promise<void>;
}

/**
 * Bundles the SDK of a bundled Node driver (harness/targets/sdk/node-bundle.ts) into a folder of its own
 * for this run; any other target, `sdkBundle: false`, or a tree esbuild cannot bundle runs as installed.
 */
async function nodeSdkLoad(launch: DriverLaunchSpec, options: OpenOptions): Promise<SdkLoad> {
  const asInstalled = (note?: string): SdkLoad => ({ launch, note, close: async () => undefined });
  if (launch.target.kind !== 'builtin' || launch.target.sdk !== 'node') return asInstalled();
  if (options.sdkBundle === false) return asInstalled('the Node SDK is imported as installed (--no-sdk-bundle)');
  const driverDir = commandLineOf(launch.target).cwd;
  const { dir, remove: close } = await bundleFolder();
  const outcome = await bundleNodeSdk(launch.env?.[NODE_SDK_OVERRIDE_ENV] ?? 'iii-sdk', driverDir, dir);
  if ('reason' in outcome) {
    await close();
    return asInstalled(`the Node SDK is imported as installed: it could not be bundled (${outcome.reason})`);
  }
  const { bundle } = outcome;
  return {
    launch: { ...launch, env: { ...launch.env, [NODE_SDK_BUNDLE_ENV]: bundle.file } },
    note: `the Node SDK is loaded from one esbuild bundle of its ${bundle.modules} modules (${bundle.entry}); --no-sdk-bundle imports it as installed`,
    close,
  };
}

export async function openSdkTarget(given: DriverLaunchSpec, options: OpenOptions): Promise<OpenedTarget<SdkCaseContext> & { info: SdkTargetInfo }> {
  let sdkLoad = await nodeSdkLoad(given, options);
  let info: SdkTargetInfo;
  try {
    info = await probeTarget(sdkLoad.launch, options);
  } catch (e) {
    await sdkLoad.close();
    if (sdkLoad.launch === given) throw e;
    // The bundle is ours, not the SDK's: a driver that cannot start from it starts from the package, and
    // a failure then is the SDK's.
    sdkLoad = {
      launch: given,
      note: `the Node SDK is imported as installed: the driver did not start from its bundle (${(e as Error).message})`,
      close: async () => undefined,
    };
    info = await probeTarget(given, options);
  }
  const launch = sdkLoad.launch;
  // One loaded spare per case that may run at once, so that side-by-side cases do not start cold.
  const spares =
    info.deferredStart && options.coldStart !== true
      ? warmSparesFor(launch, Math.min(Math.max(1, options.jobs ?? 1), MAX_SPARES), info.forkStart && options.forkStart !== false)
      : undefined;
  spares?.fill();
  return {
    info,
    implementation: info.implementation,
    contextFactory: sdkContextFactory(info, { ...(spares ? { spares } : {}), ...(sdkLoad.note ? { sdkLoadNote: sdkLoad.note } : {}) }),
    close: async () => {
      await spares?.close();
      await sdkLoad.close();
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
