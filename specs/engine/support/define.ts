// Shorthand for engine cases: fast lane and no capability gate unless said, and a body that returns
// its PASS summary or throws CaseFailure.

import type { CaseDefinition, CaseSource, Capability, Level } from '../../../harness/cases/model.ts';
import type { EngineCaseContext } from '../context.ts';
import { verdict, type PassResult } from './failure.ts';

export interface EngineCaseSpec {
  id: string;
  title: string;
  level: Level;
  sources: CaseSource[];
  requires?: Capability[];
  lane?: 'fast' | 'slow';
  timeoutMs: number;
  disagreement?: string;
  body(ctx: EngineCaseContext): Promise<PassResult>;
}

export function engineCase(spec: EngineCaseSpec): CaseDefinition<EngineCaseContext> {
  const { body, requires, lane, ...rest } = spec;
  return { ...rest, requires: requires ?? [], lane: lane ?? 'fast', run: (ctx) => verdict(() => body(ctx)) };
}

/** engine-protocol.md section or §11.1 rule. */
export const doc = (section: string): CaseSource => ({ document: 'engine-protocol', section });
/** A file of the iii engine (as cited by engine-protocol.md). */
export const src = (section: string): CaseSource => ({ document: 'engine-source', section });
