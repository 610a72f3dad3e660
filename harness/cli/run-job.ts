// A run: load the catalogues, select cases, check targets, run each side, apply baselines, decide the
// exit code, and write results.json, junit.xml, index.html and repro bundles into the report folder.

import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { EngineTargetSpec, SdkTargetSpec } from '../cases/catalogue.ts';
import type { CaseDefinition } from '../cases/model.ts';
import { assertCatalogue } from '../cases/model.ts';
import { DEFAULT_TOLERANCE, type ToleranceModel } from '../timing/tolerance.ts';
import { createProgress } from '../runner/progress.ts';
import { runCatalogue } from '../runner/run-catalogue.ts';
import { randomBaseSeed } from '../runner/seed.ts';
import { inShard, selectCases, unmatchedPatterns } from '../runner/select.ts';
import type { CatalogueRun } from '../runner/types.ts';
import { BaselineError, defaultBaselinePath, loadBaseline, regenerateBaseline, writeBaseline, type Baseline } from '../baselines/baseline.ts';
import { EXIT, evaluateGate } from '../baselines/gate.ts';
import { baselinesOf, nearestEarlierBaseline } from '../baselines/nearest.ts';
import type { Implementation } from '../cases/model.ts';
import { sdkBaselineKey } from '../baselines/baseline-key.ts';
import { buildResults, writeResults } from '../reports/results.ts';
import { writeJunit } from '../reports/junit.ts';
import { writeHtmlReport } from '../reports/html.ts';
import { needsRepro, writeReproBundle } from '../reports/repro.ts';
import { SetupError, UsageError } from './errors.ts';
import { packagePath } from '../paths.ts';
import { PACKAGE_ROOT, harnessVersion, type CliIO, type EngineCatalogue, type SdkCatalogue } from './io.ts';
import type { RunOptions } from './options.ts';
import { checkCommandExists, checkEngineReachable, commandLine, engineTargetLabel, targetArgs } from './targets.ts';
import { describeTarget } from '../targets/sdk/label.ts';
import { printSummary, type SideNote } from './summary.ts';
import { CLI_NAME } from './cli-name.ts';
import { implementationName } from '../targets/implementation-name.ts';

export type SidePlan = { side: 'sdk'; spec: SdkTargetSpec } | { side: 'engine'; spec: EngineTargetSpec };

