// junit.xml for CI test views (GitHub Actions reporters, GitLab, Jenkins): one <testsuite> per
// implementation run, one <testcase> per case. FAIL -> <failure>, ERROR -> <error>, INDETERMINATE ->
// <error type="INDETERMINATE"> (undecided is never shown green), UNSUPPORTED -> <skipped>. The gate status
// (regression, known-failure, non-gating) is the failure's `type`, so a known failure reads as such.

import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import junitModule from 'junit-report-builder';
import type { Builder } from 'junit-report-builder';
import type { CaseRecord, ResultsDocument } from './results.ts';
import { implementationLabel } from './implementation-label.ts';
import { planColumns } from './shards.ts';

// CommonJS module: at run time the default import is the builder itself; the typings wrap it in `default`.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

export { implementationLabel };

function details(c: CaseRecord): string {
  const lines = [c.summary];
  if (c.expected !== undefined) lines.push(`expected: ${JSON.stringify(c.expected, null, 2)}`);
  if (c.actual !== undefined) lines.push(`actual:   ${JSON.stringify(c.actual, null, 2)}`);
  for (const t of c.timings.filter((s) => s.verdict !== 'PASS')) {
    lines.push(
      `timing ${t.label}: measured ${t.measuredMs} ms, allowed ${t.allowedMinMs}..${t.allowedMaxMs} ms (+${t.slackMs} ms slack) -> ${t.verdict}${t.reason ? ` (${t.reason})` : ''}`,
    );
  }
  if (c.transcript) lines.push(`transcript: ${c.transcript}`);
  if (c.repro) lines.push(`repro bundle: ${c.repro}`);
  if (c.rerun) lines.push(`rerun: ${c.rerun}`);
  return lines.join('\n');
}

function systemOut(c: CaseRecord): string {
  const lines = [`[${c.level}] ${c.title}`, `sources: ${c.sources.map((s) => `${s.document} ${s.section}`).join('; ')}`, `seed: ${c.seed}`];
  if (c.verdict === 'UNSUPPORTED') lines.push(`unsupported: ${c.summary}`);
  if (c.flaky) lines.push(`flaky: verdicts across repeats were ${c.attempts.map((a) => a.verdict).join(', ')}`);
  if (c.baselineReason) lines.push(`baseline: ${c.baselineReason}`);
  if (c.disagreement) lines.push(`disagreement: ${c.disagreement}`);
  return lines.join('\n');
}

export function buildJunit(docs: readonly ResultsDocument[]): string {
  const builder = junit.newBuilder().name('iii-conformance');
  // The shards of one implementation (--shard i/n) share one suite, as they share one matrix column.
  const plan = planColumns(docs);
  const suites = new Map<string, { suite: ReturnType<Builder['testSuite']>; seconds: number }>();
  for (const [di, doc] of docs.entries()) {
    for (const [ri, run] of doc.runs.entries()) {
      if (plan.isDuplicate(di, ri)) continue;
      const label = implementationLabel(run);
      const key = plan.keyOf(di, ri);
      let entry = suites.get(key);
      if (!entry) {
        const created = builder
          .testSuite()
          .name(`${run.side}: ${label}`)
          .timestamp(new Date(run.startedAt))
          .property('harness', `${doc.harness.name} ${doc.harness.version}`)
          .property('seed', String(doc.seed))
          .property('target', run.target);
        entry = { suite: created, seconds: 0 };
        suites.set(key, entry);
      }
      // A merged suite's time is the sum of its shards' (the runner time spent, not the wall clock).
      entry.seconds += run.durationMs / 1000;
      const suite = entry.suite.time(entry.seconds);
      const shard = doc.options.shard;
      if (shard) suite.property('shard', `${shard.index}/${shard.count} seed ${doc.seed}`);
      if (run.setupError) suite.property('setup-error', run.setupError);
      if (run.identityMismatch) suite.property('identity-mismatch', run.identityMismatch);
      for (const c of run.cases) {
        const tc = suite
          .testCase()
          .className(`${run.side}.${label}`)
          .name(c.id)
          .time(c.durationMs / 1000)
          .standardOutput(systemOut(c));
        const prefix = c.status === 'known-failure' ? '[known failure] ' : c.status === 'non-gating' ? `[${c.level}, not gating] ` : '';
        switch (c.verdict) {
          case 'FAIL':
            tc.failure(`${prefix}${c.summary}`, c.status).stacktrace(details(c));
            break;
          case 'ERROR':
            tc.error(`${prefix}${c.summary}`, 'ERROR', details(c));
            break;
          case 'INDETERMINATE':
            tc.error(`${prefix}undecided: ${c.summary}`, 'INDETERMINATE', details(c));
            break;
          case 'UNSUPPORTED':
            tc.skipped();
            break;
          case 'PASS':
            break;
        }
      }
    }
  }
  // The builder puts a `skipped` count on <testsuites>; Jenkins' JUnit schema does not allow it there
  // (it is kept on each <testsuite>), so it is removed for the report to validate.
  return builder.build().replace(/<testsuites([^>]*?) skipped="\d+"/, '<testsuites$1');
}

export async function writeJunit(path: string, docs: readonly ResultsDocument[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buildJunit(docs));
}
