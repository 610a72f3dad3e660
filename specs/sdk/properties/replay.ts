// One command that replays a property counterexample against an SDK target:
//
//   npx tsx specs/sdk/properties/replay.ts --sdk go --property prop.sdk.backoff.counter-resets --seed 42 --path 0:0:0
//   npx tsx specs/sdk/properties/replay.ts --sdk go --counterexample reports/properties/<file>.json
//   npx tsx specs/sdk/properties/replay.ts --node-mutant backoff-no-cap --property prop.sdk.backoff.envelope --seed 7
//
// --seed/--path replay through fast-check (the same generated input, then shrinking on from it unless
// --no-shrink); --counterexample plays the saved input once. The transcript of what was replayed is
// written to reports/properties/replay-<property>/transcript.jsonl of the working directory. Exit code 1 when the property fails;
// a saved replay the loaded machine cannot judge is measured again up to 2 more times, then exits 2 (undecided).

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import type { OpenOptions, OpenedTarget } from '../../../harness/cases/catalogue.ts';
import { toleranceFromEnv } from '../../../harness/timing/tolerance.ts';
import type { SdkCaseContext } from '../context.ts';
import { launchSpecOf, openNodeMutantTarget, openSdkTarget } from '../target.ts';
import { findProperty } from './properties.ts';
import { runsFor, shrinkBudgetMs } from './budget.ts';
import { runOnce, runProperty, type Counterexample } from './run-property.ts';
import { DEFAULT_UNDECIDED_RETRIES } from '../../../harness/runner/run-catalogue.ts';

interface Flags {
  sdk?: string;
  cmd?: string;
  nodeMutant?: string;
  property?: string;
  seed?: string;
  path?: string;
  runs?: string;
  shrink: boolean;
  counterexample?: string;
  timeScale?: string;
  repeat: string;
}

