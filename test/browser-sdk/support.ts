// Shared by the browser SDK tests: whether the browser target can run here, and the door to its mutants
// (patched copies of the bundle the set-up built from III_BROWSER_SDK_DIR, made in a folder the test owns).

import { join } from 'node:path';
import type { OpenOptions, OpenedTarget } from '../../harness/cases/catalogue.ts';
import { readDriverStatus } from '../../harness/targets/sdk/drivers.ts';
import { materializeBrowserMutant } from '../../fixtures/mutants/sdk/browser/materialize.ts';
import { openSdkTarget, type SdkCaseContext } from '../../specs/sdk/index.ts';
import { skipReason } from '../sdk/support/targets.ts';

/** Why the browser tests skip here (no tree was given, or no Chromium), or undefined when they run. */
export const browserSkip: string | undefined = skipReason('browser');

/** The browser driver running the built bundle with one mutant's substitutions. */
export async function openBrowserMutantTarget(mutantId: string, options: OpenOptions): Promise<OpenedTarget<SdkCaseContext>> {
  const tree = readDriverStatus().browser?.localSdkDir;
  if (!tree) throw new Error('the browser driver is not set up (III_BROWSER_SDK_DIR)');
  const dist = await materializeBrowserMutant(tree, mutantId, join(options.artifactsRoot, 'browser-mutants'));
  const opened = await openSdkTarget(
    { label: `browser mutant ${mutantId}`, target: { kind: 'builtin', sdk: 'browser' }, env: { III_CONFORMANCE_BROWSER_SDK: dist } },
    options,
  );
  return { ...opened, implementation: { ...opened.implementation, name: `${opened.implementation.name} [${mutantId}]` } };
}
