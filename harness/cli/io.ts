// What the CLI touches in the outside world, injected so tests run it in-process with synthetic catalogues.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Catalogue, EngineTargetSpec, SdkTargetSpec } from '../cases/catalogue.ts';
import type { OutputStream } from '../runner/progress.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { importBuiltinEngineCatalogue, importBuiltinSdkCatalogue, importCatalogueFile } from './catalogue-module.ts';

// Re-exported for the CLI modules that locate package files (baselines, the set-up script).
export { PACKAGE_ROOT };

export type SdkCatalogue = Catalogue<unknown, SdkTargetSpec>;
export type EngineCatalogue = Catalogue<unknown, EngineTargetSpec>;

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  loadSdkCatalogue(): Promise<SdkCatalogue>;
  loadEngineCatalogue(): Promise<EngineCatalogue>;
  /** Aborted on Ctrl-C: no new case starts, reports are still written. */
  signal?: AbortSignal;
  /** Sets up a bundled driver that is not ready yet (absent in tests: nothing is installed). */
  ensureDriver?(sdk: 'node' | 'python' | 'rust' | 'go' | 'browser', out: OutputStream): Promise<void>;
  /** Asks the user a question on the terminal; absent when stdin is not a TTY (nothing can be confirmed). */
  prompt?(question: string): Promise<string>;
}

export function harnessVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The catalogues of this package (specs/sdk, specs/engine). III_CONFORMANCE_SDK_CATALOGUE /
 * III_CONFORMANCE_ENGINE_CATALOGUE name another module instead (exporting sdkCatalogue / engineCatalogue
 * or a default; JavaScript, or TypeScript through tsx): the harness's own tests use it, and so can a
 * vendor with a private catalogue.
 */
export function defaultIO(signal?: AbortSignal): CliIO {
  const env = process.env;
  const cwd = process.cwd();
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    cwd,
    loadSdkCatalogue: () =>
      env.III_CONFORMANCE_SDK_CATALOGUE
        ? importCatalogueFile<SdkCatalogue>(env.III_CONFORMANCE_SDK_CATALOGUE, cwd, 'sdkCatalogue')
        : importBuiltinSdkCatalogue<SdkCatalogue>(),
    loadEngineCatalogue: () =>
      env.III_CONFORMANCE_ENGINE_CATALOGUE
        ? importCatalogueFile<EngineCatalogue>(env.III_CONFORMANCE_ENGINE_CATALOGUE, cwd, 'engineCatalogue')
        : importBuiltinEngineCatalogue<EngineCatalogue>(),
    ...(signal ? { signal } : {}),
    ensureDriver: async (sdk, out) => (await import('./driver-setup.ts')).ensureBuiltinDriver(sdk, out),
    ...(process.stdin.isTTY ? { prompt: askOnTerminal } : {}),
  };
}

async function askOnTerminal(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
