// ddmin (harness/replay/minimize.ts) against a scripted live side, so each answer is known: it shrinks to the
// two steps that make the divergence, and it says no (refuses) when nothing diverges, when the live side
// never started, and when the divergence does not repeat on a second replay of the whole transcript.

import { describe, expect, it } from 'vitest';
import { minimize } from '../../harness/replay/minimize.ts';
import type { Divergence, ReplayReport, ReplayScript, ReplayStep } from '../../harness/runner/replay.ts';

const steps: ReplayStep[] = Array.from({ length: 12 }, (_, i) => ({
  seq: i + 1,
  t: i,
  conn: 'engine#1',
  path: '/',
  dir: i % 2 === 0 ? 'engine->worker' : 'worker->engine',
  frame: { type: i === 7 ? 'registertrigger' : 'invokefunction', n: i },
}));
const script: ReplayScript = { steps, connections: [{ key: 'engine#1', path: '/' }], driverCommands: [], driverStarts: [] };

function report(divergence?: Partial<Divergence>): ReplayReport {
  const d: Divergence | undefined = divergence
    ? {
        kind: 'different',
        step: steps[7] as ReplayStep,
        index: 0,
        message: 'differs',
        difference: { path: '/message_type', expected: undefined, actual: 'registertrigger' },
        ...divergence,
      }
    : undefined;
  return { role: 'engine', target: 'scripted', sent: 0, compared: 0, extra: 0, ...(d ? { divergence: d } : {}) };
}

describe('replay --minimize (ddmin)', () => {
  it('shrinks to exactly the steps the divergence needs', async () => {
    // The scripted implementation diverges only when steps 3 and 8 are both replayed.
    const once = async (s: ReplayScript) => report(s.steps.some((x) => x.seq === 3) && s.steps.some((x) => x.seq === 8) ? {} : undefined);
    const result = await minimize(script, once);
    expect('refused' in result).toBe(false);
    if ('refused' in result) return;
    expect(result.steps.map((s) => s.seq)).toEqual([3, 8]);
    expect(result.signature).toBe('different|registertrigger|worker->engine|/message_type');
  });

  it('refuses when nothing diverges', async () => {
    const result = await minimize(script, async () => report());
    expect(result).toMatchObject({ refused: 'no-divergence' });
  });

  it('refuses when the live side could not be started (a set-up problem, not a divergence)', async () => {
    let trials = 0;
    const result = await minimize(script, async () => (trials++, report({ kind: 'connect-failed', message: 'the SDK did not open connection 1' })));
    expect(result).toMatchObject({ refused: 'setup' });
    expect(trials).toBe(1);
  });

  it('refuses a divergence that does not repeat on a second replay of the whole transcript', async () => {
    let trials = 0;
    const flaky = await minimize(script, async () => (trials++ === 0 ? report({}) : report({ kind: 'missing' })));
    expect(flaky).toMatchObject({ refused: 'not-reproduced' });
    expect(trials).toBe(2);
  });
});
