// `report <results.json...>`: merges several runs (Node vs Python vs Rust vs Go, or two versions of one
// SDK) into one HTML matrix (and optionally one JUnit file).

import { dirname, resolve, relative } from 'node:path';
import { readResults, ResultsReadError, type ResultsDocument } from '../reports/results.ts';
import { writeHtmlReport } from '../reports/html.ts';
import { writeJunit } from '../reports/junit.ts';
import { UsageError } from './errors.ts';
import type { CliIO } from './io.ts';

export interface ReportOptions {
  output?: string;
  junit?: string;
  title?: string;
}

export async function report(files: readonly string[], options: ReportOptions, io: CliIO): Promise<number> {
  if (files.length === 0) throw new UsageError('report needs at least one results.json, e.g. iii-conformance report reports/*/results.json');
  const loaded: { doc: ResultsDocument; dir: string }[] = [];
  for (const f of files) {
    const path = resolve(io.cwd, f);
    try {
      loaded.push({ doc: await readResults(path), dir: dirname(path) });
    } catch (e) {
      if (e instanceof ResultsReadError) throw new UsageError(e.message);
      throw e;
    }
  }
  const out = resolve(io.cwd, options.output ?? 'reports/index.html');
  await writeHtmlReport(out, loaded, options.title);
  const runs = loaded.reduce((n, l) => n + l.doc.runs.length, 0);
  const cells = loaded.reduce((n, l) => n + l.doc.runs.reduce((m, r) => m + r.cases.length, 0), 0);
  io.stdout.write(
    `report: ${loaded.length} results file${loaded.length === 1 ? '' : 's'}, ${runs} implementation run${runs === 1 ? '' : 's'}, ${cells} result${cells === 1 ? '' : 's'} -> ${relative(io.cwd, out)}\n`,
  );
  if (options.junit) {
    const junitOut = resolve(io.cwd, options.junit);
    await writeJunit(
      junitOut,
      loaded.map((l) => l.doc),
    );
    io.stdout.write(`report: JUnit -> ${relative(io.cwd, junitOut)}\n`);
  }
  return 0;
}
