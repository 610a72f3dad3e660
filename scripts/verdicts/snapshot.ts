// Verdict snapshots: every case's verdict on one target over a few runs with fixed seeds, as one stable,
// diffable JSON file, and the case-by-case comparison of two of them. Issue 16 (the architecture
// refactor) records one before and one after, and must show the verdicts unchanged; so must issue 17.
// This reads only the fields of results.json it needs, so it survives changes to the harness it checks.

export const SNAPSHOT_FORMAT = 'iii-conformance-verdicts';
export const SNAPSHOT_VERSION = 1;

/** The few fields of a results.json (schemas/results.schema.json) a snapshot is made from. */
export interface ResultsExcerpt {
  seed: number;
  runs: {
    side: string;
    target: string;
    implementation: { name: string; version: string } | null;
    setupError?: string;
    cases: { id: string; verdict: string; timings?: unknown[] }[];
  }[];
}

const CASE_ID = /^[a-z0-9][a-z0-9._-]{0,199}$/i;
const SAFE_TEXT = /^[\x20-\x7e]{0,200}$/;
/** The harness's verdicts (harness/cases/model.ts VERDICTS), and MISSING for a case absent from a run. */
const KNOWN_VERDICTS = new Set(['PASS', 'FAIL', 'UNSUPPORTED', 'INDETERMINATE', 'ERROR', 'MISSING']);

export interface SnapshotRun {
  seed: number;
  durationMs: number;
  /** 1-minute load average before and after the run: a loaded machine explains an INDETERMINATE. */
  loadBefore: number;
  loadAfter: number;
  setupError?: string;
}

export interface CaseVerdicts {
  /** One verdict per run, in the order of `runs`. A case missing from a run has the verdict MISSING. */
  verdicts: string[];
  /** The case judged a time (it reported timing samples, or was INDETERMINATE, in some run). */
  timing: boolean;
}

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  side: string;
  target: string;
  implementation: { name: string; version: string } | null;
  /** The harness commit the snapshot was recorded from (`git rev-parse HEAD`, `+dirty` when it had changes). */
  commit: string;
  recordedAt: string;
  runs: SnapshotRun[];
  cases: Record<string, CaseVerdicts>;
}

export interface RecordedRun {
  results: ResultsExcerpt;
  run: SnapshotRun;
}

/** One snapshot from the results of `runs.length` runs against one target (the first run of each results file). */
export function buildSnapshot(input: { commit: string; recordedAt: string; runs: RecordedRun[] }): Snapshot {
  const first = input.runs[0]?.results.runs[0];
  if (!first) throw new Error('a snapshot needs at least one run with results');
  const ids = new Set<string>();
  for (const r of input.runs) for (const c of r.results.runs[0]?.cases ?? []) ids.add(c.id);
  const cases: Record<string, CaseVerdicts> = {};
  for (const id of [...ids].sort()) {
    const seen = input.runs.map((r) => r.results.runs[0]?.cases.find((c) => c.id === id));
    const verdicts = seen.map((c) => c?.verdict ?? 'MISSING');
    const timing = seen.some((c) => (c?.timings?.length ?? 0) > 0) || verdicts.includes('INDETERMINATE');
    cases[id] = { verdicts, timing };
  }
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    side: first.side,
    target: first.target,
    implementation: first.implementation ? { name: first.implementation.name, version: first.implementation.version } : null,
    commit: input.commit,
    recordedAt: input.recordedAt,
    runs: input.runs.map((r) => r.run),
    cases,
  };
}

/** Sorted keys, one case per line: a verdict that changes is a one-line diff. */
export function serialiseSnapshot(s: Snapshot): string {
  const head = { ...s, cases: undefined };
  const headLines = JSON.stringify(head, null, 2).split('\n').slice(0, -1); // without the closing brace
  const caseLines = Object.keys(s.cases)
    .sort()
    .map((id, i, all) => `    ${JSON.stringify(id)}: ${JSON.stringify(s.cases[id])}${i < all.length - 1 ? ',' : ''}`);
  return [...headLines.map((l, i) => (i === headLines.length - 1 ? `${l},` : l)), '  "cases": {', ...caseLines, '  }', '}', ''].join('\n');
}