async function main(): Promise<number> {
  const program = new Command()
    .name('replay')
    .description('Replay a reconnection-property counterexample against an SDK')
    .option('--sdk <name>', 'bundled driver: node, python, go, rust')
    .option('--cmd <command>', 'any driver that speaks the contract')
    .option('--node-mutant <id>', 'the real Node SDK with one seeded bug (fixtures/mutants/sdk/node)')
    .option('--property <id>', 'property id, e.g. prop.sdk.backoff.envelope')
    .option('--seed <n>', 'fast-check seed')
    .option('--path <path>', 'fast-check counterexample path')
    .option('--runs <n>', 'numRuns (default: the property budget; 1 with --path)')
    .option('--no-shrink', 'stop at the first failure')
    .option('--counterexample <file>', 'a saved counterexample file: play its input once')
    .option('--time-scale <x>', 'multiply every timing slack by x')
    .option('--repeat <n>', 'play a saved counterexample n times (a race may need several tries)', '1');
  program.parse();
  const flags = program.opts<Flags>();
  const saved = flags.counterexample ? (JSON.parse(await readFile(flags.counterexample, 'utf8')) as Counterexample) : undefined;
  const propertyId = flags.property ?? saved?.property;
  if (!propertyId) throw new Error('name a property (--property) or a saved counterexample (--counterexample)');
  const property = findProperty(propertyId);
  const seed = Number(flags.seed ?? saved?.seed ?? Date.now() % 2 ** 31);
  const tolerance = flags.timeScale ? { ...toleranceFromEnv(), timeScale: Number(flags.timeScale) } : toleranceFromEnv();
  // Beside the reports of a run started here (reports/ of the working directory), never inside the package.
  const artifactsDir = join(process.cwd(), 'reports', 'properties', `replay-${property.id}`);
  await mkdir(artifactsDir, { recursive: true });
  const options: OpenOptions = { tolerance, artifactsRoot: artifactsDir };
  let opened: OpenedTarget<SdkCaseContext>;
  if (flags.nodeMutant) opened = await openNodeMutantTarget(flags.nodeMutant.split('+'), options);
  else if (flags.cmd) opened = await openSdkTarget(launchSpecOf({ kind: 'cmd', command: flags.cmd }), options);
  else opened = await openSdkTarget(launchSpecOf({ kind: 'builtin', sdk: (flags.sdk ?? 'node') as 'node' | 'python' | 'go' | 'rust' }), options);
  const missing = property.requires.filter((c) => !opened.implementation.capabilities.includes(c));
  if (missing.length > 0) {
    console.log(`UNSUPPORTED: ${opened.implementation.name} does not declare ${missing.join(', ')}`);
    await opened.close();
    return 0;
  }
  const abort = new AbortController();
  const prepared = await opened.contextFactory({ caseId: property.id, seed, tolerance, artifactsDir, signal: abort.signal, judgesTiming: true });
  let failed = false;
  let exitUndecided = false;
  try {
    if (saved) {
      const repeat = Math.max(1, Number(flags.repeat) || 1);
      console.log(`replaying the saved counterexample of ${property.id} (seed ${saved.seed}, path ${saved.path}) ${repeat}×:\n${JSON.stringify(saved.input)}`);
      let failures = 0;
      let undecided = 0;
      for (let i = 1; i <= repeat; i++) {
        // As the runner does: a replay the loaded machine could not judge is measured again, up to 2 more times.
        let verdict = await runOnce(property, prepared.ctx, saved.input);
        for (let again = 0; verdict.verdict === 'INDETERMINATE' && again < DEFAULT_UNDECIDED_RETRIES; again++) {
          console.log(`#${i} INDETERMINATE (measuring again): ${verdict.summary}`);
          verdict = await runOnce(property, prepared.ctx, saved.input);
        }
        if (verdict.verdict === 'FAIL') failures++;
        if (verdict.verdict === 'INDETERMINATE') undecided++;
        console.log(`#${i} ${verdict.verdict}: ${verdict.summary}`);
        for (const t of verdict.timings ?? [])
          console.log(
            `  ${t.verdict.padEnd(13)} ${t.label}: ${t.measuredMs} ms in [${t.allowedMinMs}, ${t.allowedMaxMs}] + ${t.slackMs}${t.reason ? ` (${t.reason})` : ''}`,
          );
      }
      if (repeat > 1) console.log(`${failures} of ${repeat} replays failed`);
      failed = failures > 0;
      if (!failed && undecided > 0) exitUndecided = true;
    } else {
      const numRuns = flags.runs ? Number(flags.runs) : flags.path ? 1 : runsFor(property);
      console.log(
        `${property.id} against ${opened.implementation.name} ${opened.implementation.version}: seed ${seed}${flags.path ? `, path ${flags.path}` : ''}, ${numRuns} runs`,
      );
      const targetArg = flags.nodeMutant
        ? `--node-mutant ${flags.nodeMutant}`
        : flags.cmd
          ? `--cmd ${JSON.stringify(flags.cmd)}`
          : `--sdk ${flags.sdk ?? 'node'}`;
      const report = await runProperty(property, prepared.ctx, {
        seed,
        numRuns,
        shrinkBudgetMs: shrinkBudgetMs(),
        shrink: flags.shrink,
        targetArg,
        ...(flags.path ? { path: flags.path } : {}),
      });
      failed = report.outcome.verdict === 'FAIL';
      console.log(`${report.outcome.verdict}: ${report.outcome.summary}`);
      for (const f of report.outcome.findings ?? []) console.log(`  ${f.message}`);
      for (const t of report.outcome.timings ?? [])
        console.log(
          `  ${t.verdict.padEnd(13)} ${t.label}: ${t.measuredMs} ms in [${t.allowedMinMs}, ${t.allowedMaxMs}] + ${t.slackMs}${t.reason ? ` (${t.reason})` : ''}`,
        );
      if (report.counterexampleFile) console.log(`counterexample saved: ${report.counterexampleFile}`);
    }
  } finally {
    const artifacts = await prepared.collect().catch(() => ({ transcriptFile: undefined }));
    await prepared.dispose();
    abort.abort();
    await opened.close();
    if (artifacts.transcriptFile) console.log(`transcript: ${artifacts.transcriptFile}`);
  }
  return failed ? 1 : exitUndecided ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  },
);