interface LoadedSide {
  plan: SidePlan;
  label: string;
  catalogue: SdkCatalogue | EngineCatalogue;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function loadCatalogue(side: 'sdk' | 'engine', io: CliIO): Promise<SdkCatalogue | EngineCatalogue> {
  let catalogue: SdkCatalogue | EngineCatalogue;
  try {
    catalogue = side === 'sdk' ? await io.loadSdkCatalogue() : await io.loadEngineCatalogue();
  } catch (e) {
    throw new SetupError(`the ${side} catalogue could not be loaded: ${messageOf(e)}. This is a defect of the checkout: run \`npm ci\` again, or report it.`);
  }
  try {
    assertCatalogue(catalogue.cases);
  } catch (e) {
    throw new SetupError(`the ${side} catalogue is invalid: ${messageOf(e)}`);
  }
  return catalogue;
}

export function makeRunId(now: Date, seed: number): string {
  const iso = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${iso.slice(0, 8)}-${iso.slice(9, 15)}-${seed.toString(36)}`;
}

async function preflight(plan: SidePlan, io: CliIO): Promise<void> {
  if (plan.side === 'sdk') {
    if (plan.spec.kind === 'cmd') await checkCommandExists(plan.spec.command, 'the driver command', io.env, io.cwd);
    return;
  }
  const spec = plan.spec;
  if (spec.kind === 'url') await checkEngineReachable(spec.url);
  if (spec.kind === 'cmd') await checkCommandExists(spec.command, '--engine-cmd', io.env, io.cwd);
}

/**
 * The baseline of an implementation's own version, else (a version the harness has no file for) one line
 * naming the nearest earlier baseline and how to use it; with --baseline-from nearest it is used, as a
 * borrowed baseline (its failures are known, its fixed entries are not stale). Without it, failures
 * count as they would with no baseline at all: exit 1 on a gating failure, said out loud here.
 */
async function defaultBaselineFor(
  implementation: Pick<Implementation, 'name' | 'version'>,
  from: RunOptions['baselineFrom'],
  io: CliIO,
): Promise<Baseline | undefined> {
  const own = defaultBaselinePath(PACKAGE_ROOT, implementation);
  const exact = await loadBaseline(own, false);
  if (exact) return exact;
  const nearest = nearestEarlierBaseline(PACKAGE_ROOT, implementation);
  const who = implementationName(implementation);
  // An implementation the harness keeps no baselines for at all (the reference engine, a cmd: driver) is
  // gated without one, as always; the note is for a known SDK at a version it has not seen.
  if (!nearest && baselinesOf(PACKAGE_ROOT, implementation).length === 0) return undefined;
  if (!nearest) {
    io.stdout.write(`No baseline for ${who} (${relative(PACKAGE_ROOT, own)}) and none for an earlier version: every gating failure counts.\n`);
    return undefined;
  }
  const path = relative(io.cwd, nearest.path).startsWith('..') ? nearest.path : relative(io.cwd, nearest.path);
  if (from === 'nearest') {
    io.stdout.write(`No baseline for ${who}: using the nearest earlier one, ${path} (--baseline-from nearest); its entries that now pass are not stale.\n`);
    const borrowed = await loadBaseline(nearest.path, true);
    return borrowed ? { ...borrowed, borrowedFor: implementation.version } : undefined;
  }
  io.stdout.write(
    `No baseline for ${who}: the nearest earlier is ${path}; its known failures count as regressions here unless you pass --baseline ${path} or --baseline-from nearest.\n`,
  );
  return undefined;
}

export async function runJob(plans: readonly SidePlan[], options: RunOptions, io: CliIO, argv: readonly string[]): Promise<number> {
  const startedAt = new Date();
  const sides: LoadedSide[] = [];
  for (const plan of plans) {
    const label = plan.side === 'sdk' ? describeTarget(plan.spec) : engineTargetLabel(plan.spec);
    sides.push({ plan, label, catalogue: await loadCatalogue(plan.side, io) });
  }
  // Every id of every catalogue, also the side not run, so a baseline entry naming no case is caught.
  const knownIds = new Set<string>();
  for (const s of sides) for (const c of s.catalogue.cases) knownIds.add(c.id);
  for (const other of (['sdk', 'engine'] as const).filter((side) => !plans.some((p) => p.side === side))) {
    try {
      for (const c of (await loadCatalogue(other, io)).cases) knownIds.add(c.id);
    } catch {
      // Best effort: the other side's catalogue is not needed for this run.
    }
  }

  const ranIds = sides.flatMap((s) => s.catalogue.cases.map((c) => c.id));
  const unknown = unmatchedPatterns(options.cases, ranIds);
  if (unknown.length > 0) {
    const total = ranIds.length;
    throw new UsageError(
      `no case matches ${unknown.map((p) => `"${p}"`).join(', ')} (${total} case${total === 1 ? '' : 's'} in the ${plans.map((p) => p.side).join(' and ')} catalogue${plans.length > 1 ? 's' : ''}). See the ids with \`iii-conformance list\`.`,
    );
  }

  let explicitBaseline: Baseline | undefined;
  if (typeof options.baseline === 'string') {
    try {
      explicitBaseline = await loadBaseline(resolve(io.cwd, options.baseline), !options.updateBaseline);
    } catch (e) {
      if (e instanceof BaselineError) throw new UsageError(e.message);
      throw e;
    }
  }

  for (const s of sides) await preflight(s.plan, io);

  const seed = options.seed ?? randomBaseSeed();
  const runId = makeRunId(startedAt, seed);
  const reportDir = resolve(io.cwd, options.reportDir ?? join('reports', runId));
  const shown = (p: string) => {
    const rel = relative(io.cwd, p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };
  try {
    await mkdir(reportDir, { recursive: true });
  } catch (e) {
    // A file where the folder should be is a mistake in the arguments (exit 3), not in the machine.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new UsageError(`--report-dir ${reportDir} names a file (or a path through one), not a folder: pass a folder`);
    throw new SetupError(`cannot create the report folder ${reportDir}: ${messageOf(e)}. Pass a writable --report-dir.`);
  }
  const tolerance: ToleranceModel = { ...DEFAULT_TOLERANCE, timeScale: options.timeScale };
  const version = harnessVersion();
  io.stdout.write(
    `iii-conformance ${version} · seed ${seed}${options.shard ? ` · shard ${options.shard.index}/${options.shard.count}` : ''} · reports in ${shown(reportDir)}/\n`,
  );

  const progress = createProgress(io.stdout, io.env);
  const runs: CatalogueRun[] = [];
  const runPlans: LoadedSide[] = [];
  const notes: SideNote[] = [];
  for (const s of sides) {
    const selection = selectCases(s.catalogue.cases as readonly CaseDefinition<unknown>[], options.cases, options.slow);
    // The shard is cut from the selection, so that n runners with the same options cover it exactly once.
    const selected = inShard(selection.selected, options.shard);
    const skippedSlow = inShard(selection.skippedSlow, options.shard);
    if (selected.length === 0) {
      notes.push({ side: s.plan.side, target: s.label, catalogueSize: s.catalogue.cases.length, skippedSlow: skippedSlow.length });
      continue;
    }
    if (io.signal?.aborted) break;
    if (s.plan.side === 'sdk' && s.plan.spec.kind === 'builtin') {
      const spec = s.plan.spec;
      if (spec.source) await (await import('./driver-setup.ts')).ensureSourceDriver(spec.sdk, spec.source, io.stdout, io.env);
      else if (options.setup && io.ensureDriver) await io.ensureDriver(spec.sdk, io.stdout);
    }
    // The catalogue and the target spec were loaded for the same side; the casts only join the two unions.
    const run = await runCatalogue(s.catalogue as SdkCatalogue, s.plan.spec as SdkTargetSpec, {
      targetLabel: s.label,
      cases: selected,
      skippedSlow: skippedSlow.map((c) => c.id),
      repeat: options.repeat,
      jobs: options.jobs,
      coldStart: options.coldStart,
      forkStart: options.forkStart,
      sdkBundle: options.sdkBundle,
      baseSeed: seed,
      tolerance,
      artifactsRoot: join(reportDir, 'artifacts', s.plan.side),
      progress,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    runs.push(run);
    runPlans.push(s);
  }

  // Default baseline files are keyed by the target the user named, not by what the driver claims
  // (baseline-key.ts); a claim that differs is named in the summary and in results.json.
  const identityMismatches: (string | undefined)[] = [];
  const baselineKeys = runs.map((run, i): Pick<Implementation, 'name' | 'version'> | undefined => {
    if (!run.implementation) return undefined; // a target that did not open (or a mismatched claim, below) has no baseline
    const plan = runPlans[i]?.plan;
    if (plan?.side !== 'sdk') return run.implementation;
    const { key, mismatch } = sdkBaselineKey(plan.spec, run.implementation);
    identityMismatches[i] = mismatch;
    return key;
  });
  const defaultPaths = baselineKeys.map((key) => (key ? defaultBaselinePath(PACKAGE_ROOT, key) : undefined));

  // Baselines: the one named, else each implementation's default file when it exists.
  let baselines: (Baseline | undefined)[] = [];
  for (const [i, defaultPath] of defaultPaths.entries()) {
    const key = baselineKeys[i];
    if (options.baseline === false) baselines.push(undefined);
    else if (explicitBaseline) baselines.push(explicitBaseline);
    else if (typeof options.baseline === 'string')
      baselines.push(undefined); // --update-baseline on a new file
    else if (defaultPath) {
      try {
        baselines.push(key ? await defaultBaselineFor(key, options.baselineFrom, io) : undefined);
      } catch (e) {
        throw new SetupError(messageOf(e));
      }
    } else baselines.push(undefined);
  }
  const written: { path: string; entries: number }[] = [];
  if (options.updateBaseline) {
    const byPath = new Map<string, { previous: Baseline | undefined; runs: CatalogueRun[] }>();
    for (const [i, run] of runs.entries()) {
      const path = typeof options.baseline === 'string' ? resolve(io.cwd, options.baseline) : defaultPaths[i];
      if (!path) continue; // a target that did not open has no version to key a baseline on
      const entry = byPath.get(path) ?? { previous: baselines[i], runs: [] };
      entry.runs.push(run);
      byPath.set(path, entry);
    }
    const fresh = new Map<string, Baseline>();
    for (const [path, { previous, runs: its }] of byPath) {
      const next = regenerateBaseline(previous, path, its);
      await writeBaseline(next);
      fresh.set(path, next);
      written.push({ path: shown(path), entries: next.entries.size });
    }
    baselines = runs.map((_run, i) => {
      const path = typeof options.baseline === 'string' ? resolve(io.cwd, options.baseline) : defaultPaths[i];
      return (path && fresh.get(path)) || baselines[i];
    });
  }

  const gate = evaluateGate(runs, baselines, { strict: options.strict, knownIds });

  // Repro bundles for every case that did not pass.
  const repro = runs.map(() => new Map<string, { dir: string; command: string; replay?: string }>());
  for (const [i, run] of runs.entries()) {
    const plan = runPlans[i]?.plan;
    if (!plan) continue;
    const target = plan.side === 'sdk' ? targetArgs('sdk', plan.spec) : targetArgs('engine', plan.spec);
    // A target that never opened: one reason for every case, nothing per case to reproduce.
    if (run.setupError !== undefined) continue;
    for (const c of run.cases) {
      if (!needsRepro(c)) continue;
      const words = [...target, '--case', c.info.id, '--seed', String(seed)];
      if (options.timeScale !== 1) words.push('--time-scale', String(options.timeScale));
      const rerun = `${CLI_NAME} ${commandLine(words)}`;
      const dir = join(reportDir, 'repro', run.side, c.info.id);
      // replay takes the engine's address only: --engine-name is for gating, which a replay does not do.
      const replayTarget =
        plan.side === 'sdk' ? ['--sdk', target[1] as string] : target.slice(1).filter((w, k, all) => w !== '--engine-name' && all[k - 1] !== '--engine-name');
      const bundle = await writeReproBundle({
        dir,
        run,
        caseRun: c,
        baseSeed: seed,
        tolerance,
        harnessVersion: version,
        rerun,
        rerunFrom: { cwd: commandLine([io.cwd]), bin: commandLine([packagePath('bin', 'iii-conformance.mjs')]), args: commandLine(words) },
        // The bundle folder, not just its transcript: replay also re-sends the driver commands from its logs.
        // An absolute path, so that the command works from any directory; `replay --sdk` selects pinned
        // drivers only: for a tree or another version the rerun command is the way.
        replay: () =>
          plan.side === 'sdk' && plan.spec.kind === 'builtin' && plan.spec.source
            ? undefined
            : `${CLI_NAME} ${commandLine(['replay', `${dir}/`, ...replayTarget])}`,
      });
      repro[i]?.set(c.info.id, { dir, command: rerun, ...(bundle.replay ? { replay: bundle.replay } : {}) });
    }
  }

  const exitCode = io.signal?.aborted ? EXIT.interrupted : gate.exitCode;
  const doc = buildResults({
    runId,
    harnessVersion: version,
    startedAt: startedAt.toISOString(),
    seed,
    command: [...argv],
    options: {
      strict: options.strict,
      repeat: options.repeat,
      jobs: options.jobs,
      timeScale: options.timeScale,
      slow: options.slow,
      cases: options.cases,
      ...(options.shard ? { shard: options.shard } : {}),
    },
    runs,
    gate: { ...gate, exitCode },
    baselines,
    reportDir,
    repro,
    identityMismatches,
  });
  const files = { results: join(reportDir, 'results.json'), junit: join(reportDir, 'junit.xml'), html: join(reportDir, 'index.html') };
  try {
    await writeResults(files.results, doc);
    await writeJunit(files.junit, [doc]);
    await writeHtmlReport(files.html, [{ doc, dir: reportDir }]);
  } catch (e) {
    throw new SetupError(`the run finished but its reports could not be written to ${shown(reportDir)}: ${messageOf(e)}`);
  }

  printSummary(io.stdout, {
    runs,
    notes,
    gate: { ...gate, exitCode },
    statuses: gate.statuses,
    strict: options.strict,
    repro,
    baselines,
    written,
    files: { results: shown(files.results), junit: shown(files.junit), html: shown(files.html) },
    identityMismatches,
    shown,
    interrupted: io.signal?.aborted === true,
  });
  return exitCode;
}
