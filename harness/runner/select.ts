// Which cases a run executes: `--case` patterns (exact id, dotted group prefix, or glob), the slow lane, and
// `--shard i/n` (one runner's part of the selection).

import { createHash } from 'node:crypto';

export interface SelectableCase {
  id: string;
  lane: 'fast' | 'slow';
}

export interface Selection<C extends SelectableCase> {
  selected: C[];
  /** Slow-lane cases left out because `--slow` was not given. */
  skippedSlow: C[];
}

/**
 * A pattern is one of:
 * - an exact id: `sdk.reconnect.replays-functions`;
 * - a group: `sdk.reconnect` selects every id that starts with `sdk.reconnect.`;
 * - a glob: `*` matches within one dotted segment, `**` across segments, `?` one character.
 */
export function patternMatcher(pattern: string): (id: string) => boolean {
  if (!/[*?]/.test(pattern)) return (id) => id === pattern || id.startsWith(`${pattern}.`);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') source += '[^.]*';
    else if (ch === '?') source += '[^.]';
    else source += ch.replace(/[\\^$.|+(){}[\]]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`);
  return (id) => re.test(id);
}

export function isExactId(pattern: string): boolean {
  return !/[*?]/.test(pattern);
}

/**
 * With no patterns every fast case is selected (and slow ones with `slow`). A slow case named by its exact
 * id runs even without `slow`: the user asked for it by name.
 */
export function selectCases<C extends SelectableCase>(cases: readonly C[], patterns: readonly string[], slow: boolean): Selection<C> {
  const matchers = patterns.map((p) => ({ exact: p, match: patternMatcher(p) }));
  const selected: C[] = [];
  const skippedSlow: C[] = [];
  for (const c of cases) {
    const chosen = matchers.length === 0 || matchers.some((m) => m.match(c.id));
    if (!chosen) continue;
    const byExactId = matchers.some((m) => m.exact === c.id);
    if (c.lane === 'slow' && !slow && !byExactId) skippedSlow.push(c);
    else selected.push(c);
  }
  return { selected, skippedSlow };
}

/** Patterns that match no id in any of the given id lists (a typo the user must hear about). */
export function unmatchedPatterns(patterns: readonly string[], ids: readonly string[]): string[] {
  return patterns.filter((p) => {
    const match = patternMatcher(p);
    return !ids.some((id) => match(id));
  });
}

/** `--shard i/n`: this runner takes part `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The shard (1..count) a case belongs to: the first 32 bits of the SHA-256 of its id, mod count. A hash and
 * not round-robin over the sorted ids: a case's shard depends on its own id only, so adding or removing a
 * case elsewhere moves no other case to another runner (round-robin would shift every id after it), and
 * every runner computes the same split with no shared state.
 */
export function shardOf(id: string, count: number): number {
  return (createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % count) + 1;
}

/** The cases of one shard; all of them without a shard. */
export function inShard<C extends SelectableCase>(cases: readonly C[], shard: Shard | undefined): C[] {
  return shard ? cases.filter((c) => shardOf(c.id, shard.count) === shard.index) : [...cases];
}
