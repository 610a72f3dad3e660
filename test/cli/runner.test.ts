import { describe, expect, it } from 'vitest';
import { outcome, type CaseDefinition, type CaseOutcome } from '../../harness/cases/model.ts';
import { runCatalogue } from '../../harness/runner/run-catalogue.ts';
import { silentProgress } from '../../harness/runner/progress.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { caseSeed } from '../../harness/runner/seed.ts';
import { resetFlaky, synthCases, syntheticSdkCatalogue } from './fixtures/synthetic.ts';
import { withTempDir } from './helpers.ts';

const base = (artifactsRoot: string) => ({
  targetLabel: 'node',
  repeat: 1,
  baseSeed: 99,
  tolerance: DEFAULT_TOLERANCE,
  artifactsRoot,
  progress: silentProgress,
});

/** A synthetic MUST case of the fast lane that runs `run`. */
function synthCase(id: string, timeoutMs: number, run: () => Promise<CaseOutcome>): CaseDefinition<unknown> {
  return { id, title: id, level: 'MUST', sources: [{ document: 'seed', section: 'synthetic' }], requires: [], lane: 'fast', timeoutMs, run };
}

describe('runCatalogue', () => {
  it('runs every selected case once through runCase, with one verdict each', async () => {
    await withTempDir(async (dir) => {
      resetFlaky();
      const cases = synthCases.filter((c) => c.lane === 'fast');
      const run = await runCatalogue(syntheticSdkCatalogue(), { kind: 'builtin', sdk: 'node' }, { ...base(dir), cases });
      expect(run.implementation?.name).toBe('synthetic-sdk');
      const verdicts = Object.fromEntries(run.cases.map((c) => [c.info.id, c.result.outcome.verdict]));
      expect(verdicts).toMatchObject({
        'sdk.synth.passes': 'PASS',
        'sdk.synth.fails': 'FAIL',
        'sdk.synth.undecided': 'INDETERMINATE',
        'sdk.synth.needs-metrics': 'UNSUPPORTED',
        'sdk.synth.harness-error': 'ERROR',
      });
      expect(run.cases.every((c) => !c.flaky)).toBe(true);
      const passes = run.cases.find((c) => c.info.id === 'sdk.synth.passes');
      expect(passes?.result.seed).toBe(caseSeed(99, 'sdk.synth.passes'));
      expect(passes?.result.artifacts.transcriptFile).toContain(dir);
    });
  });

  it('flags a case whose verdict changes across --repeat as flaky and keeps the worst verdict', async () => {
    await withTempDir(async (dir) => {
      resetFlaky();
      const cases = synthCases.filter((c) => c.id === 'sdk.synth.flaky' || c.id === 'sdk.synth.passes');
      const run = await runCatalogue(syntheticSdkCatalogue(), { kind: 'builtin', sdk: 'node' }, { ...base(dir), repeat: 3, cases });
      const flaky = run.cases.find((c) => c.info.id === 'sdk.synth.flaky');
      expect(flaky?.attempts.map((a) => a.outcome.verdict)).toEqual(['PASS', 'FAIL', 'PASS']);
      expect(flaky?.flaky).toBe(true);
      expect(flaky?.result.outcome.verdict).toBe('FAIL');
      const stable = run.cases.find((c) => c.info.id === 'sdk.synth.passes');
      expect(stable?.flaky).toBe(false);
      expect(stable?.attempts).toHaveLength(3);
    });
  });

  it('measures an INDETERMINATE case again (never a FAIL): a clean window decides, three busy ones stay INDETERMINATE', async () => {
    await withTempDir(async (dir) => {
      let busyOnce = 0;
      let alwaysBusy = 0;
      let failing = 0;
      const synth = (id: string, run: () => ReturnType<typeof outcome.pass>) => synthCase(id, 2000, async () => run());
      const cases = [
        synth('sdk.synth.busy-once', () => (++busyOnce === 1 ? outcome.indeterminate('busy') : outcome.pass('decided'))),
        synth('sdk.synth.always-busy', () => (++alwaysBusy, outcome.indeterminate('busy'))),
        synth('sdk.synth.fails-once', () => (++failing, outcome.fail('late', 'on time', 'late'))),
      ];
      const run = await runCatalogue(syntheticSdkCatalogue({ cases }), { kind: 'builtin', sdk: 'node' }, { ...base(dir), cases });
      const byId = Object.fromEntries(run.cases.map((c) => [c.info.id, c]));
      expect(byId['sdk.synth.busy-once']?.result.outcome.verdict).toBe('PASS');
      expect(byId['sdk.synth.busy-once']?.result.outcome.findings?.[0]?.message).toMatch(/measured 2 times: 1 run\(s\) before were INDETERMINATE/);
      expect(byId['sdk.synth.always-busy']?.result.outcome.verdict).toBe('INDETERMINATE');
      expect(alwaysBusy).toBe(3);
      expect(failing).toBe(1);
    });
  });

  it('turns a target that cannot be opened into ERROR for every selected case, with the reason', async () => {
    await withTempDir(async (dir) => {
      const cases = synthCases.slice(0, 3);
      const run = await runCatalogue(syntheticSdkCatalogue({ openError: 'driver exited with 127' }), { kind: 'builtin', sdk: 'node' }, { ...base(dir), cases });
      expect(run.implementation).toBeNull();
      expect(run.setupError).toBe('driver exited with 127');
      expect(run.cases.map((c) => c.result.outcome.verdict)).toEqual(['ERROR', 'ERROR', 'ERROR']);
      expect(run.cases[0]?.result.outcome.summary).toContain('driver exited with 127');
    });
  });

  it('stops starting cases once aborted (Ctrl-C) and still closes the target', async () => {
    await withTempDir(async (dir) => {
      const abort = new AbortController();
      let closed = 0;
      const catalogue = syntheticSdkCatalogue();
      const open = catalogue.open;
      catalogue.open = async (t, o) => {
        const opened = await open(t, o);
        return { ...opened, close: async () => void closed++ };
      };
      const progress = { ...silentProgress, caseFinished: () => abort.abort() };
      const run = await runCatalogue(
        catalogue,
        { kind: 'builtin', sdk: 'node' },
        { ...base(dir), cases: synthCases.slice(0, 4), progress, signal: abort.signal },
      );
      expect(run.cases).toHaveLength(1);
      expect(closed).toBe(1);
    });
  });

  describe('side by side (--jobs)', () => {
    // Each case records how many cases were running when it started and when it ended.
    function scheduledCases(spec: { id: string; timing?: boolean; ms: number }[]) {
      let running = 0;
      const seen: Record<string, { alongside: number; started: number }> = {};
      let clock = 0;
      const cases = spec.map(({ id, timing, ms }) => ({
        ...synthCase(id, 5000, async () => {
          running++;
          const entry = { alongside: running - 1, started: clock++ };
          seen[id] = entry;
          await new Promise((resolve) => setTimeout(resolve, ms));
          entry.alongside = Math.max(entry.alongside, running - 1);
          running--;
          return outcome.pass('ran');
        }),
        ...(timing ? { judgesTiming: true } : {}),
      }));
      return { cases, seen };
    }
    const isolated = (cases: ReturnType<typeof scheduledCases>['cases']) => {
      const catalogue = syntheticSdkCatalogue({ cases });
      const open = catalogue.open;
      catalogue.open = async (t, o) => ({ ...(await open(t, o)), isolatedCases: true });
      return catalogue;
    };

    it('runs cases up to --jobs at once where the target isolates them, timing cases alone and first, and reports in catalogue order', async () => {
      await withTempDir(async (dir) => {
        const { cases, seen } = scheduledCases([
          { id: 'sdk.s.a', ms: 60 },
          { id: 'sdk.s.b', ms: 60 },
          { id: 'sdk.s.timed-1', timing: true, ms: 30 },
          { id: 'sdk.s.c', ms: 60 },
          { id: 'sdk.s.d', ms: 60 },
          { id: 'sdk.s.timed-2', timing: true, ms: 30 },
          { id: 'sdk.s.e', ms: 60 },
        ]);
        const run = await runCatalogue(isolated(cases), { kind: 'builtin', sdk: 'node' }, { ...base(dir), cases, jobs: 3 });
        expect(run.cases.map((c) => c.info.id)).toEqual(cases.map((c) => c.id));
        expect(run.cases.every((c) => c.result.outcome.verdict === 'PASS')).toBe(true);
        // Timing cases: nothing beside them, and both before any other case.
        expect(seen['sdk.s.timed-1']).toMatchObject({ alongside: 0, started: 0 });
        expect(seen['sdk.s.timed-2']).toMatchObject({ alongside: 0, started: 1 });
        // The others overlapped, never more than three at once.
        const others = ['sdk.s.a', 'sdk.s.b', 'sdk.s.c', 'sdk.s.d', 'sdk.s.e'].map((id) => seen[id]!.alongside);
        expect(Math.max(...others)).toBe(2);
      });
    });

    it('runs one case at a time with --jobs 1, and wherever cases share the target (an engine), in catalogue order', async () => {
      await withTempDir(async (dir) => {
        const one = scheduledCases([
          { id: 'sdk.s.a', ms: 20 },
          { id: 'sdk.s.timed', timing: true, ms: 20 },
          { id: 'sdk.s.b', ms: 20 },
        ]);
        await runCatalogue(isolated(one.cases), { kind: 'builtin', sdk: 'node' }, { ...base(dir), cases: one.cases, jobs: 1 });
        expect(Object.values(one.seen).map((s) => s.alongside)).toEqual([0, 0, 0]);
        expect(one.seen['sdk.s.a']?.started).toBe(0);
        const shared = scheduledCases([
          { id: 'sdk.s.a', ms: 20 },
          { id: 'sdk.s.b', ms: 20 },
        ]);
        await runCatalogue(syntheticSdkCatalogue({ cases: shared.cases }), { kind: 'builtin', sdk: 'node' }, { ...base(dir), cases: shared.cases, jobs: 4 });
        expect(Object.values(shared.seen).map((s) => s.alongside)).toEqual([0, 0]);
      });
    });
  });
});
