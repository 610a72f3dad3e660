// Loads a catalogue module: the package's own (specs/sdk, specs/engine, compiled with the harness), or one
// a user names with III_CONFORMANCE_SDK_CATALOGUE / III_CONFORMANCE_ENGINE_CATALOGUE. The compiled harness
// runs without a TypeScript loader; a user's `.ts` catalogue is loaded through tsx, looked up only then,
// beside the catalogue first (a project that writes TypeScript catalogues has it) and then beside the harness.

import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RUNS_COMPILED } from '../paths.ts';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

interface TsxApi {
  tsImport(specifier: string, parentURL: string): Promise<unknown>;
}

async function tsxFor(file: string): Promise<TsxApi> {
  for (const from of [file, import.meta.url]) {
    let manifest: string;
    try {
      manifest = createRequire(from).resolve('tsx/package.json');
    } catch {
      continue;
    }
    // The ESM entry of tsx's API (its CommonJS twin cannot import TypeScript modules from an ES module).
    const mod = (await import(pathToFileURL(join(dirname(manifest), 'dist', 'esm', 'api', 'index.mjs')).href)) as Partial<TsxApi>;
    if (mod.tsImport) return { tsImport: mod.tsImport };
  }
  throw new Error(
    `${file} is TypeScript and tsx, which loads it, is not installed: install it beside the catalogue (npm install --save-dev tsx) or compile the catalogue to JavaScript`,
  );
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (RUNS_COMPILED && TYPESCRIPT.has(extname(file))) return (await (await tsxFor(file)).tsImport(url, import.meta.url)) as Record<string, unknown>;
  return (await import(url)) as Record<string, unknown>;
}

function exportOf<T>(mod: Record<string, unknown>, name: string, from: string): T {
  const value = mod[name] ?? mod.default;
  if (value === undefined) throw new Error(`${from} exports no "${name}"`);
  return value as T;
}

/** A user's catalogue module (a path, relative to `cwd`) and its export `name` (or its default export). */
export async function importCatalogueFile<T>(path: string, cwd: string, name: string): Promise<T> {
  const file = resolve(cwd, path);
  return exportOf<T>(await importFile(file), name, file);
}

// Literal specifiers, so that the compiler rewrites them to the compiled modules (index.js) in dist/.
export async function importBuiltinSdkCatalogue<T>(): Promise<T> {
  return exportOf<T>((await import('../../specs/sdk/index.ts')) as Record<string, unknown>, 'sdkCatalogue', 'specs/sdk/index');
}

export async function importBuiltinEngineCatalogue<T>(): Promise<T> {
  return exportOf<T>((await import('../../specs/engine/index.ts')) as Record<string, unknown>, 'engineCatalogue', 'specs/engine/index');
}
