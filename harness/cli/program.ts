// The `iii-conformance` command line (commander). Every command returns an exit code; every expected
// failure is an error with one clear message (errors.ts), printed without a stack trace.

import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '../baselines/gate.ts';
import { INTERNAL_ERROR_EXIT, SetupError, UsageError } from './errors.ts';
import { harnessVersion, type CliIO } from './io.ts';
import { addRunOptions, parseRunOptions, type RawRunOptions } from './options.ts';
import type { FuzzOptions } from './fuzz-cmd.ts';
import { DEFAULT_ENGINE_PORT, parseEngineTarget, parseSdkTarget, type EngineOptionValues } from './targets.ts';
import type { ReplayOptions } from './replay-cmd.ts';
import type { ReportOptions } from './report-cmd.ts';
import type { SidePlan } from './run-job.ts';
import type { ServeOptions } from './serve.ts';
import type { CaseDefinition } from '../cases/model.ts';
import type { SdkTargetSpec } from '../cases/catalogue.ts';
import { resolve } from 'node:path';
import { linesForTerminal } from '../util/terminal.ts';

// Each subcommand imports what it runs only when it runs: `--help` and a bad argument answer without
// loading the runner, the reports, the fake peers or the reference engine (start-up: bench/startup.ts).
const runJob: typeof import('./run-job.ts').runJob = async (...args) => (await import('./run-job.ts')).runJob(...args);
const fuzz: typeof import('./fuzz-cmd.ts').fuzz = async (...args) => (await import('./fuzz-cmd.ts')).fuzz(...args);

const EXIT_CODES_HELP = `
Exit codes:
  0  every MUST case passes (and SHOULD with --strict), known failures in the baseline aside
  1  a regression (a failure not in the baseline) or a stale baseline entry (a listed case now passes)
  2  undecided: a case is INDETERMINATE (timing could not be judged on this machine; try --time-scale)
  3  bad arguments
  4  set-up failure: engine unreachable, driver did not start, target could not be opened, or a case ERROR
  5  internal error of the harness (a bug: please report it)
  130 interrupted (Ctrl-C)`;

const EXAMPLES = `
Examples:
  iii-conformance                                  SDK catalogue vs the bundled Node SDK + engine catalogue vs the reference engine
  iii-conformance sdk python --case 'sdk.reconnect.*'
  iii-conformance sdk python --sdk-source ../iii/sdk/packages/python/iii     your working copy (built and cached)
  iii-conformance sdk node@0.22.0 node@0.22.1 python@0.24.0                   published releases, one matrix
  iii-conformance sdk cmd:"./target/release/my-driver" --baseline conformance-baseline.json
  iii-conformance engine --engine-url ws://127.0.0.1:49134 --strict
  iii-conformance fuzz sdk python --frames 10000
  iii-conformance list --json
  iii-conformance serve --fake --port 49134
  iii-conformance replay reports/<run>/repro/sdk/<case id>/
  iii-conformance report reports/*/results.json -o reports/matrix.html`;

