// The Node SDK in one file (issue 17). A Node driver spends most of its start-up loading the SDK's ~400
// modules one by one (resolving, reading and compiling each: 0.45 s of CPU for iii-sdk 0.22.1), which on
// two cores is what side-by-side cases wait for. Bundled by esbuild into one CommonJS file, and compiled
// from V8's code cache after the first driver, the same code loads in about a quarter of that.
//
// The bundle is the SDK's own code, unchanged but for where a module finds itself: each `import.meta.url`
// becomes the original file's URL, and a CommonJS module's `__dirname` and `__filename` its own, so that
// the SDK reads its package.json (or any file beside it) where it is installed; a CommonJS module that
// requires a computed name gets a require of its own place, and its requires then run as installed, and one
// that uses require.resolve or require.cache gets those from its own place. Any other use of import.meta, an
// import() of a computed name, or anything esbuild cannot bundle (top-level await, a native addon) keeps the
// SDK unbundled, with the reason; so does any warning, although esbuild keeps most of them quiet inside
// node_modules.
// The driver (fixtures/drivers/node/driver.mjs) loads it; with OTel on it imports the installed package.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, transform, type Plugin } from 'esbuild';

/** The environment variable that hands the Node driver its bundle. */
export const NODE_SDK_BUNDLE_ENV = 'III_CONFORMANCE_NODE_SDK_BUNDLE';

export interface NodeSdkBundle {
  /** The bundle (CommonJS); `<file>.json` beside it holds the original entry, `<file>.v8-cache` the code cache. */
  file: string;
  /** The file `specifier` resolved to: the SDK's own entry point. */
  entry: string;
  /** How many modules went into it. */
  modules: number;
}

export type NodeSdkBundleOutcome = { bundle: NodeSdkBundle } | { reason: string };

const liveFolders = new Set<string>();
let removeOnExit = false;

/**
 * A private folder for one target's bundle: `remove()` deletes it when the target closes, and should the
 * harness exit first (a run interrupted while bundling), the exit does.
 */
