// Which cases a run executes: `--case` patterns (exact id, dotted group prefix, or glob) and the slow lane.

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
