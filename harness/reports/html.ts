// index.html: one self-contained file (no network, no external asset) a maintainer opens from the report
// folder or a CI artifact. A matrix of implementations × cases per side (several results.json merged:
// Node vs Python vs Rust vs Go, or two versions of one SDK), filters by level and verdict, and per cell the
// expected vs actual, the transcript as a sequence diagram and, for timing cases, the delay plot.

import { readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { CaseSource, Finding, Level, TimingSample, Verdict } from '../cases/model.ts';
import { packagePath } from '../paths.ts';
import { esc } from './escape.ts';
import { implementationLabel } from './junit.ts';
import type { CaseRecord, ResultsDocument, RunRecord } from './results.ts';
import { timingPlotSvg } from './timing-plot.ts';
import { readTimeline, type Timeline } from './transcript-timeline.ts';

export interface LoadedResults {
  doc: ResultsDocument;
  /** Folder the results.json lives in (its relative paths start there). */
  dir: string;
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
  counts: RunRecord['counts'];
  exitCode: number;
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
}

export interface ReportData {
  generatedAt: string;
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
  const rows = new Map<string, RowData>();
  const cells: Record<string, CellData> = {};
  const labels = new Map<string, number>();
  for (const [di, { doc, dir }] of inputs.entries()) {
    for (const [ri, run] of doc.runs.entries()) {
      let label = implementationLabel(run);
      const seen = labels.get(label) ?? 0;
      labels.set(label, seen + 1);
      if (seen > 0) label = `${label} (${doc.runId})`;
      // Position-based, so two documents with the same run id (same second, same seed) never collide.
      const key = `${di}-${ri}`;
      columns.push({
        key,
        side: run.side,
        label,
        target: run.target,
        runId: doc.runId,
        harness: `${doc.harness.name} ${doc.harness.version}`,
        seed: doc.seed,
        ...(run.setupError ? { setupError: run.setupError } : {}),
        counts: run.counts,
        exitCode: doc.gate.exitCode,
      });
      for (const c of run.cases) {
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
        const fromOut = (p: string) => relative(resolve(outDir), resolve(dir, p)).split('\\').join('/');
        const timingSeries = c.attempts.length > 1 ? c.attempts.map((a) => a.timings ?? []) : [c.timings];
        const plot = timingSeries.some((s) => s.length > 0) ? timingPlotSvg(timingSeries) : undefined;
        const timeline = c.transcript ? await readTimeline(resolve(dir, c.transcript), c.verdict === 'PASS' ? 150 : 400) : undefined;
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
          ...(c.transcript ? { transcript: fromOut(c.transcript) } : {}),
          ...(timeline ? { timeline } : {}),
          ...(c.logs ? { logs: c.logs.map(fromOut) } : {}),
          ...(c.baselineReason ? { baselineReason: c.baselineReason } : {}),
          ...(c.repro ? { repro: fromOut(c.repro) } : {}),
          ...(c.rerun ? { rerun: c.rerun } : {}),
          ...(c.replay ? { replay: c.replay } : {}),
        };
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) => (a.side === b.side ? a.id.localeCompare(b.id) : a.side === 'sdk' ? -1 : 1));
  return { generatedAt: new Date().toISOString(), columns, rows: sorted, cells };
}

/** JSON inside <script>: `<` escaped so no string in the data can close the element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderHtml(data: ReportData, title = 'iii-conformance report'): string {
  const impls = data.columns.map((c) => c.label).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
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
<script>${asset('report.js')}</script>
</body>
</html>
`;
}

export async function writeHtmlReport(outFile: string, inputs: readonly LoadedResults[], title?: string): Promise<void> {
  const outDir = dirname(resolve(outFile));
  const data = await collectReportData(inputs, outDir);
  await mkdir(outDir, { recursive: true });
  await writeFile(outFile, renderHtml(data, title));
}

export function defaultHtmlPath(dir: string): string {
  return join(dir, 'index.html');
}
