// `report` over the results.json of `--shard i/n` runs: the shards of one implementation make ONE column
// (and one JUnit suite), not one each. Runs are the same implementation when side, implementation name and
// version (or, unopened, the target) and shard count agree. A shard given twice is shown once and named; a
// shard that is absent, shards of different --case/--slow selections and a shard beyond its count are
// named, so a merged matrix never looks complete when it is not.

import { implementationLabel } from './implementation-label.ts';
import type { ResultsDocument } from './results.ts';

export interface ShardSet {
  count: number;
  /** Shard indexes present, ascending. */
  present: number[];
}

export interface ColumnPlan {
  /** The column (and JUnit suite) of run `ri` of document `di`. */
  keyOf(di: number, ri: number): string;
  /** A shard already given by an earlier file: left out. */
  isDuplicate(di: number, ri: number): boolean;
  /** The shards a merged column holds; undefined for a run that was not sharded. */
  shardsOf(key: string): ShardSet | undefined;
  /** Missing, repeated, mixed and impossible shards, one line each (they name the implementation: print them inert). */
  problems: string[];
  /**
   * A merged column does not cover its selection: a shard is absent, shards of different selections were
   * merged, or a file claims a shard beyond its count. A repeated shard alone does not count: the copy is
   * left out and nothing is missing.
   */
  incomplete: boolean;
}

export function planColumns(docs: readonly Pick<ResultsDocument, 'options' | 'runs'>[]): ColumnPlan {
  const keys = new Map<string, string>();
  const duplicates = new Set<string>();
  const groupKeys = new Map<string, string>();
  const groups = new Map<string, { label: string; side: string; count: number; files: Map<number, number>; selection: string; mixed: boolean }>();
  const problems: string[] = [];
  let incomplete = false;
  for (const [di, doc] of docs.entries()) {
    let shard = doc.options.shard;
    // The schema cannot say index <= count; a file that breaks it (edited, or crafted) stands alone.
    if (shard && shard.index > shard.count) {
      problems.push(`results file ${di + 1} claims shard ${shard.index}/${shard.count}, which is no shard of ${shard.count}: shown as a column of its own`);
      incomplete = true;
      shard = undefined;
    }
    for (const [ri, run] of doc.runs.entries()) {
      const at = `${di}-${ri}`;
      if (!shard) {
        keys.set(at, at);
        continue;
      }
      const label = implementationLabel(run);
      const identity = JSON.stringify([run.side, label, shard.count]);
      // A short key of plain characters: it is part of the page's `#case=<column>:<case id>` links.
      const key = groupKeys.get(identity) ?? `shards-${groupKeys.size}`;
      groupKeys.set(identity, key);
      keys.set(at, key);
      // Shards split one selection only when every runner selected alike (--case, --slow).
      const selection = JSON.stringify([doc.options.cases, doc.options.slow]);
      const group = groups.get(key) ?? { label, side: run.side, count: shard.count, files: new Map<number, number>(), selection, mixed: false };
      groups.set(key, group);
      if (selection !== group.selection && !group.mixed) {
        group.mixed = true;
        incomplete = true;
        problems.push(
          `the shards of ${run.side} ${label} were run with different --case/--slow selections (results file ${di + 1} differs): together they need not cover one selection`,
        );
      }
      const first = group.files.get(shard.index);
      if (first !== undefined) {
        duplicates.add(at);
        problems.push(
          `shard ${shard.index}/${shard.count} of ${run.side} ${label} is in results files ${first + 1} and ${di + 1}: file ${di + 1}'s is left out`,
        );
      } else group.files.set(shard.index, di);
    }
  }
  for (const group of groups.values()) {
    const missing: number[] = [];
    for (let i = 1; i <= group.count; i++) if (!group.files.has(i)) missing.push(i);
    if (missing.length > 0) incomplete = true;
    if (missing.length > 0)
      problems.push(
        `${group.side} ${group.label}: no results for shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${group.count}`).join(', ')}: the column holds ${group.files.size} of ${group.count} shards (pass every shard's results.json)`,
      );
  }
  return {
    keyOf: (di, ri) => keys.get(`${di}-${ri}`) ?? `${di}-${ri}`,
    isDuplicate: (di, ri) => duplicates.has(`${di}-${ri}`),
    shardsOf: (key) => {
      const group = groups.get(key);
      return group ? { count: group.count, present: [...group.files.keys()].sort((a, b) => a - b) } : undefined;
    },
    problems,
    incomplete,
  };
}
