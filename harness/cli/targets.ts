// Parsing what the user names as a target, checking it before anything starts, and turning a target back
// into the command-line words that select it (for rerun commands in repro bundles).

import { access, constants } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { EngineTargetSpec, SdkTargetSpec } from '../cases/catalogue.ts';
import { probeEngineUpgrade } from './engine-probe.ts';
import { SetupError, UsageError } from './errors.ts';
import { shellQuote } from '../util/shell-quote.ts';
import { IDENTIFIER_MAX_LENGTH, parseEngineName, type EngineNameOverride } from '../targets/engine/identity.ts';

export const BUILTIN_SDKS = ['node', 'python', 'rust', 'go', 'browser'] as const;
export const DEFAULT_ENGINE_PORT = 49134;
export const DEFAULT_ENGINE_URL = `ws://127.0.0.1:${DEFAULT_ENGINE_PORT}`;

type BuiltinName = (typeof BUILTIN_SDKS)[number];
const isBuiltin = (name: string): name is BuiltinName => (BUILTIN_SDKS as readonly string[]).includes(name);

/**
 * `node` (the pinned SDK), `python@0.24.0` (a published version, installed into the cache), or
 * `cmd:"…"`. `sourceDir` (--sdk-source) builds a bundled driver against that tree instead.
 */
export function parseSdkTarget(text: string, sourceDir?: string): SdkTargetSpec {
  const at = /^([a-z]+)@(.*)$/.exec(text);
  // The browser SDK has no registry release: a tree (--sdk-source, or III_BROWSER_SDK_DIR at set-up) is the way.
  if (at?.[1] === 'browser')
    throw new UsageError(
      'iii-browser-sdk is not published on npm, so browser takes no @<version>: give its source tree, sdk browser --sdk-source <checkout of sdk/packages/node/iii-browser>',
    );
  if (at && isBuiltin(at[1] ?? '')) {
    const version = at[2] ?? '';
    // Registry version syntax only: the version becomes a registry request, never a path, URL or flag.
    if (!/^v?\d+(\.[0-9A-Za-z-]+)*([+-][0-9A-Za-z.-]+)?$/.test(version)) {
      throw new UsageError(`"${text}": "${version}" is not a release version (e.g. ${at[1]}@0.25.0)`);
    }
    if (sourceDir !== undefined) throw new UsageError(`--sdk-source builds from a tree: name the SDK without a version (${at[1]} --sdk-source ${sourceDir})`);
    return { kind: 'builtin', sdk: at[1] as BuiltinName, source: { kind: 'published', version } };
  }
  if (isBuiltin(text)) {
    if (sourceDir !== undefined) {
      if (sourceDir.trim() === '') throw new UsageError('--sdk-source needs the folder of the SDK package, e.g. --sdk-source ../iii/sdk/packages/python/iii');
      return { kind: 'builtin', sdk: text, source: { kind: 'tree', dir: sourceDir } };
    }
    return { kind: 'builtin', sdk: text };
  }
  if (sourceDir !== undefined) throw new UsageError(`--sdk-source goes with a bundled driver (node, python, rust, go, browser), not "${text}"`);
  if (text.startsWith('cmd:')) {
    const command = text.slice(4).trim();
    if (command === '') throw new UsageError('cmd: needs the command that starts your driver, e.g. cmd:"./my-driver --flag"');
    return { kind: 'cmd', command };
  }
  throw new UsageError(
    `unknown SDK target "${text}": use node, python, rust, go, browser, or cmd:"<command that starts your driver>" (a bundled SDK may take @<version>: python@0.24.0)`,
  );
}

export interface EngineOptionValues {
  engineUrl?: string;
  engineCmd?: string;
  engineImage?: string;
  engineName?: string;
}

/** `--engine-name <name>[@<version>]`: the user's own words, so refused (not silently changed) when unprintable or long. */
function engineNameOf(text: string | undefined): EngineNameOverride | undefined {
  if (text === undefined) return undefined;
  const parsed = parseEngineName(text);
  if (!parsed || `${parsed.name}${parsed.version === undefined ? '' : `@${parsed.version}`}` !== text)
    throw new UsageError(
      `--engine-name ${JSON.stringify(text)} is not <name>[@<version>] with a printable name and version of 1 to ${IDENTIFIER_MAX_LENGTH} characters each, e.g. --engine-name my-engine@1.4.0`,
    );
  return parsed;
}

