import { describe, expect, it } from 'vitest';
import { timingPlotSvg } from '../../harness/reports/timing-plot.ts';
import { parseTimeline } from '../../harness/reports/transcript-timeline.ts';
import type { TimingSample } from '../../harness/cases/model.ts';

const s = (attempt: number, measuredMs: number, verdict: TimingSample['verdict']): TimingSample => ({
  label: `delay ${attempt}`,
  attempt,
  measuredMs,
  allowedMinMs: 100 * 2 ** attempt * 0.7,
  allowedMaxMs: 100 * 2 ** attempt * 1.3,
  slackMs: 30,
  verdict,
});

describe('timing plot', () => {
  it('draws one envelope per attempt and one dot per measurement, coloured by verdict', () => {
    const svg = timingPlotSvg([[s(0, 101, 'PASS'), s(1, 95, 'FAIL'), s(2, 900, 'INDETERMINATE')]]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect class="envelope"/g)).toHaveLength(3);
    expect(svg.match(/<circle class="measured"/g)).toHaveLength(3);
    expect([...svg.matchAll(/class="measured" data-verdict="(\w+)"/g)].map((m) => m[1])).toEqual(['PASS', 'FAIL', 'INDETERMINATE']);
    expect(svg).toContain('measured 95 ms, allowed 140..260 ms');
  });

  it('overlays repeats side by side and escapes labels', () => {
    const a = [{ ...s(0, 100, 'PASS'), label: '<script>' }];
    const svg = timingPlotSvg([a, [s(0, 120, 'PASS')]]);
    expect(svg.match(/<circle class="measured"/g)).toHaveLength(2);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('repeat 2');
    expect(timingPlotSvg([[]])).toBe('');
  });
});

describe('transcript timeline', () => {
  it('reads frames, events, faults and notes; keeps going past a bad line; caps the length', () => {
    const lines = [
      { kind: 'header', t: 0, seq: 0, format: 'iii-transcript', version: 1 },
      {
        kind: 'frame',
        t: 1,
        seq: 1,
        conn: 1,
        dir: 'engine->worker',
        encoding: 'text',
        frame: { type: 'workerregistered' },
        verdict: { base: 'valid', violations: [], strict: [] },
      },
      {
        kind: 'frame',
        t: 2,
        seq: 2,
        conn: 1,
        dir: 'worker->engine',
        encoding: 'text',
        text: '{"type":1',
        verdict: { base: 'invalid', violations: [{ path: '', message: 'not JSON' }], strict: [] },
      },
      { kind: 'fault', t: 3, seq: 3, conn: 1, dir: 'engine->worker', rule: 0, action: { kind: 'drop' }, type: 'invokefunction', nth: 1 },
      { kind: 'note', t: 4, seq: 4, source: 'case', level: 'error', text: 'boom' },
    ].map((l) => JSON.stringify(l));
    const tl = parseTimeline([...lines, 'not json'].join('\n'));
    expect(tl.events.map((e) => [e.kind, e.label, e.bad ?? false])).toEqual([
      ['frame', 'workerregistered', false],
      ['frame', 'frame', true],
      ['fault', 'fault: drop', false],
      ['note', 'case', true],
      ['note', 'transcript', true],
    ]);
    expect(parseTimeline(lines.join('\n'), 2)).toMatchObject({ omitted: 2 });
  });
});
