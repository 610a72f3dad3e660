// A property case records several runs in one transcript: run k has its own fake engine (peer "engine(run k)")
// and its own driver (driver#j, started in run k's time). Replay plays one engine and one driver at a time, so
// such a transcript is cut into one transcript per run, each renamed to look like a single-run case (peer
// "engine", driver#1), and the runs are replayed in order. A transcript without runs is one run.

import type { ReplayReport, ReplayScript } from '../runner/replay.ts';
import { isJsonObject } from '../util/json-object.ts';

export interface RecordedRun {
  /** 1-based run number from the peer names; undefined for a transcript without runs. */
  run?: number;
  records: unknown[];
}

const RUN_PEER = /^(.+)\(run (\d+)\)$/;
const RUN_NOTE = /\brun (\d+)\b/;
const DRIVER_SOURCE = /^driver#(\d+)$/;
const STARTING_DRIVER = /^starting driver (\d+)\b/;

/** The run a peer or source name belongs to, and its name within the run. */
function runPeer(name: unknown): { run: number; base: string } | undefined {
  const m = typeof name === 'string' ? RUN_PEER.exec(name) : null;
  return m ? { run: Number(m[2]), base: m[1] as string } : undefined;
}

function timeOf(r: unknown): number | undefined {
  return isJsonObject(r) && typeof r.t === 'number' && Number.isFinite(r.t) ? r.t : undefined;
}

/** Cuts a transcript into its runs (see the file comment); one run, unchanged, when it has none. */
export function splitRuns(records: readonly unknown[]): RecordedRun[] {
  const runs = new Set<number>();
  for (const r of records) {
    if (!isJsonObject(r)) continue;
    const p = runPeer(r.peer) ?? runPeer(r.source);
    if (p) runs.add(p.run);
  }
  if (runs.size === 0) return [{ records: [...records] }];
  const ordered = [...runs].sort((a, b) => a - b);
  const bases = new Set<string>();
  // Where each run begins: its first record, or the case's first note naming it.
  const begins = new Map<number, number>();
  const begin = (run: number, t: number | undefined) => {
    if (t !== undefined && runs.has(run) && t < (begins.get(run) ?? Infinity)) begins.set(run, t);
  };
  for (const r of records) {
    if (!isJsonObject(r)) continue;
    const p = runPeer(r.peer) ?? runPeer(r.source);
    if (p) {
      bases.add(p.base);
      begin(p.run, timeOf(r));
    } else if (r.kind === 'note' && r.source === 'case' && typeof r.text === 'string') {
      const m = RUN_NOTE.exec(r.text);
      if (m) begin(Number(m[1]), timeOf(r));
    }
  }
  const runAt = (t: number | undefined): number | undefined => {
    if (t === undefined) return undefined;
    let found: number | undefined;
    for (const run of ordered) if ((begins.get(run) ?? Infinity) <= t) found = run;
    return found;
  };
  // Driver j belongs to the run its "starting driver j" note falls in; its number within the run counts from 1.
  const driverRun = new Map<number, { run: number; index: number }>();
  const perRun = new Map<number, number>();
  for (const r of records) {
    if (!isJsonObject(r) || r.kind !== 'note' || r.source !== 'case' || typeof r.text !== 'string') continue;
    const m = STARTING_DRIVER.exec(r.text);
    const run = runAt(timeOf(r));
    if (!m || run === undefined) continue;
    const index = (perRun.get(run) ?? 0) + 1;
    perRun.set(run, index);
    driverRun.set(Number(m[1]), { run, index });
  }
  const out = new Map<number, unknown[]>(ordered.map((run) => [run, []]));
  const toAll = (r: unknown) => {
    for (const list of out.values()) list.push(r);
  };
  for (const r of records) {
    if (!isJsonObject(r)) continue;
    if (r.kind === 'header') {
      toAll(r);
      continue;
    }
    const p = runPeer(r.peer) ?? runPeer(r.source);
    if (p) {
      out
        .get(p.run)
        ?.push({ ...r, ...(r.peer !== undefined ? { peer: p.base } : {}), ...(r.source !== undefined && runPeer(r.source) ? { source: p.base } : {}) });
      continue;
    }
    const d = typeof r.source === 'string' ? DRIVER_SOURCE.exec(r.source) : null;
    if (d) {
      const at = driverRun.get(Number(d[1]));
      if (at) out.get(at.run)?.push({ ...r, source: `driver#${at.index}` });
      continue;
    }
    const run = runAt(timeOf(r));
    // A record of a peer the runs replace (the case's idle main engine) belongs to none of them.
    if (typeof r.peer === 'string' && bases.has(r.peer)) continue;
    if (run === undefined) {
      toAll(r); // the case's preamble (its title, what it runs against)
      continue;
    }
    if (r.kind === 'note' && r.source === 'case' && typeof r.text === 'string') {
      const m = STARTING_DRIVER.exec(r.text);
      const at = m ? driverRun.get(Number(m[1])) : undefined;
      if (at) {
        out.get(run)?.push({ ...r, text: r.text.replace(STARTING_DRIVER, `starting driver ${at.index}`) });
        continue;
      }
    }
    out.get(run)?.push(r);
  }
  return ordered.map((run) => ({ run, records: out.get(run) as unknown[] }));
}

/**
 * Replays the runs in order, each with `replayOne`, and stops at the first run that diverges. The report adds
 * up what was sent and compared; its divergence and undecided findings name their run.
 */
export async function replayRuns(
  runs: readonly { run?: number; script: ReplayScript }[],
  replayOne: (script: ReplayScript, run: number | undefined) => Promise<ReplayReport>,
): Promise<ReplayReport & { run?: number; runs: number }> {
  let total: (ReplayReport & { run?: number; runs: number }) | undefined;
  const named = (run: number | undefined, message: string) => (run === undefined || runs.length === 1 ? message : `run ${run} of ${runs.length}: ${message}`);
  for (const { run, script } of runs) {
    const r = await replayOne(script, run);
    const undecided = [...(total?.undecided ?? []), ...(r.undecided ?? []).map((u) => ({ ...u, message: named(run, u.message) }))];
    total = {
      ...r,
      sent: (total?.sent ?? 0) + r.sent,
      compared: (total?.compared ?? 0) + r.compared,
      extra: (total?.extra ?? 0) + r.extra,
      runs: runs.length,
      ...(r.divergence ? { divergence: { ...r.divergence, message: named(run, r.divergence.message) }, ...(run !== undefined ? { run } : {}) } : {}),
      ...(undecided.length > 0 ? { undecided } : {}),
    };
    if (r.divergence) break;
  }
  if (!total) throw new Error('a transcript with no run to replay');
  return total;
}
