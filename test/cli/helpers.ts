// Runs the CLI in-process with captured output and injected catalogues (fast: no process spawn, no tsx).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO, EngineCatalogue, SdkCatalogue } from '../../harness/cli/io.ts';
import { runCli } from '../../harness/cli/program.ts';
import { syntheticEngineCatalogue, syntheticSdkCatalogue, resetFlaky } from './fixtures/synthetic.ts';

export interface Captured {
  code: number;
  out: string;
  err: string;
}

export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface CliRunOptions {
  sdk?: SdkCatalogue;
  engine?: EngineCatalogue;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  tty?: boolean;
  signal?: AbortSignal;
  ensureDriver?: CliIO['ensureDriver'];
}

export async function cli(argv: string[], options: CliRunOptions = {}): Promise<Captured> {
  resetFlaky();
  const stdout = new Capture(options.tty ?? false);
  const stderr = new Capture(false);
  const io: CliIO = {
    stdout,
    stderr,
    env: options.env ?? { CI: 'true', PATH: process.env.PATH },
    cwd: options.cwd ?? process.cwd(),
    loadSdkCatalogue: async () => options.sdk ?? (syntheticSdkCatalogue() as unknown as SdkCatalogue),
    loadEngineCatalogue: async () => options.engine ?? (syntheticEngineCatalogue() as unknown as EngineCatalogue),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.ensureDriver ? { ensureDriver: options.ensureDriver } : {}),
  };
  const code = await runCli(argv, io);
  return { code, out: stdout.text, err: stderr.text };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'iii-conf-cli-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A stack trace line, which no user-facing message may contain. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;
