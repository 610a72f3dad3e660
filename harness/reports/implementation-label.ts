// The one name of an implementation run in reports: the matrix column, the JUnit suite, the shard groups.

import { implementationName } from '../targets/implementation-name.ts';
import type { RunRecord } from './results.ts';

export function implementationLabel(run: Pick<RunRecord, 'implementation' | 'target' | 'side'>): string {
  return run.implementation ? implementationName(run.implementation) : `${run.side} ${run.target} (not opened)`;
}
