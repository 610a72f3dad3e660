// `list`: the catalogues as a table (or JSON), so users can find ids for --case and baselines.

import type { CaseDefinition } from '../cases/model.ts';
import type { OutputStream } from '../runner/progress.ts';
import { selectCases } from '../runner/select.ts';

export interface ListedCase {
  id: string;
  side: 'sdk' | 'engine';
  title: string;
  level: string;
  lane: 'fast' | 'slow';
  requires: string[];
  timeoutMs: number;
  sources: { document: string; section: string }[];
  disagreement?: string;
}

export function listedCases(side: 'sdk' | 'engine', cases: readonly CaseDefinition<unknown>[], patterns: readonly string[]): ListedCase[] {
  // Listing shows both lanes: the lane is a column, not a filter.
  return selectCases(cases, patterns, true).selected.map((c) => ({
    id: c.id,
    side,
    title: c.title,
    level: c.level,
    lane: c.lane,
    requires: [...c.requires],
    timeoutMs: c.timeoutMs,
    sources: c.sources.map((s) => ({ document: s.document, section: s.section })),
    ...(c.disagreement ? { disagreement: c.disagreement } : {}),
  }));
}

export function printCaseTable(out: OutputStream, sides: { side: 'sdk' | 'engine'; cases: ListedCase[]; total: number }[]): void {
  for (const { side, cases, total } of sides) {
    out.write(`${side} catalogue: ${cases.length}${cases.length === total ? '' : ` of ${total}`} case${total === 1 ? '' : 's'}\n`);
    if (total === 0) out.write('  (no case yet)\n');
    const idWidth = Math.min(60, Math.max(4, ...cases.map((c) => c.id.length)));
    for (const c of cases) {
      const lane = c.lane === 'slow' ? ' slow' : '';
      const needs = c.requires.length ? ` needs ${c.requires.join(',')}` : '';
      out.write(`  ${c.level.padEnd(6)} ${c.id.padEnd(idWidth)}  ${c.title}${lane}${needs}\n`);
      out.write(`  ${''.padEnd(6)} ${''.padEnd(idWidth)}  ↳ ${c.sources.map((s) => `${s.document} ${s.section}`).join('; ')}\n`);
    }
  }
}
