// Which default baseline file a run uses. A driver's `ready` identity is its own claim: a `cmd:` driver
// saying it is "iii-sdk (node) 0.22.1" must not pick up, nor with --update-baseline overwrite, the bundled
// Node SDK's baseline. So the key comes from the target the user named: a bundled SDK is keyed by its
// package and the version set-up installed, and used only when the driver's claim agrees (else the run
// names the mismatch and uses none); a `cmd:` target is keyed under `cmd-…`, apart from them.

import type { SdkTargetSpec } from '../cases/catalogue.ts';
import type { Implementation } from '../cases/model.ts';
import { readDriverStatus, readPinnedVersions } from '../targets/sdk/drivers.ts';
import { implementationName, sdkImplementationName } from '../targets/implementation-name.ts';

export interface BaselineKey {
  /** Name and version the default baseline file is named after; absent: no default baseline applies. */
  key?: { name: string; version: string };
  /** The driver claimed an identity other than the target the user named. */
  mismatch?: string;
}

type Identity = Pick<Implementation, 'name' | 'version'>;

/** The identity a bundled driver must report: `<package> (<sdk>)` at the version set-up installed. */
export function expectedBuiltinIdentity(sdk: Extract<SdkTargetSpec, { kind: 'builtin' }>['sdk']): { name: string; version: string | null } {
  const pin = readPinnedVersions()[sdk];
  return { name: sdkImplementationName(pin.package, sdk), version: readDriverStatus()[sdk]?.sdkVersion ?? pin.version };
}

export function sdkBaselineKey(spec: SdkTargetSpec, claimed: Identity): BaselineKey {
  if (spec.kind === 'cmd') return { key: { name: `cmd ${claimed.name}`, version: claimed.version } };
  const expected = expectedBuiltinIdentity(spec.sdk);
  // Built by the harness from a tree or a published version the user named: the build reads the version
  // (from the tree or the registry), so the driver's report of it is the build's, not a free claim.
  const version = spec.source ? claimed.version : (expected.version ?? claimed.version);
  if (expected.name === claimed.name && version === claimed.version) return { key: { name: expected.name, version } };
  return {
    mismatch: `the ${spec.sdk} target reported itself as ${implementationName(claimed)}, not ${implementationName({ name: expected.name, version })}: no default baseline is used or written for it`,
  };
}
