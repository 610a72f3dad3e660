// The closing summary a person reads at the end of a run: per side what ran and how it went, then every
// problem with the command that reproduces it, then the exit code in words.

import type { Verdict } from '../cases/model.ts';
import type { Baseline } from '../baselines/baseline.ts';
import type { CaseStatus, GateReport } from '../baselines/gate.ts';
import type { OutputStream } from '../runner/progress.ts';
import type { CatalogueRun } from '../runner/types.ts';
import { implementationName } from '../targets/implementation-name.ts';
import { forTerminal, linesForTerminal } from '../util/terminal.ts';

export interface SideNote {
  side: 'sdk' | 'engine';
  target: string;
  catalogueSize: number;
  skippedSlow: number;
}

export interface SummaryInput {
  runs: readonly CatalogueRun[];
  notes: readonly SideNote[];
  gate: GateReport;
  statuses: readonly Map<string, CaseStatus>[];
  strict: boolean;
  repro: readonly Map<string, { dir: string; command: string; replay?: string }>[];
  baselines: readonly (Baseline | undefined)[];
  written: readonly { path: string; entries: number }[];
  files: { results: string; junit: string; html: string };
  shown: (path: string) => string;
  interrupted: boolean;
  /** Per run: the implementation's claimed identity disagrees with the target named. */
  identityMismatches?: readonly (string | undefined)[];
}

const WORD: Record<Verdict, string> = { PASS: 'pass', FAIL: 'fail', UNSUPPORTED: 'unsupported', INDETERMINATE: 'undecided', ERROR: 'error' };

