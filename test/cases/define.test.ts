import { describe, expect, it } from 'vitest';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, CaseSetupError, check } from '../../harness/cases/failure.ts';
import type { TimingSample } from '../../harness/cases/model.ts';
import { scenarioNotPlayed, timingOutcome } from '../../harness/cases/verdict-policy.ts';
import { ConnectionClosedError, WaitTimeoutError } from '../../harness/peer/errors.ts';

const spec = {
  id: 'sdk.example.case',
  title: 'example',
  level: 'MUST' as const,
  sources: [{ document: 'seed' as const, section: 'Lifecycle' }],
  timeoutMs: 1000,
};

function sample(verdict: TimingSample['verdict']): TimingSample {
  return { label: 'gap', measuredMs: 10, allowedMinMs: 5, allowedMaxMs: 20, slackMs: 3, verdict } as TimingSample;
}

describe('defineCase and the verdict policy', () => {
  it('defaults to no capability and the fast lane; a string is the PASS summary', async () => {
    const c = defineCase<void>({ ...spec, run: async () => 'held' });
    expect(c.requires).toEqual([]);
    expect(c.lane).toBe('fast');
    expect(await c.run()).toEqual({ verdict: 'PASS', summary: 'held' });
  });

  it("turns check, a failed wait and a closed socket into FAIL: the implementation's doing", async () => {
    const failing = defineCase<void>({
      ...spec,
      run: async () => {
        check(false, 'no pong', { type: 'pong' }, 'nothing');
        return 'unreachable';
      },
    });
    expect(await failing.run()).toMatchObject({ verdict: 'FAIL', summary: 'no pong', expected: { type: 'pong' }, actual: 'nothing' });
    const waited = defineCase<void>({ ...spec, run: () => Promise.reject(new WaitTimeoutError('expected pong within 10 ms; nothing arrived', [])) });
    expect(await waited.run()).toMatchObject({ verdict: 'FAIL', actual: 'nothing arrived' });
    const closed = defineCase<void>({ ...spec, run: () => Promise.reject(new ConnectionClosedError('closed', 1006, '')) });
    expect(await closed.run()).toMatchObject({ verdict: 'FAIL', actual: 'closed with 1006' });
    const withFindings = defineCase<void>({
      ...spec,
      run: () => Promise.reject(new CaseFailure('bad', 1, 2, { findings: [{ severity: 'info', message: 'x' }] })),
    });
    expect((await withFindings.run()).findings).toHaveLength(1);
  });

  it("turns a set-up failure into ERROR and leaves what it does not know to the runner (ERROR 'the case threw')", async () => {
    const setup = defineCase<void>({ ...spec, run: () => Promise.reject(new CaseSetupError('driver 1 did not start')) });
    expect(await setup.run()).toEqual({ verdict: 'ERROR', summary: 'driver 1 did not start' });
    const unknown = defineCase<void>({ ...spec, run: () => Promise.reject(new Error('boom')) });
    await expect(unknown.run()).rejects.toThrow('boom');
    expect(scenarioNotPlayed('no tail').verdict).toBe('ERROR');
  });

  it('judges timing samples once: any FAIL fails, else any INDETERMINATE is undecided', () => {
    expect(timingOutcome([sample('PASS'), sample('PASS')], 'both in').verdict).toBe('PASS');
    expect(timingOutcome([sample('PASS'), sample('INDETERMINATE')], 'x').verdict).toBe('INDETERMINATE');
    const failed = timingOutcome([sample('INDETERMINATE'), sample('FAIL')], 'x');
    expect(failed.verdict).toBe('FAIL');
    expect(failed.summary).toMatch(/^1 of 2 delays outside the envelope/);
  });
});
