// The display names of an implementation a target claims to be ("iii-sdk (node) 0.22.1"): progress
// lines, the summary, baseline comments, report columns. A target's label (what the user named, see
// sdk/label.ts) is a different thing: it exists before the implementation has said who it is.

import type { Implementation } from '../cases/model.ts';

/**
 * The name an SDK driver is known by: its package and language, "iii-sdk (node)". Built from the driver's
 * ready event, and from the pinned versions when checking that a bundled driver is the one it claims to be.
 */
export function sdkImplementationName(sdkPackage: string, language: string): string {
  return `${sdkPackage} (${language})`;
}

export function implementationName(implementation: Pick<Implementation, 'name' | 'version'>): string {
  return `${implementation.name} ${implementation.version}`;
}
