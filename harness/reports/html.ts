// index.html: one self-contained file (no network, no external asset) a maintainer opens from the report
// folder or a CI artifact. A matrix of implementations × cases per side (several results.json merged:
// Node vs Python vs Rust vs Go, or two versions of one SDK), filters by level and verdict, and per cell the
// expected vs actual, the transcript as a sequence diagram and, for timing cases, the delay plot.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { CaseSource, Finding, Level, TimingSample, Verdict } from '../cases/model.ts';
import { packagePath } from '../paths.ts';
import { confinePath } from '../util/confined-path.ts';
import { esc } from './escape.ts';
import { implementationLabel } from './implementation-label.ts';
import { planColumns } from './shards.ts';
import type { CaseRecord, ResultsDocument, RunRecord } from './results.ts';
import { timingPlotSvg } from './timing-plot.ts';
import { readTimeline, type Timeline } from './transcript-timeline.ts';

export interface LoadedResults {
  doc: ResultsDocument;
  /** Folder the results.json lives in (its relative paths start there, and may not leave it). */
  dir: string;
  /** What reading it had to leave out (see readResultsWithNotes). */
  notes?: readonly string[];
}

export interface ColumnData {
  key: string;
  side: 'sdk' | 'engine';
  label: string;
  target: string;
  runId: string;
  harness: string;
  seed: number;
  setupError?: string;
  identityMismatch?: string;
  counts: RunRecord['counts'];
  exitCode: number;
  /** A column merged from `--shard i/n` runs: which shards it holds, as text ("shards 1, 3 of 3"). */
  shards?: string;
}

export interface RowData {
  id: string;
  side: 'sdk' | 'engine';
  title: string;
  level: Level;
  sources: CaseSource[];
  disagreement?: string;
}

export interface CellData {
  verdict: Verdict;
  status: CaseRecord['status'];
  summary: string;
  durationMs: number;
  seed: number;
  flaky: boolean;
  attempts: { verdict: Verdict; summary: string; durationMs: number }[];
  expected?: unknown;
  actual?: unknown;
  findings: Finding[];
  timings: TimingSample[];
  plot?: string;
  transcript?: string;
  timeline?: Timeline;
  logs?: string[];
  baselineReason?: string;
  repro?: string;
  rerun?: string;
  replay?: string;
  /** Paths in the results file the report refused to read or link. */
  notes?: string[];
}

export interface ReportData {
  generatedAt: string;
  /** Everything the report left out of what the results files named, one line each. */
  notes: string[];
  columns: ColumnData[];
  rows: RowData[];
  /** key: `${column.key}\u0000${row.id}` */
  cells: Record<string, CellData>;
}

// From the package root: the compiled module (dist/harness/reports/) has no assets beside it.
const asset = (name: string) => readFileSync(packagePath('harness', 'reports', 'assets', name), 'utf8');

