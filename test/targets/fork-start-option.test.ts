// --no-fork-start, end to end: the command line sets it, the runner hands it to the target, and the target then
// spawns its spares instead of starting a fork server (the bundled Python driver declares forkStart).

import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addRunOptions, parseRunOptions, type RawRunOptions } from '../../harness/cli/options.ts';
import type { OpenOptions } from '../../harness/cases/catalogue.ts';
import { liveGroups } from '../../harness/process/index.ts';
import { runCatalogue } from '../../harness/runner/run-catalogue.ts';
import { readDriverStatus } from '../../harness/targets/sdk/index.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { launchSpecOf, openSdkTarget, sdkCatalogue } from '../../specs/sdk/index.ts';

const python = readDriverStatus().python;
const SILENT = { begin() {}, caseStarted() {}, caseFinished() {}, end() {} };

function forkStartOf(argv: string[]): boolean {
  const cmd = addRunOptions(new Command().exitOverride());
  cmd.parse(argv, { from: 'user' });
  return parseRunOptions(cmd.opts<RawRunOptions>(), {}).forkStart;
}

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function artifacts(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'iii-conf-fork-option-'));
  dirs.push(d);
  return d;
}

describe('--no-fork-start', () => {
  it('is parsed from the command line (fork start is the default)', () => {
    expect(forkStartOf([])).toBe(true);
    expect(forkStartOf(['--no-fork-start'])).toBe(false);
  });

  it('reaches the target through the runner', async () => {
    const seen: (boolean | undefined)[] = [];
    const catalogue = {
      ...sdkCatalogue,
      open: async (_target: unknown, options: OpenOptions) => {
        seen.push(options.forkStart);
        throw new Error('opened: nothing to run');
      },
    };
    const cases = sdkCatalogue.cases.slice(0, 1);
    const base = { targetLabel: 'x', cases, repeat: 1, baseSeed: 1, tolerance: DEFAULT_TOLERANCE, progress: SILENT };
    await runCatalogue(catalogue, { kind: 'builtin', sdk: 'python' } as const, { ...base, artifactsRoot: await artifacts(), forkStart: false });
    await runCatalogue(catalogue, { kind: 'builtin', sdk: 'python' } as const, { ...base, artifactsRoot: await artifacts() });
    expect(seen).toEqual([false, true]);
  });

  describe.skipIf(!python?.available)(`with the bundled Python driver${python?.available ? '' : ` (skipped: ${python?.reason ?? 'not set up'})`}`, () => {
    const forkServers = () => liveGroups().filter((g) => g.name.startsWith('fork-server:'));
    const drivers = () => liveGroups().filter((g) => g.name.startsWith('driver:'));

    it('makes the target spawn its spares, where by default it forks them from a server', async () => {
      const open = async (forkStart: boolean) => {
        const opened = await openSdkTarget(launchSpecOf({ kind: 'builtin', sdk: 'python' }), {
          tolerance: DEFAULT_TOLERANCE,
          artifactsRoot: await artifacts(),
          jobs: 2,
          forkStart,
        });
        closers.push(opened.close);
        return opened;
      };
      const spawned = await open(false);
      expect(forkServers()).toEqual([]);
      expect(drivers()).toHaveLength(2);
      await spawned.close();
      await open(true);
      expect(forkServers()).toHaveLength(1);
    }, 60_000);
  });
});