/** Checks the shape of a snapshot file (it may come from another branch or machine); throws naming the problem. */
export function parseSnapshot(text: string, name: string): Snapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${name}: not JSON`); // the parser's message quotes the file, which may hold terminal escapes
  }
  const d = doc as Partial<Snapshot> | null;
  if (!d || typeof d !== 'object' || d.format !== SNAPSHOT_FORMAT || d.version !== SNAPSHOT_VERSION) {
    throw new Error(`${name}: not a ${SNAPSHOT_FORMAT} v${SNAPSHOT_VERSION} file`);
  }
  if (typeof d.cases !== 'object' || d.cases === null || !Array.isArray(d.runs)) throw new Error(`${name}: no cases or runs`);
  // Ids and verdicts are printed to a terminal: only the catalogue's own spelling is accepted.
  for (const [id, c] of Object.entries(d.cases)) {
    if (!CASE_ID.test(id)) throw new Error(`${name}: a case id is not a dotted catalogue id (${JSON.stringify(id.slice(0, 80))})`);
    if (!Array.isArray(c?.verdicts) || !c.verdicts.every((v) => KNOWN_VERDICTS.has(v)) || typeof c.timing !== 'boolean') {
      throw new Error(`${name}: case ${id} has no list of known verdicts or no timing flag`);
    }
  }
  for (const key of ['side', 'target', 'commit'] as const) {
    if (typeof d[key] !== 'string' || !SAFE_TEXT.test(d[key])) throw new Error(`${name}: ${key} is missing or not plain text`);
  }
  const impl = d.implementation;
  if (impl !== null && (typeof impl !== 'object' || !SAFE_TEXT.test(String(impl?.name)) || !SAFE_TEXT.test(String(impl?.version)))) {
    throw new Error(`${name}: implementation is not {name, version} in plain text`);
  }
  return d as Snapshot;
}

/**
 * What a case's runs amount to. `settled`: the same verdict every run. `undecided-timing`: a timing case
 * that passed in some runs and was INDETERMINATE in others (the machine, not the implementation).
 * `unstable`: anything else that varies between runs.
 */
export type Outcome = { kind: 'settled'; verdict: string } | { kind: 'undecided-timing' } | { kind: 'unstable'; verdicts: string[] };

export function outcomeOf(c: CaseVerdicts): Outcome {
  const distinct = [...new Set(c.verdicts)];
  if (distinct.length === 1 && distinct[0] !== undefined) return { kind: 'settled', verdict: distinct[0] };
  if (c.timing && distinct.every((v) => v === 'PASS' || v === 'INDETERMINATE')) return { kind: 'undecided-timing' };
  return { kind: 'unstable', verdicts: c.verdicts };
}

/**
 * How a case compares. `flipped`, `unstable`, `added`, `removed`: a difference (non-zero exit).
 * `timing-undecided`: PASS in one snapshot, INDETERMINATE in (some runs of) the other, on a timing case:
 * reported, not a regression, because a shared, loaded machine cannot decide a timing and the harness
 * says so rather than guess (INDETERMINATE is never a verdict on the implementation).
 */
export type CaseDifference =
  | { id: string; kind: 'flipped'; before: string[]; after: string[] }
  | { id: string; kind: 'unstable'; before: string[]; after: string[] }
  | { id: string; kind: 'added'; after: string[] }
  | { id: string; kind: 'removed'; before: string[] }
  | { id: string; kind: 'timing-undecided'; before: string[]; after: string[] };

export interface Comparison {
  /** Differences in what was measured (target, side, implementation version): the snapshots are not comparable. */
  mismatches: string[];
  differences: CaseDifference[];
  unchanged: number;
  /** Non-zero exit: any mismatch or any difference other than timing-undecided. */
  failed: boolean;
}

function passOrUndecided(o: Outcome): boolean {
  return o.kind === 'undecided-timing' || (o.kind === 'settled' && (o.verdict === 'PASS' || o.verdict === 'INDETERMINATE'));
}

export function compareSnapshots(before: Snapshot, after: Snapshot): Comparison {
  const mismatches: string[] = [];
  if (before.side !== after.side) mismatches.push(`side: ${before.side} → ${after.side}`);
  if (before.target !== after.target) mismatches.push(`target: ${before.target} → ${after.target}`);
  const impl = (s: Snapshot): string => (s.implementation ? `${s.implementation.name}@${s.implementation.version}` : 'none (set-up failed)');
  if (impl(before) !== impl(after)) mismatches.push(`implementation: ${impl(before)} → ${impl(after)}`);

  const differences: CaseDifference[] = [];
  let unchanged = 0;
  const ids = [...new Set([...Object.keys(before.cases), ...Object.keys(after.cases)])].sort();
  for (const id of ids) {
    const b = before.cases[id];
    const a = after.cases[id];
    if (!b && a) differences.push({ id, kind: 'added', after: a.verdicts });
    else if (b && !a) differences.push({ id, kind: 'removed', before: b.verdicts });
    else if (b && a) {
      const ob = outcomeOf(b);
      const oa = outcomeOf(a);
      const timing = b.timing || a.timing;
      if (ob.kind === 'settled' && oa.kind === 'settled' && ob.verdict === oa.verdict) unchanged += 1;
      else if (ob.kind === 'undecided-timing' && oa.kind === 'undecided-timing') unchanged += 1;
      else if (timing && passOrUndecided(ob) && passOrUndecided(oa)) {
        differences.push({ id, kind: 'timing-undecided', before: b.verdicts, after: a.verdicts });
      } else if (ob.kind === 'unstable' || oa.kind === 'unstable') {
        differences.push({ id, kind: 'unstable', before: b.verdicts, after: a.verdicts });
      } else differences.push({ id, kind: 'flipped', before: b.verdicts, after: a.verdicts });
    }
  }
  const failed = mismatches.length > 0 || differences.some((d) => d.kind !== 'timing-undecided');
  return { mismatches, differences, unchanged, failed };
}

const EXPLAIN: Record<CaseDifference['kind'], string> = {
  flipped: 'FLIPPED',
  unstable: 'UNSTABLE (its runs disagree)',
  added: 'ADDED',
  removed: 'REMOVED',
  'timing-undecided': 'timing undecided (PASS ↔ INDETERMINATE on a timing case: the load, not a regression)',
};

/** The comparison as lines for a terminal; case ids are the catalogue's own (dotted ASCII), verdicts from a fixed list. */
export function formatComparison(c: Comparison, names: { before: string; after: string }): string[] {
  const lines = [`verdicts: ${names.before} → ${names.after}`];
  for (const m of c.mismatches) lines.push(`  NOT COMPARABLE ${m}`);
  const show = (v: string[] | undefined): string => (v ? v.join(' ') : '–');
  for (const d of c.differences) {
    const before = 'before' in d ? d.before : undefined;
    const after = 'after' in d ? d.after : undefined;
    lines.push(`  ${d.id}: ${EXPLAIN[d.kind]}: [${show(before)}] → [${show(after)}]`);
  }
  const count = (k: CaseDifference['kind']): number => c.differences.filter((d) => d.kind === k).length;
  lines.push(
    `  ${c.unchanged} unchanged, ${count('flipped')} flipped, ${count('unstable')} unstable, ${count('added')} added, ${count('removed')} removed, ${count('timing-undecided')} timing-undecided → ${c.failed ? 'DIFFERENT' : 'same verdicts'}`,
  );
  return lines;
}
