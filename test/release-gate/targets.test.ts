// How `sdk` reads its targets (issue 13 items 1-3): a pinned SDK, a published version, a source tree,
// several at once; and the words that select each again (rerun commands in repro bundles).
import { describe, expect, it } from 'vitest';
import { parseSdkTarget, targetArgs } from '../../harness/cli/targets.ts';
import { UsageError } from '../../harness/cli/errors.ts';
import { cli } from '../cli/helpers.ts';

describe('parseSdkTarget', () => {
  it('reads the pinned SDK, <sdk>@<version> and a source tree, and selects each again', () => {
    expect(parseSdkTarget('python')).toEqual({ kind: 'builtin', sdk: 'python' });
    const published = parseSdkTarget('python@0.24.0');
    expect(published).toEqual({ kind: 'builtin', sdk: 'python', source: { kind: 'published', version: '0.24.0' } });
    expect(targetArgs('sdk', published)).toEqual(['sdk', 'python@0.24.0']);
    const tree = parseSdkTarget('rust', '/src/iii/sdk/packages/rust/iii');
    expect(tree).toEqual({ kind: 'builtin', sdk: 'rust', source: { kind: 'tree', dir: '/src/iii/sdk/packages/rust/iii' } });
    expect(targetArgs('sdk', tree)).toEqual(['sdk', 'rust', '--sdk-source', '/src/iii/sdk/packages/rust/iii']);
    expect(parseSdkTarget('go@v0.1.0-rc.1')).toMatchObject({ source: { kind: 'published', version: 'v0.1.0-rc.1' } });
  });

  it('refuses a version that is not a release number (it becomes a registry request: no paths, URLs or flags)', () => {
    for (const bad of ['node@../x', 'node@file:/tmp/x', 'python@--index-url=http://x', 'rust@', 'node@latest', 'python@0.24.0;id']) {
      expect(() => parseSdkTarget(bad), bad).toThrow(UsageError);
    }
    expect(() => parseSdkTarget('node@0.22.0', '/tmp/x')).toThrow(/without a version/);
    expect(() => parseSdkTarget('cmd:./d', '/tmp/x')).toThrow(/bundled driver/);
  });
});

describe('sdk with several targets or --sdk-source', () => {
  it('--sdk-source goes with exactly one target (exit 3, nothing runs)', async () => {
    const r = await cli(['sdk', 'node', 'python', '--sdk-source', '.']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/--sdk-source names the tree of one SDK/);
    const bad = await cli(['sdk', 'node@0.22.0', '--baseline-from', 'closest']);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/--baseline-from "closest" must be exact or nearest/);
  });
});