/** Gathers the data the page needs; paths become relative to `outDir` so links work from the HTML. */
export async function collectReportData(inputs: readonly LoadedResults[], outDir: string): Promise<ReportData> {
  const columns: ColumnData[] = [];
  const columnByKey = new Map<string, ColumnData>();
  const rows = new Map<string, RowData>();
  const cells: Record<string, CellData> = {};
  const labels = new Map<string, number>();
  // The shards of one implementation (--shard i/n) fill one column; a missing or repeated shard is named.
  const plan = planColumns(inputs.map((i) => i.doc));
  const notes: string[] = [...plan.problems];
  for (const [di, { doc, dir, notes: readNotes }] of inputs.entries()) {
    for (const n of readNotes ?? []) notes.push(`results file ${di + 1}: ${n}`);
    for (const [ri, run] of doc.runs.entries()) {
      if (plan.isDuplicate(di, ri)) continue;
      // Position-based (or one per shard group), so two documents with the same run id never collide.
      const key = plan.keyOf(di, ri);
      let column = columnByKey.get(key);
      if (column) mergeShardColumn(column, doc, run);
      else {
        let label = implementationLabel(run);
        const seen = labels.get(label) ?? 0;
        labels.set(label, seen + 1);
        if (seen > 0) label = `${label} (${doc.runId})`;
        const shards = plan.shardsOf(key);
        column = {
          key,
          side: run.side,
          label,
          target: run.target,
          runId: doc.runId,
          harness: `${doc.harness.name} ${doc.harness.version}`,
          seed: doc.seed,
          ...(run.setupError ? { setupError: run.setupError } : {}),
          ...(run.identityMismatch ? { identityMismatch: run.identityMismatch } : {}),
          counts: { ...run.counts },
          exitCode: doc.gate.exitCode,
          ...(shards ? { shards: `shard${shards.present.length === 1 ? '' : 's'} ${shards.present.join(', ')} of ${shards.count}` } : {}),
        };
        columns.push(column);
        columnByKey.set(key, column);
      }
      for (const c of run.cases) {
        if (cells[`${key}\u0000${c.id}`]) {
          // Two shards of one split never hold the same case; files from different catalogues or options may.
          notes.push(`${c.id} (${column.label}): in more than one shard's results; the first is shown`);
          continue;
        }
        if (!rows.has(c.id)) {
          rows.set(c.id, {
            id: c.id,
            side: run.side,
            title: c.title,
            level: c.level,
            sources: c.sources,
            ...(c.disagreement ? { disagreement: c.disagreement } : {}),
          });
        }
        const cellNotes: string[] = [];
        // Every path in a results file stays in its folder: the report reads and links nothing else.
        const confined = (p: string, what: string): string | undefined => {
          const checked = confinePath(dir, p);
          if (checked.ok) return checked.path;
          cellNotes.push(`${what} path ${JSON.stringify(p.slice(0, 200))} refused: ${checked.reason}`);
          return undefined;
        };
        const fromOut = (abs: string) => relative(resolve(outDir), abs).split('\\').join('/');
        const timingSeries = c.attempts.length > 1 ? c.attempts.map((a) => a.timings ?? []) : [c.timings];
        const plot = timingSeries.some((s) => s.length > 0) ? timingPlotSvg(timingSeries) : undefined;
        const transcriptPath = c.transcript ? confined(c.transcript, 'transcript') : undefined;
        const timeline = transcriptPath ? await readTimeline(transcriptPath, c.verdict === 'PASS' ? 150 : 400) : undefined;
        const logs = (c.logs ?? []).flatMap((l) => {
          const p = confined(l, 'log');
          return p ? [fromOut(p)] : [];
        });
        const reproPath = c.repro ? confined(c.repro, 'repro') : undefined;
        for (const n of cellNotes) notes.push(`${c.id} (${column.label}): ${n}`);
        cells[`${key}\u0000${c.id}`] = {
          verdict: c.verdict,
          status: c.status,
          summary: c.summary,
          durationMs: c.durationMs,
          seed: c.seed,
          flaky: c.flaky,
          attempts: c.attempts.map((a) => ({ verdict: a.verdict, summary: a.summary, durationMs: a.durationMs })),
          ...(c.expected !== undefined ? { expected: c.expected } : {}),
          ...(c.actual !== undefined ? { actual: c.actual } : {}),
          findings: c.findings,
          timings: c.timings,
          ...(plot ? { plot } : {}),
          ...(transcriptPath ? { transcript: fromOut(transcriptPath) } : {}),
          ...(timeline ? { timeline } : {}),
          ...(logs.length > 0 ? { logs } : {}),
          ...(c.baselineReason ? { baselineReason: c.baselineReason } : {}),
          ...(reproPath ? { repro: fromOut(reproPath) } : {}),
          ...(cellNotes.length > 0 ? { notes: cellNotes } : {}),
          ...(c.rerun ? { rerun: c.rerun } : {}),
          ...(c.replay ? { replay: c.replay } : {}),
        };
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) => (a.side === b.side ? a.id.localeCompare(b.id) : a.side === 'sdk' ? -1 : 1));
  return { generatedAt: new Date().toISOString(), notes, columns, rows: sorted, cells };
}

/** Adds one more shard's run to the column of its implementation: counts summed, the worst exit code kept. */
function mergeShardColumn(column: ColumnData, doc: ResultsDocument, run: RunRecord): void {
  for (const k of Object.keys(column.counts) as (keyof RunRecord['counts'])[]) column.counts[k] += run.counts[k];
  column.runId = `${column.runId}, ${doc.runId}`;
  column.exitCode = worseExit(column.exitCode, doc.gate.exitCode);
  if (run.setupError && !column.setupError) column.setupError = run.setupError;
  if (run.identityMismatch && !column.identityMismatch) column.identityMismatch = run.identityMismatch;
}

/** The exit code that reads worse for CI: a regression, then a set-up failure, then undecided, then the rest. */
function worseExit(a: number, b: number): number {
  const rank = (code: number) => [1, 4, 2, 130, 0].indexOf(code);
  const ra = rank(a);
  const rb = rank(b);
  if (ra === -1 || rb === -1) return ra === -1 ? a : b;
  return ra <= rb ? a : b;
}

/** JSON inside <script>: `<` escaped so no string in the data can close the element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The CSP allows exactly the one embedded script (by hash): nothing inline from the data can run. */
export function scriptHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

export function renderHtml(data: ReportData, title = 'iii-conformance report'): string {
  const script = asset('report.js');
  const impls = data.columns.map((c) => c.label).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src ${scriptHash(script)}; img-src data:; base-uri 'none'; form-action 'none'">
<title>${esc(title)}</title>
<style>${asset('report.css')}</style>
</head>
<body>
<header>
  <h1>${esc(title)}</h1>
  <p class="sub">${esc(impls || 'no implementation')} — generated ${esc(data.generatedAt)}</p>
</header>
<main>
  <section id="summary" aria-label="Summary"></section>
  <section id="filters" aria-label="Filters"></section>
  <section id="matrices"></section>
</main>
<aside id="detail" hidden aria-live="polite"></aside>
<noscript><p>This report needs JavaScript to draw the matrix; the same data is in results.json beside it.</p></noscript>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Writes index.html; returns the notes on what it left out, for the caller to print. */
export async function writeHtmlReport(outFile: string, inputs: readonly LoadedResults[], title?: string): Promise<string[]> {
  const outDir = dirname(resolve(outFile));
  const data = await collectReportData(inputs, outDir);
  await mkdir(outDir, { recursive: true });
  await writeFile(outFile, renderHtml(data, title));
  return data.notes;
}

export function defaultHtmlPath(dir: string): string {
  return join(dir, 'index.html');
}