export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('iii-conformance');
  const write = (stream: CliIO['stdout']) => (text: string) => void stream.write(text);
  program
    .description('Conformance harness for the iii worker protocol: checks worker SDKs against a scriptable fake engine, and engines against fake workers.')
    .version(harnessVersion(), '-V, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: write(io.stdout),
      writeErr: write(io.stderr),
      outputError: (text, w) => w(`iii-conformance: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText('after', `${EXIT_CODES_HELP}\n${EXAMPLES}`);

  // No subcommand: the main job on the embedded defaults.
  addRunOptions(program).action(async (raw: RawRunOptions) => {
    const options = parseRunOptions(raw, io.env);
    const plans: SidePlan[] = [
      { side: 'sdk', spec: { kind: 'builtin', sdk: 'node' } },
      { side: 'engine', spec: { kind: 'reference' } },
    ];
    exitCode = await runJob(plans, options, io, argv);
  });

  addRunOptions(
    program
      .command('sdk')
      .description(
        'run the SDK catalogue against one or more SDKs: node, python, rust, go (the pinned release), browser (III_BROWSER_SDK_DIR), <sdk>@<version> (a published release), <sdk> --sdk-source <dir> (your working copy), or cmd:"<command>" for any driver that speaks fixtures/drivers/README.md. Several targets make one report with a column each.',
      )
      .argument('<target...>', 'node | python | rust | go | browser | <sdk>@<version> | cmd:"<command>"')
      .option(
        '--sdk-source <dir>',
        'build the bundled driver against this SDK source tree (e.g. ../iii/sdk/packages/python/iii); cached by content outside the checkout',
      )
      .exitOverride(),
  ).action(async (targets: string[], raw: RawRunOptions & { sdkSource?: string }) => {
    const specs = sdkTargetsOf(targets, raw.sdkSource, io);
    const options = parseRunOptions(raw, io.env);
    exitCode = await runJob(
      specs.map((spec) => ({ side: 'sdk', spec })),
      options,
      io,
      argv,
    );
  });

  addRunOptions(
    program
      .command('engine')
      .description('run the engine catalogue against an engine (default: the embedded reference engine)')
      .option('--engine-url <url>', 'an engine that is already running, e.g. ws://127.0.0.1:49134')
      .option('--engine-cmd <command>', 'start the engine with this command (it must listen on --engine-url, default ws://127.0.0.1:49134)')
      .option('--engine-image <image>', 'start the engine from this container image (needs Docker)')
      .option(
        '--engine-name <name[@version]>',
        'name (and version) the engine is reported and baselined under, over what it says of itself (default: iii-engine at the version its engine::workers::list gives, else the target)',
      )
      .exitOverride(),
  ).action(async (raw: RawRunOptions & EngineOptionValues) => {
    const spec = parseEngineTarget(raw);
    const options = parseRunOptions(raw, io.env);
    exitCode = await runJob([{ side: 'engine', spec }], options, io, argv);
  });

  addRunOptions(
    program
      .command('fuzz')
      .description(
        'the fuzz lane only: schema-derived frames, valid and mutated, thrown at an SDK through the fake engine or at an engine through fake workers; prints frames and frames/s per side',
      )
      .argument('<side>', 'sdk | engine')
      .argument('[target]', 'with sdk: node | python | rust | go | cmd:"<command>"')
      .option('--frames <n>', 'frames per side (default: $III_CONFORMANCE_FUZZ_FRAMES or 10000)')
      .option('--engine-url <url>', 'with engine: an engine that is already running')
      .option('--engine-cmd <command>', 'with engine: start the engine with this command (it must listen on --engine-url, default ws://127.0.0.1:49134)')
      .option('--engine-image <image>', 'with engine: start the engine from this container image (needs Docker)')
      .exitOverride(),
  ).action(async (side: string, target: string | undefined, raw: FuzzOptions) => {
    exitCode = await fuzz(side, target, raw, io, argv);
  });

  program
    .command('list')
    .description('list the cases: id, level, title, lane, capabilities needed, sources')
    .argument('[side]', 'sdk | engine (default: both)')
    .addOption(new Option('-c, --case <id|glob>', 'only matching cases; repeatable').argParser((v: string, p: string[] = []) => [...p, v]))
    .option('--json', 'print JSON (one array of cases)')
    .exitOverride()
    .action(async (side: string | undefined, opts: { json?: boolean; case?: string[] }) => {
      if (side !== undefined && side !== 'sdk' && side !== 'engine')
        throw new UsageError(`list: unknown side "${side}": use sdk or engine (or nothing for both)`);
      const sides: ('sdk' | 'engine')[] = side ? [side] : ['sdk', 'engine'];
      const { listedCases, printCaseTable } = await import('./list.ts');
      const tables = [];
      for (const s of sides) {
        let cases: readonly CaseDefinition<unknown>[];
        try {
          cases = (s === 'sdk' ? await io.loadSdkCatalogue() : await io.loadEngineCatalogue()).cases;
        } catch (e) {
          throw new SetupError(`the ${s} catalogue could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
        }
        tables.push({ side: s, cases: listedCases(s, cases, opts.case ?? []), total: cases.length });
      }
      if (opts.json)
        io.stdout.write(
          `${JSON.stringify(
            tables.flatMap((t) => t.cases),
            null,
            2,
          )}\n`,
        );
      else printCaseTable(io.stdout, tables);
    });

  program
    .command('serve')
    .description(`run the reference engine (or --fake, the scriptable fake engine that prints every frame) for manual debugging with real SDK workers`)
    .option('--fake', 'the fake engine instead of the reference engine; prints every frame')
    .option('--port <port>', 'port to listen on (0 = any free port)', String(DEFAULT_ENGINE_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--transcript <file>', 'with --fake: also write the transcript (JSON Lines) to this file')
    .option('--verbose', 'with the reference engine: debug logs too')
    .exitOverride()
    .action(async (opts: ServeOptions) => {
      const { serve } = await import('./serve.ts');
      exitCode = await serve(opts, io);
    });

  program
    .command('replay')
    .description('play a recorded transcript (or a repro bundle) against a live implementation and show the first frame that diverges')
    .argument('<file>', 'transcript (.jsonl), repro bundle folder, or its bundle.json')
    .option('--sdk <target>', 'play the recorded engine side against this SDK: node | python | rust | go | browser | cmd:"<command>"')
    .option('--engine-url <url>', 'play the recorded worker side against this engine (default: the reference engine)')
    .option('--step-timeout <ms>', 'how long to wait for each recorded frame of the other side')
    .option('--print', 'also print the recording as a timeline (E→W / W→E), the diverging frame marked')
    .option('--minimize [file]', 'shrink a diverging transcript to the fewest frames that diverge the same way; write it (default minimal.jsonl)')
    .exitOverride()
    .action(async (file: string, opts: ReplayOptions) => {
      const { replay } = await import('./replay-cmd.ts');
      exitCode = await replay(file, opts, io);
    });

  program
    .command('report')
    .description('merge results.json files into one HTML matrix (implementations × cases)')
    .argument('<results...>', 'results.json files')
    .option('-o, --output <file>', 'HTML file to write', 'reports/index.html')
    .option('--junit <file>', 'also write one merged JUnit XML')
    .option('--title <text>', 'page title')
    .exitOverride()
    .action(async (files: string[], opts: ReportOptions) => {
      const { report } = await import('./report-cmd.ts');
      exitCode = await report(files, opts, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    return handleError(e, io);
  }
}

/** The targets of `sdk`: --sdk-source goes with exactly one bundled SDK; III_GO_SDK_DIR is --sdk-source for go. */
function sdkTargetsOf(targets: readonly string[], sourceDir: string | undefined, io: CliIO): SdkTargetSpec[] {
  if (sourceDir?.trim() === '') throw new UsageError('--sdk-source needs the folder of the SDK package, e.g. --sdk-source ../iii/sdk/packages/python/iii');
  if (sourceDir !== undefined && targets.length !== 1) throw new UsageError('--sdk-source names the tree of one SDK: give exactly one target with it');
  const goDir = io.env.III_GO_SDK_DIR;
  return targets.map((t) => {
    const dir = sourceDir ?? (t === 'go' && goDir ? goDir : undefined);
    return parseSdkTarget(t, dir === undefined ? undefined : resolve(io.cwd, dir));
  });
}

function handleError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    // --help and --version end through here with code 0; commander has already printed the message.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' || e.exitCode === 0) return EXIT.ok;
    io.stderr.write(`Run \`iii-conformance --help\` for the commands and options.\n`);
    return EXIT.usage;
  }
  // Messages may quote a driver (its stderr tail, its error text): every line printed inert.
  if (e instanceof UsageError) {
    io.stderr.write(`iii-conformance: ${linesForTerminal(e.message)}\n`);
    return EXIT.usage;
  }
  if (e instanceof SetupError) {
    io.stderr.write(`iii-conformance: ${linesForTerminal(e.message)}\n`);
    return EXIT.setup;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr.write(`iii-conformance: internal error: ${linesForTerminal(err.message)}\n`);
  if (io.env.III_CONFORMANCE_DEBUG) io.stderr.write(`${err.stack ?? ''}\n`);
  else io.stderr.write('This is a bug in the harness. Set III_CONFORMANCE_DEBUG=1 to see the stack trace, and please report it.\n');
  return INTERNAL_ERROR_EXIT;
}