export function parseWsUrl(text: string, flag: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} "${text}" is not a URL: give the engine's WebSocket address, e.g. ${DEFAULT_ENGINE_URL}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UsageError(`${flag} "${text}" must start with ws:// or wss:// (the engine's worker socket, e.g. ${DEFAULT_ENGINE_URL})`);
  }
  return url;
}

export function parseEngineTarget(o: EngineOptionValues): EngineTargetSpec {
  const engineName = engineNameOf(o.engineName);
  const named = engineName ? { engineName } : {};
  if (o.engineImage !== undefined && (o.engineUrl !== undefined || o.engineCmd !== undefined)) {
    throw new UsageError('--engine-image starts its own container: do not combine it with --engine-url or --engine-cmd');
  }
  if (o.engineImage !== undefined) {
    if (o.engineImage.trim() === '') throw new UsageError('--engine-image needs an image name, e.g. --engine-image ghcr.io/iii-hq/iii:latest');
    return { kind: 'image', image: o.engineImage, ...named };
  }
  if (o.engineCmd !== undefined) {
    if (o.engineCmd.trim() === '') throw new UsageError('--engine-cmd needs the command that starts the engine');
    const url = o.engineUrl ?? DEFAULT_ENGINE_URL;
    parseWsUrl(url, '--engine-url');
    return { kind: 'cmd', command: o.engineCmd, url, ...named };
  }
  if (o.engineUrl !== undefined) {
    parseWsUrl(o.engineUrl, '--engine-url');
    return { kind: 'url', url: o.engineUrl, ...named };
  }
  // The embedded engine is the harness's own, with its own identity (reference-engine 0.23.0-reference).
  if (engineName)
    throw new UsageError(
      '--engine-name names an engine you point at (--engine-url, --engine-cmd, --engine-image); the embedded reference engine keeps its own name',
    );
  return { kind: 'reference' };
}

export function engineTargetLabel(spec: EngineTargetSpec): string {
  switch (spec.kind) {
    case 'reference':
      return 'reference';
    case 'url':
      return spec.url;
    case 'cmd':
      return `cmd:${spec.command}`;
    case 'image':
      return `image:${spec.image}`;
  }
}

/** The words after `iii-conformance` that select the same target again. */
export function targetArgs(side: 'sdk', spec: SdkTargetSpec): string[];
export function targetArgs(side: 'engine', spec: EngineTargetSpec): string[];
export function targetArgs(side: 'sdk' | 'engine', spec: SdkTargetSpec | EngineTargetSpec): string[] {
  if (side === 'sdk') {
    const s = spec as SdkTargetSpec;
    if (s.kind === 'cmd') return ['sdk', `cmd:${s.command}`];
    if (s.source?.kind === 'published') return ['sdk', `${s.sdk}@${s.source.version}`];
    if (s.source?.kind === 'tree') return ['sdk', s.sdk, '--sdk-source', s.source.dir];
    return ['sdk', s.sdk];
  }
  const e = spec as EngineTargetSpec;
  if (e.kind === 'reference') return ['engine'];
  // The name goes along, so that a rerun is gated against the same baseline.
  const named = e.engineName ? ['--engine-name', `${e.engineName.name}${e.engineName.version === undefined ? '' : `@${e.engineName.version}`}`] : [];
  switch (e.kind) {
    case 'url':
      return ['engine', '--engine-url', e.url, ...named];
    case 'cmd':
      return ['engine', '--engine-cmd', e.command, '--engine-url', e.url, ...named];
    case 'image':
      return ['engine', '--engine-image', e.image, ...named];
  }
}

export { shellQuote };

export function commandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** The first word of a shell command (quotes understood), to check the program exists before launching. */
export function firstWord(command: string): string {
  const m = /^\s*(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(command);
  return m ? (m[1] ?? m[2] ?? m[3] ?? '') : '';
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a program like a shell would: a path as given, a bare name through PATH. */
export async function findProgram(program: string, env: NodeJS.ProcessEnv, cwd: string): Promise<string | undefined> {
  if (program.includes('/')) {
    const p = isAbsolute(program) ? program : resolve(cwd, program);
    return (await isExecutable(p)) ? p : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, program);
    if (await isExecutable(p)) return p;
  }
  return undefined;
}

export async function checkCommandExists(command: string, what: string, env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  const program = firstWord(command);
  // Shell syntax (env assignments, subshells) cannot be checked without running it: leave it to the launch.
  if (program === '' || /[=$(`;&|]/.test(program)) return;
  if (!(await findProgram(program, env, cwd))) {
    throw new SetupError(
      `${what} "${command}" cannot start: "${program}" is not an executable file${program.includes('/') ? '' : ' on PATH'}. Check the command, or make the file executable (chmod +x).`,
    );
  }
}

/** Fails fast with what to do when nothing listens where the engine should be. */
export async function checkEngineReachable(urlText: string, timeoutMs = 3000): Promise<void> {
  const url = new URL(urlText);
  const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolvePromise, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SetupError(`cannot reach the engine at ${urlText}: no answer within ${timeoutMs} ms. Start the engine, or check --engine-url.`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      socket.destroy();
      // Reachable; now tell a web server, a wrong path or a TLS mismatch from an engine.
      probeEngineUpgrade(urlText, timeoutMs).then(resolvePromise, reject);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const why = e.code === 'ECONNREFUSED' ? 'connection refused (nothing listens there)' : e.code === 'ENOTFOUND' ? `unknown host "${host}"` : e.message;
      reject(
        new SetupError(
          `cannot reach the engine at ${urlText}: ${why}. Start the engine (e.g. \`npx iii-conformance serve\` for the reference engine), or check --engine-url.`,
        ),
      );
    });
  });
}
