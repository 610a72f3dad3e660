// Source references of engine cases, spelled one way everywhere (cases are written with
// harness/cases/define.ts defineCase).

import type { CaseSource } from '../../../harness/cases/model.ts';

/** engine-protocol.md section or §11.1 rule. */
export const doc = (section: string): CaseSource => ({ document: 'engine-protocol', section });
/** A file of the iii engine (as cited by engine-protocol.md). */
export const src = (section: string): CaseSource => ({ document: 'engine-source', section });
