// Source references of SDK cases, spelled one way everywhere (cases are written with
// harness/cases/define.ts defineCase), and the type of an SDK catalogue entry.

import type { CaseDefinition, CaseSource } from '../../../harness/cases/model.ts';
import type { SdkCaseContext } from '../context.ts';

export type SdkCase = CaseDefinition<SdkCaseContext>;

/** Source references, spelled one way everywhere. */
export const src = {
  seed: (section: string): CaseSource => ({ document: 'seed', section }),
  /** engine-protocol.md §11.2 (worker SDK checks), by rule number. */
  rule: (...n: number[]): CaseSource => ({ document: 'engine-protocol', section: `§11.2 ${n.map((x) => `#${x}`).join(', ')}` }),
  protocol: (section: string): CaseSource => ({ document: 'engine-protocol', section }),
  behaviour: (section: string): CaseSource => ({ document: 'sdk-behaviour', section }),
  capture: (file: string): CaseSource => ({ document: 'captures', section: file }),
};
