// `report <results.json...>`: merges several runs (Node vs Python vs Rust vs Go, or two versions of one
// SDK) into one HTML matrix (and optionally one JUnit file); the `--shard i/n` runs of one implementation
// fill one column (reports/shards.ts), and a missing or repeated shard is named. Exit 2 when a merged column
// is incomplete (a shard absent, mixed selections, an impossible shard): the matrix is written, but a CI
// step that merges shards must not read it as every case judged.

import { dirname, resolve, relative } from 'node:path';
import { readResultsWithNotes, ResultsReadError, type ResultsDocument } from '../reports/results.ts';
import { forTerminal } from '../util/terminal.ts';
import { writeHtmlReport } from '../reports/html.ts';
import { writeJunit } from '../reports/junit.ts';
import { planColumns } from '../reports/shards.ts';
import { UsageError } from './errors.ts';
import type { CliIO } from './io.ts';

export interface ReportOptions {
  output?: string;
  junit?: string;
  title?: string;
}

export async function report(files: readonly string[], options: ReportOptions, io: CliIO): Promise<number> {
  if (files.length === 0) throw new UsageError('report needs at least one results.json, e.g. iii-conformance report reports/*/results.json');
  const loaded: { doc: ResultsDocument; dir: string; notes: string[] }[] = [];
  for (const f of files) {
    const path = resolve(io.cwd, f);
    try {
      loaded.push({ ...(await readResultsWithNotes(path)), dir: dirname(path) });
    } catch (e) {
      if (e instanceof ResultsReadError) throw new UsageError(forTerminal(e.message));
      throw e;
    }
  }
  const out = resolve(io.cwd, options.output ?? 'reports/index.html');
  // Shards of one implementation (--shard i/n) become one column; a missing or repeated shard is said first.
  const plan = planColumns(loaded.map((l) => l.doc));
  const shardProblems = plan.problems;
  for (const p of shardProblems) io.stderr.write(`report: ${forTerminal(p)}\n`);
  // The page lists the shard problems first among its notes; they were printed just above.
  const notes = (await writeHtmlReport(out, loaded, options.title)).slice(shardProblems.length);
  // The results files are someone else's: what the report refused to read is said, never silently dropped.
  for (const n of notes.slice(0, 20)) io.stderr.write(`report: left out: ${forTerminal(n)}\n`);
  if (notes.length > 20) io.stderr.write(`report: … and ${notes.length - 20} more (listed at the top of the HTML report)\n`);
  const runs = loaded.reduce((n, l) => n + l.doc.runs.length, 0);
  const columns = new Set(loaded.flatMap((l, di) => l.doc.runs.map((_r, ri) => plan.keyOf(di, ri)))).size;
  const merged = columns < runs ? ` in ${columns} column${columns === 1 ? '' : 's'}` : '';
  const cells = loaded.reduce((n, l) => n + l.doc.runs.reduce((m, r) => m + r.cases.length, 0), 0);
  io.stdout.write(
    `report: ${loaded.length} results file${loaded.length === 1 ? '' : 's'}, ${runs} implementation run${runs === 1 ? '' : 's'}${merged}, ${cells} result${cells === 1 ? '' : 's'} -> ${relative(io.cwd, out)}\n`,
  );
  if (options.junit) {
    const junitOut = resolve(io.cwd, options.junit);
    await writeJunit(
      junitOut,
      loaded.map((l) => l.doc),
    );
    io.stdout.write(`report: JUnit -> ${relative(io.cwd, junitOut)}\n`);
  }
  if (plan.incomplete) {
    io.stderr.write('report: exit 2: a merged column is incomplete (above), so some of its cases were not judged\n');
    return 2;
  }
  return 0;
}