export async function bundleFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'iii-conformance-node-sdk-'));
  liveFolders.add(dir);
  if (!removeOnExit) {
    removeOnExit = true;
    process.once('exit', () => {
      for (const d of liveFolders) rmSync(d, { recursive: true, force: true });
    });
  }
  return {
    dir,
    remove: async () => {
      liveFolders.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Bundles what `import(specifier)` loads from `resolveDir` (the package name from the driver's folder, or
 * the absolute path of a mutant's entry) into `outDir`/sdk.cjs. Never throws: a tree esbuild cannot
 * bundle faithfully gives the reason, and the driver imports it as installed.
 */
export async function bundleNodeSdk(specifier: string, resolveDir: string, outDir: string): Promise<NodeSdkBundleOutcome> {
  const file = join(outDir, 'sdk.cjs');
  const importer = join(resolveDir, 'driver-import.mjs');
  try {
    const result = await build({
      stdin: { contents: `export * from ${JSON.stringify(specifier)};`, resolveDir, sourcefile: importer, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: file,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: resolveDir,
      // require.resolve and require.cache answer for the module that asks (see requireUse); the banner's own
      // require, the SDK entry's, is the one any other module gets, as it gets for any require esbuild leaves.
      define: { 'require.resolve': `${OWN_REQUIRE}.resolve`, 'require.cache': `${OWN_REQUIRE}.cache` },
      banner: { js: `var ${OWN_REQUIRE} = require;` },
      plugins: [ownLocation()],
    });
    if (result.warnings.length > 0) return { reason: `esbuild: ${describeMessage(result.warnings[0]!)}` };
    // The metafile names inputs relative to absWorkingDir: the driver's import and the file it resolved to.
    const resolved = result.metafile.inputs[relative(resolveDir, importer)]?.imports[0]?.path;
    if (resolved === undefined) return { reason: `esbuild did not resolve ${specifier} from ${resolveDir}` };
    const entry = resolve(resolveDir, resolved);
    const modules = Object.keys(result.metafile.inputs).length - 1;
    await writeFile(`${file}.json`, `${JSON.stringify({ entry, modules })}\n`);
    return { bundle: { file, entry, modules } };
  } catch (e) {
    const errors = (e as { errors?: EsbuildMessage[] }).errors;
    return { reason: `esbuild: ${errors?.[0] ? describeMessage(errors[0]) : (e as Error).message}` };
  }
}

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number } | null;
}

function describeMessage(m: EsbuildMessage): string {
  return m.location ? `${m.text} (${m.location.file}:${m.location.line})` : m.text;
}

/** Gives every module its own location: import.meta.url, and a CommonJS module's __dirname and __filename. */
function ownLocation(): Plugin {
  const commonJs = commonJsFiles();
  return {
    name: 'own-location',
    setup(b) {
      b.onLoad({ filter: /\.(?:m?js|cjs)$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        let contents = source;
        if (contents.includes('import.meta.url')) contents = contents.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
        // esbuild would make any other import.meta an empty object, silently inside node_modules; and a
        // require or import of a computed name would resolve from the bundle, not from the file that asks.
        for (const [pattern, why] of UNFAITHFUL) {
          const at = pattern.exec(contents)?.index;
          if (at !== undefined) return { errors: [{ text: why, location: { file: args.path, line: contents.slice(0, at).split('\n').length } }] };
        }
        if (commonJs(args.path)) {
          const needs = await requireUse(contents);
          if (needs || /\b__(?:dirname|filename)\b/.test(contents)) contents = declareLocation(contents, args.path, needs);
        }
        return contents === source ? undefined : { contents, loader: 'js' };
      });
    },
  };
}

/** What a bundle cannot keep as it was, each with why (matched in a module's text after import.meta.url). */
const UNFAITHFUL: readonly [RegExp, string][] = [
  [/\bimport\.meta\b/, 'import.meta other than import.meta.url has no CommonJS equivalent'],
  [/\bimport\s*\((?!\s*(['"])[^'"\n]*\1\s*\))/, 'an import() of a computed name would resolve from the bundle, not from this file'],
];

/**
 * How a CommonJS module uses its `require` beyond requiring literal names, as esbuild parses it (so that
 * comments and strings that mention one do not count):
 * - "require": it requires a computed name (or passes `require` around), so it gets a require of its own
 *   place, and esbuild then leaves all its requires to run as they would installed;
 * - "lookup": it only uses require.resolve or require.cache, which then come from a require of its own place
 *   (the build's `define` points both at OWN_REQUIRE) while its requires of literal names stay in the bundle.
 *   That is OpenTelemetry's instrumentation and require-in-the-middle, whose dependencies loaded as installed
 *   were a third of a bundled driver's load time.
 */
async function requireUse(source: string): Promise<'require' | 'lookup' | undefined> {
  if (!/\brequire\b(?!\s*\(\s*(['"])[^'"\n]*\1\s*\))/.test(source)) return undefined;
  let code: string;
  try {
    code = (await transform(source, { loader: 'js', define: { require: REQUIRE_MARK } })).code;
  } catch {
    return 'require'; // cannot tell, so as installed
  }
  let use: 'lookup' | undefined;
  for (const [, how] of code.matchAll(MARKED_USE)) {
    if (how === undefined) return 'require';
    if (how.startsWith('.')) use = 'lookup';
  }
  return use;
}

const REQUIRE_MARK = '__iiiRequireMark';
/**
 * A marked `require` in esbuild's printed code: a call with one string literal, a lookup, or (no group) anything
 * else; `typeof require` is the same in the bundle, whose modules all see a require.
 */
const MARKED_USE = /(?<!\btypeof )\b__iiiRequireMark\b(\("(?:[^"\\\n]|\\.)*"\)|\.(?:resolve|cache)\b)?/g;
const OWN_REQUIRE = '__iiiOwnRequire';

/**
 * Inserts `var __dirname, __filename` (and the module's own require, when it needs one) after the shebang and
 * directive prologue ("use strict" stays first).
 */
function declareLocation(source: string, path: string, needs: 'require' | 'lookup' | undefined): string {
  const prologue = /^(?:#![^\n]*\n)?(?:\s*(?:(['"])[^'"\n]*\1)\s*;?)*/.exec(source)?.[0] ?? '';
  const own = `process.getBuiltinModule('node:module').createRequire(__filename)`;
  const require = needs === 'require' ? `, require = ${own}` : needs === 'lookup' ? `, ${OWN_REQUIRE} = ${own}` : '';
  const declaration = `var __dirname = ${JSON.stringify(dirname(path))}, __filename = ${JSON.stringify(path)}${require};`;
  return `${prologue}\n${declaration}${source.slice(prologue.length)}`;
}

/** Whether Node runs a file as CommonJS: .cjs, or .js under a package.json without "type": "module". */
function commonJsFiles(): (path: string) => boolean {
  const typeOfDir = new Map<string, string>();
  const packageType = (dir: string): string => {
    const known = typeOfDir.get(dir);
    if (known !== undefined) return known;
    const manifest = join(dir, 'package.json');
    let type: string;
    if (existsSync(manifest)) {
      try {
        type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module' ? 'module' : 'commonjs';
      } catch {
        type = 'commonjs';
      }
    } else type = dirname(dir) === dir ? 'commonjs' : packageType(dirname(dir));
    typeOfDir.set(dir, type);
    return type;
  };
  return (path) => path.endsWith('.cjs') || (path.endsWith('.js') && packageType(dirname(path)) === 'commonjs');
}
