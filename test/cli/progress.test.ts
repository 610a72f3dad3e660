import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../../harness/cases/model.ts';
import { createProgress } from '../../harness/runner/progress.ts';

const result = (id: string): CaseResult => ({
  id,
  title: id,
  level: 'MUST',
  sources: [],
  lane: 'fast',
  outcome: { verdict: 'PASS', summary: 'ok' },
  durationMs: 5,
  seed: 1,
  artifacts: {},
});

describe('progress on a terminal', () => {
  it('shows the oldest running case, how many more run beside it, and how many are done (cases side by side)', () => {
    let text = '';
    const progress = createProgress({ isTTY: true, write: (c: string) => (text += c) }, { NO_COLOR: '1' });
    progress.begin('sdk catalogue', 3);
    progress.caseStarted('sdk.a', 0, 3, 0, 1);
    progress.caseStarted('sdk.b', 2, 3, 0, 1);
    expect(text).toMatch(/running sdk\.a {2}0\.\ds \(\+1 more\) {2}\[0\/3 done\]/);
    progress.caseFinished(result('sdk.a'), 0, 3, 0, 1);
    expect(text).toContain('[1/3] PASS');
    expect(text).toMatch(/running sdk\.b {2}0\.\ds {2}\[1\/3 done\][^\n]*$/);
    progress.end();
  });
});
