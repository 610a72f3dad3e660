// `replay --minimize`: delta debugging (Zeller's ddmin) over the steps of a transcript that diverges, down to
// the fewest steps that still diverge the same way (same kind, same recorded frame type, same JSON path).
// Every trial is one replay against the live implementation, so the result is checked, not guessed.

import type { Divergence, ReplayReport, ReplayScript, ReplayStep } from '../runner/replay.ts';
import { frameTypeOf } from '../wire/unvalidated.ts';

/** What makes two divergences "the same failure". */
export function divergenceSignature(d: Divergence): string {
  return [d.kind, frameTypeOf(d.step.frame) ?? '', d.step.dir, d.difference?.path ?? ''].join('|');
}

export interface MinimizeResult {
  steps: ReplayStep[];
  trials: number;
  signature: string;
}

/** Why there is nothing minimised: each says what the replays showed. */
export type MinimizeRefusal =
  | { refused: 'no-divergence'; report: ReplayReport }
  | { refused: 'setup'; report: ReplayReport }
  | { refused: 'not-reproduced'; first: ReplayReport; second: ReplayReport };

function subScript(script: ReplayScript, steps: ReplayStep[]): ReplayScript {
  const used = new Set(steps.map((s) => s.conn));
  return { ...script, steps, connections: script.connections.filter((c) => used.has(c.key)) };
}

/**
 * ddmin over `script.steps`. `replayOnce` replays a candidate script; a candidate "fails" when it diverges
 * with the same signature as the original. Before any shrinking the whole transcript is replayed twice: a
 * divergence that is not the same both times is flaky, and ddmin over a flaky failure shrinks to noise; a
 * live side that could not be started is a set-up problem, not a divergence to shrink.
 */
export async function minimize(
  script: ReplayScript,
  replayOnce: (candidate: ReplayScript) => Promise<ReplayReport>,
  options: { maxTrials?: number } = {},
): Promise<MinimizeResult | MinimizeRefusal> {
  const first = await replayOnce(script);
  if (!first.divergence) return { refused: 'no-divergence', report: first };
  if (first.divergence.kind === 'connect-failed') return { refused: 'setup', report: first };
  const signature = divergenceSignature(first.divergence);
  const second = await replayOnce(script);
  if (!second.divergence || divergenceSignature(second.divergence) !== signature) return { refused: 'not-reproduced', first, second };
  let trials = 2;
  const maxTrials = options.maxTrials ?? 400;
  const fails = async (steps: ReplayStep[]): Promise<boolean> => {
    if (steps.length === 0 || trials >= maxTrials) return false;
    trials++;
    const r = await replayOnce(subScript(script, steps));
    return r.divergence !== undefined && divergenceSignature(r.divergence) === signature;
  };
  let current = script.steps;
  let n = 2;
  while (current.length >= 2 && trials < maxTrials) {
    const size = Math.ceil(current.length / n);
    const chunks = Array.from({ length: Math.ceil(current.length / size) }, (_, k) => current.slice(k * size, (k + 1) * size));
    let reduced = false;
    for (const chunk of chunks) {
      if (await fails(chunk)) {
        current = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (const chunk of chunks) {
        const complement = current.filter((s) => !chunk.includes(s));
        if (await fails(complement)) {
          current = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, n * 2);
    }
  }
  return { steps: current, trials, signature };
}

/** The transcript lines to keep: every record that is not a step, plus the steps kept (matched by seq). */
export function minimalTranscript(lines: readonly string[], kept: readonly ReplayStep[]): string {
  const seqs = new Set(kept.map((s) => s.seq));
  const out: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    let r: { kind?: unknown; seq?: unknown; data?: { cmd?: unknown; conn?: unknown } } | null;
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue;
    }
    const isStep = r?.kind === 'frame' || (r?.kind === 'note' && (typeof r.data?.cmd === 'string' || r.data?.conn !== undefined));
    if (!isStep || (typeof r?.seq === 'number' && seqs.has(r.seq))) out.push(line);
  }
  return `${out.join('\n')}\n`;
}
