import { describe, expect, it } from 'vitest';
import { patternMatcher, selectCases, unmatchedPatterns } from '../../harness/runner/select.ts';
import { caseSeed } from '../../harness/runner/seed.ts';

const ids = ['sdk.reconnect.replays-functions', 'sdk.reconnect.backoff.default', 'sdk.invoke.echo', 'engine.routing.void-call'];

describe('case selection', () => {
  it('matches an exact id, a dotted group and globs', () => {
    expect(ids.filter(patternMatcher('sdk.invoke.echo'))).toEqual(['sdk.invoke.echo']);
    expect(ids.filter(patternMatcher('sdk.reconnect'))).toEqual(['sdk.reconnect.replays-functions', 'sdk.reconnect.backoff.default']);
    expect(ids.filter(patternMatcher('sdk.*.echo'))).toEqual(['sdk.invoke.echo']);
    // `*` stays inside one segment, `**` crosses them.
    expect(ids.filter(patternMatcher('sdk.reconnect.*'))).toEqual(['sdk.reconnect.replays-functions']);
    expect(ids.filter(patternMatcher('sdk.**'))).toHaveLength(3);
    expect(ids.filter(patternMatcher('sdk.reconnect.replays-functions.x'))).toEqual([]);
    // A group prefix is not a string prefix.
    expect(ids.filter(patternMatcher('sdk.recon'))).toEqual([]);
  });

  it('leaves the slow lane out unless --slow or the exact id is given', () => {
    const cases = [
      { id: 'sdk.a.fast', lane: 'fast' as const },
      { id: 'sdk.a.slow', lane: 'slow' as const },
    ];
    expect(selectCases(cases, [], false).selected.map((c) => c.id)).toEqual(['sdk.a.fast']);
    expect(selectCases(cases, [], false).skippedSlow.map((c) => c.id)).toEqual(['sdk.a.slow']);
    expect(selectCases(cases, [], true).selected).toHaveLength(2);
    expect(selectCases(cases, ['sdk.a.*'], false).selected.map((c) => c.id)).toEqual(['sdk.a.fast']);
    expect(selectCases(cases, ['sdk.a.slow'], false).selected.map((c) => c.id)).toEqual(['sdk.a.slow']);
  });

  it('names the patterns that match nothing', () => {
    expect(unmatchedPatterns(['sdk.invoke', 'sdk.nope', 'engine.*.void-call'], ids)).toEqual(['sdk.nope']);
  });
});

describe('seeds', () => {
  it('derive from the base seed and the case id only, so a single rerun gets the same seed', () => {
    expect(caseSeed(42, 'sdk.a.b')).toBe(caseSeed(42, 'sdk.a.b'));
    expect(caseSeed(42, 'sdk.a.b')).not.toBe(caseSeed(43, 'sdk.a.b'));
    expect(caseSeed(42, 'sdk.a.b')).not.toBe(caseSeed(42, 'sdk.a.c'));
    for (const id of ids) {
      const s = caseSeed(7, id);
      expect(Number.isInteger(s) && s > 0 && s < 2 ** 31).toBe(true);
    }
  });
});