/** Summaries can list every sample; the console keeps one readable line (the report has all of it). */
function clip(text: string, max = 220): string {
  // Summaries quote the implementation (driver error messages, frame fields): made inert before printing.
  const flat = forTerminal(text.replace(/[ \t\n]+/g, ' '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function exitMeaning(code: number, gate: GateReport, interrupted: boolean): string {
  if (interrupted) return 'interrupted: the reports hold the cases that finished';
  const parts: string[] = [];
  if (gate.regressions.length) parts.push(plural(gate.regressions.length, 'regression'));
  if (gate.stale.length) parts.push(plural(gate.stale.length, 'stale baseline entry', 'stale baseline entries'));
  if (gate.setupFailures.length) parts.push(plural(gate.setupFailures.length, 'target that could not be opened', 'targets that could not be opened'));
  if (gate.harnessErrors.length) parts.push(plural(gate.harnessErrors.length, 'case the harness could not run', 'cases the harness could not run'));
  if (gate.undecided.length) parts.push(plural(gate.undecided.length, 'undecided case'));
  if (code === 0) return 'every gating case passes';
  return parts.join(', ');
}

export function printSummary(out: OutputStream, s: SummaryInput): void {
  const w = (line = '') => out.write(`${line}\n`);
  w();
  w('Summary');
  for (const side of ['sdk', 'engine'] as const) {
    for (const [i, run] of s.runs.entries()) {
      if (run.side !== side) continue;
      // Names, versions and errors come from the implementation: printed inert (terminal.ts).
      const impl = run.implementation ? forTerminal(implementationName(run.implementation)) : '(not opened)';
      w(`  ${run.side}: ${impl} — target ${forTerminal(run.target)}, ${plural(run.cases.length, 'case')} in ${(run.durationMs / 1000).toFixed(1)} s`);
      if (run.setupError) w(`    could not open the target: ${linesForTerminal(run.setupError).split('\n').join('\n    ')}`);
      const mismatch = s.identityMismatches?.[i];
      if (mismatch) w(`    identity mismatch: ${forTerminal(mismatch)}`);
      const counts = new Map<Verdict, number>();
      for (const c of run.cases) counts.set(c.result.outcome.verdict, (counts.get(c.result.outcome.verdict) ?? 0) + 1);
      const line = (['PASS', 'FAIL', 'ERROR', 'INDETERMINATE', 'UNSUPPORTED'] as const).filter((v) => counts.get(v)).map((v) => `${counts.get(v)} ${WORD[v]}`);
      const flaky = run.cases.filter((c) => c.flaky).length;
      if (flaky) line.push(`${flaky} flaky`);
      if (line.length) w(`    ${line.join(' · ')}`);
      const baseline = s.baselines[i];
      if (baseline) w(`    baseline ${s.shown(baseline.path)}: ${plural(baseline.entries.size, 'entry', 'entries')}`);
      if (run.skippedSlow.length) w(`    ${plural(run.skippedSlow.length, 'slow case')} not run (add --slow)`);
    }
    for (const n of s.notes) {
      if (n.side !== side) continue;
      if (n.catalogueSize === 0) w(`  ${n.side}: the ${n.side} catalogue has 0 cases — nothing to check against ${n.target}`);
      else if (n.skippedSlow > 0) w(`  ${n.side}: ${plural(n.skippedSlow, 'selected case')} all in the slow lane — not run (add --slow)`);
      else w(`  ${n.side}: no case selected`);
    }
  }
  const total = s.runs.reduce((n, r) => n + r.cases.length, 0);
  if (total === 0) w('  Nothing was checked: no case ran.');

  const problems: string[] = [];
  const caseLine = (tag: string, i: number, id: string) => {
    const run = s.runs[i];
    const c = run?.cases.find((x) => x.info.id === id);
    if (!run || !c) return;
    problems.push(`  ${tag.padEnd(11)} [${c.info.level}] ${id} (${run.target}) — ${clip(c.result.outcome.summary)}`);
    const r = s.repro[i]?.get(id);
    if (r) {
      problems.push(`      rerun:  ${r.command}`);
      problems.push(`      bundle: ${s.shown(r.dir)}/`);
    }
  };
  for (const [i, statuses] of s.statuses.entries()) {
    for (const [id, status] of statuses) {
      if (status === 'regression') caseLine('REGRESSION', i, id);
    }
  }
  for (const e of s.gate.stale) problems.push(`  ${'STALE'.padEnd(11)} ${e.id} in ${s.shown(e.baselineFile)} — ${e.why}`);
  for (const [i, statuses] of s.statuses.entries()) {
    const run = s.runs[i];
    if (run?.setupError !== undefined) {
      // One line for the whole run: every case has the same reason.
      problems.push(
        `  ${'NOT RUN'.padEnd(11)} ${plural(run.cases.length, `${run.side} case`)} against ${forTerminal(run.target)} — could not open the target: ${clip(run.setupError, 2000)}`,
      );
      continue;
    }
    for (const [id, status] of statuses) {
      if (status === 'harness-error') caseLine('ERROR', i, id);
      if (status === 'undecided') caseLine('UNDECIDED', i, id);
    }
  }
  for (const f of s.gate.flaky) {
    const run = s.runs.find((r) => r.target === f.target && r.side === f.side);
    const c = run?.cases.find((x) => x.info.id === f.id);
    if (c) problems.push(`  ${'FLAKY'.padEnd(11)} ${f.id} — verdicts ${c.attempts.map((a) => a.outcome.verdict).join(', ')}`);
  }
  // Not counted, but named: a maintainer should see them without opening the report.
  const oneLine = (tag: string, i: number, id: string, why: string) => problems.push(`  ${tag.padEnd(11)} ${id} (${s.runs[i]?.target ?? '?'}) — ${clip(why)}`);
  for (const [i, statuses] of s.statuses.entries()) {
    if (s.runs[i]?.setupError !== undefined) continue;
    for (const [id, status] of statuses) {
      const c = s.runs[i]?.cases.find((x) => x.info.id === id);
      if (!c) continue;
      if (status === 'non-gating') oneLine(c.info.level, i, id, `${c.result.outcome.verdict}: ${c.result.outcome.summary}`);
      if (status === 'known-failure') oneLine('KNOWN', i, id, `${c.result.outcome.verdict}, in the baseline: ${s.baselines[i]?.entries.get(id) ?? ''}`);
    }
  }
  const nonGating = s.statuses.reduce((n, m, i) => (s.runs[i]?.setupError !== undefined ? n : n + [...m.values()].filter((x) => x === 'non-gating').length), 0);
  if (problems.length) {
    w();
    w('Problems');
    for (const p of problems) w(p);
  }
  if (s.gate.knownFailures.length) w(`  ${plural(s.gate.knownFailures.length, 'known failure')} listed in the baseline (not counted)`);
  if (nonGating) w(`  ${plural(nonGating, 'failing case')} at a level that does not gate${s.strict ? '' : ' (SHOULD gates with --strict; INFO never does)'}`);
  for (const b of s.written) w(`  baseline written: ${b.path} (${plural(b.entries, 'entry', 'entries')})`);
  w();
  w(`Reports: ${s.files.results}, ${s.files.junit}, ${s.files.html}`);
  w(`Result: exit ${s.gate.exitCode} — ${exitMeaning(s.gate.exitCode, s.gate, s.interrupted)}${total === 0 ? ' (0 cases ran)' : ''}`);
}
