// The one display name of an implementation a target claims to be ("iii-sdk (node) 0.22.1"): progress
// lines, the summary, baseline comments, report columns. A target's label (what the user named, see
// sdk/label.ts) is a different thing: it exists before the implementation has said who it is.

import type { Implementation } from '../cases/model.ts';

export function implementationName(implementation: Pick<Implementation, 'name' | 'version'>): string {
  return `${implementation.name} ${implementation.version}`;
}
