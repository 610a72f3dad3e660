// Parsing what the user names as a target, checking it before anything starts, and turning a target back
// into the command-line words that select it (for rerun commands in repro bundles).

import { access, constants } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { EngineTargetSpec, SdkTargetSpec } from '../cases/catalogue.ts';
import { probeEngineUpgrade } from './engine-probe.ts';
import { SetupError, UsageError } from './errors.ts';

export const BUILTIN_SDKS = ['node', 'python', 'rust', 'go'] as const;
export const DEFAULT_ENGINE_PORT = 49134;
export const DEFAULT_ENGINE_URL = `ws://127.0.0.1:${DEFAULT_ENGINE_PORT}`;

export function parseSdkTarget(text: string): SdkTargetSpec {
  if ((BUILTIN_SDKS as readonly string[]).includes(text)) return { kind: 'builtin', sdk: text as (typeof BUILTIN_SDKS)[number] };
  if (text.startsWith('cmd:')) {
    const command = text.slice(4).trim();
    if (command === '') throw new UsageError('cmd: needs the command that starts your driver, e.g. cmd:"./my-driver --flag"');
    return { kind: 'cmd', command };
  }
  throw new UsageError(`unknown SDK target "${text}": use node, python, rust, go, or cmd:"<command that starts your driver>"`);
}

export function sdkTargetLabel(spec: SdkTargetSpec): string {
  return spec.kind === 'builtin' ? spec.sdk : `cmd:${spec.command}`;
}

export interface EngineOptionValues {
  engineUrl?: string;
  engineCmd?: string;
  engineImage?: string;
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
  if (o.engineImage !== undefined && (o.engineUrl !== undefined || o.engineCmd !== undefined)) {
    throw new UsageError('--engine-image starts its own container: do not combine it with --engine-url or --engine-cmd');
  }
  if (o.engineImage !== undefined) {
    if (o.engineImage.trim() === '') throw new UsageError('--engine-image needs an image name, e.g. --engine-image ghcr.io/iii-hq/iii:latest');
    return { kind: 'image', image: o.engineImage };
  }
  if (o.engineCmd !== undefined) {
    if (o.engineCmd.trim() === '') throw new UsageError('--engine-cmd needs the command that starts the engine');
    const url = o.engineUrl ?? DEFAULT_ENGINE_URL;
    parseWsUrl(url, '--engine-url');
    return { kind: 'cmd', command: o.engineCmd, url };
  }
  if (o.engineUrl !== undefined) {
    parseWsUrl(o.engineUrl, '--engine-url');
    return { kind: 'url', url: o.engineUrl };
  }
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
    return ['sdk', s.kind === 'builtin' ? s.sdk : `cmd:${s.command}`];
  }
  const e = spec as EngineTargetSpec;
  switch (e.kind) {
    case 'reference':
      return ['engine'];
    case 'url':
      return ['engine', '--engine-url', e.url];
    case 'cmd':
      return ['engine', '--engine-cmd', e.command, '--engine-url', e.url];
    case 'image':
      return ['engine', '--engine-image', e.image];
  }
}

/** POSIX shell quoting, so a printed command can be pasted as it is. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

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
