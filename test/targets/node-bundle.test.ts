// The Node SDK in one file (harness/targets/sdk/node-bundle.ts): a bundle behaves as the package does
// where a module finds itself, anything esbuild cannot bundle faithfully is refused with the reason, and
// the bundled Node driver starts from the real SDK's bundle (and from the package with OTel on, or when it
// cannot start from the bundle).

import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenOptions } from '../../harness/cases/catalogue.ts';
import { addRunOptions, parseRunOptions, type RawRunOptions } from '../../harness/cli/options.ts';
import { FakeEngine } from '../../harness/fake-engine/index.ts';
import { runCatalogue } from '../../harness/runner/run-catalogue.ts';
import { readDriverStatus } from '../../harness/targets/sdk/index.ts';
import { launchDriver } from '../../harness/targets/sdk/launch.ts';
import { bundleFolder, bundleNodeSdk, NODE_SDK_BUNDLE_ENV } from '../../harness/targets/sdk/node-bundle.ts';
import { DEFAULT_TOLERANCE } from '../../harness/timing/tolerance.ts';
import { sdkCatalogue } from '../../specs/sdk/index.ts';
import { NODE_SDK_PACKAGE_DIR, nodeOverrideLaunchSpec } from '../../specs/sdk/support/launch.ts';
import { openSdkTarget } from '../../specs/sdk/target.ts';

const node = readDriverStatus().node;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'iii-conf-node-bundle-'));
  dirs.push(d);
  return d;
}

/** Writes `files` (path → contents) under `root`. */
async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), contents);
  }
}

/**
 * A package shaped like iii-sdk: an ESM entry that reads its version through import.meta.url; a CommonJS
 * dependency in strict mode that reads a file beside itself through __dirname and requires and resolves a
 * sibling by a computed name; and one that requires a package of its own by name and looks it up with
 * require.resolve and require.cache (as OpenTelemetry's instrumentation does), mentioning a computed
 * `require(name)` only in a comment and a string.
 */
const PACKAGE: Record<string, string> = {
  'node_modules/sdk/package.json': JSON.stringify({ name: 'sdk', version: '9.9.9', type: 'module', exports: { '.': { import: './dist/index.mjs' } } }),
  'node_modules/sdk/dist/index.mjs': [
    "import { createRequire } from 'node:module';",
    "import dep from 'dep';",
    "export const version = createRequire(import.meta.url)('../package.json').version;",
    "import hook from 'hook';",
    'export const { asset, strict, sibling, resolvedHere } = dep;',
    'export const { helper, helperResolvedHere, cacheLookup, requireType, mention } = hook;',
  ].join('\n'),
  'node_modules/dep/package.json': JSON.stringify({ name: 'dep', version: '1.0.0', main: 'index.js' }),
  'node_modules/dep/index.js': [
    "'use strict';",
    "const { readFileSync } = require('node:fs');",
    "exports.asset = readFileSync(require('node:path').join(__dirname, 'asset.txt'), 'utf8');",
    'exports.strict = (function () { return this === undefined; })();',
    "const sibling = ['./sib', 'ling.js'].join('');",
    'exports.sibling = require(sibling);',
    "exports.resolvedHere = require.resolve(sibling) === require('node:path').join(__dirname, 'sibling.js');",
  ].join('\n'),
  'node_modules/dep/sibling.js': "module.exports = 'found beside dep';",
  'node_modules/dep/asset.txt': 'beside dep',
  'node_modules/hook/package.json': JSON.stringify({ name: 'hook', version: '1.0.0', main: 'index.js' }),
  'node_modules/hook/index.js': [
    "'use strict';",
    '// Only hook itself can find helper: a require(name) of the entry could not.',
    "exports.helper = require('helper');",
    "const resolved = require.resolve('helper');",
    "exports.helperResolvedHere = resolved === require('node:path').join(__dirname, 'node_modules', 'helper', 'index.js');",
    'exports.cacheLookup = typeof require.cache;',
    'exports.requireType = typeof require;',
    "exports.mention = 'a computed require(name) in a string';",
  ].join('\n'),
  'node_modules/hook/node_modules/helper/package.json': JSON.stringify({ name: 'helper', version: '1.0.0', main: 'index.js' }),
  'node_modules/hook/node_modules/helper/index.js': "module.exports = 'found beside hook';",
};

/** What a CommonJS `require` of `file` exports, from a Node child process (the bundle is code under test). */
function requireInChild(file: string): unknown {
  return JSON.parse(execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(file)})))`], { encoding: 'utf8' }));
}

describe('bundleNodeSdk', () => {
  it('gives each module its own location, as the installed package has it', async () => {
    const root = await tempDir();
    await writeTree(root, PACKAGE);
    const out = await tempDir();
    const outcome = await bundleNodeSdk('sdk', root, out);
    if (!('bundle' in outcome)) throw new Error(`not bundled: ${outcome.reason}`);
    expect(outcome.bundle.entry).toBe(join(root, 'node_modules', 'sdk', 'dist', 'index.mjs'));
    // The entry, dep, hook and helper: dep's own require runs as installed (so sibling.js is not in it), and
    // hook's require of a name stays in the bundle while its lookups are its own.
    expect(outcome.bundle.modules).toBe(4);
    expect(JSON.parse(await readFile(`${outcome.bundle.file}.json`, 'utf8'))).toEqual({ entry: outcome.bundle.entry, modules: 4 });
    const installed = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', "process.stdout.write(JSON.stringify({ ...(await import('sdk')) }))"], {
        cwd: root,
        encoding: 'utf8',
      }),
    );
    expect(installed).toEqual({
      version: '9.9.9',
      asset: 'beside dep',
      strict: true,
      sibling: 'found beside dep',
      resolvedHere: true,
      helper: 'found beside hook',
      helperResolvedHere: true,
      cacheLookup: 'object',
      requireType: 'function',
      mention: 'a computed require(name) in a string',
    });
    expect(requireInChild(outcome.bundle.file)).toEqual(installed);
  });

  it('refuses a use of import.meta other than its url, naming it', async () => {
    const root = await tempDir();
    await writeTree(root, { ...PACKAGE, 'node_modules/sdk/dist/index.mjs': 'export const here = import.meta.dirname;' });
    const outcome = await bundleNodeSdk('sdk', root, await tempDir());
    expect('reason' in outcome ? outcome.reason : 'bundled').toMatch(/^esbuild: .*import\.meta.*index\.mjs:1\)$/);
  });

  it('refuses an import() of a computed name, naming it', async () => {
    const root = await tempDir();
    await writeTree(root, { ...PACKAGE, 'node_modules/sdk/dist/index.mjs': "const name = 'dep';\nexport const load = () => import(name);" });
    const outcome = await bundleNodeSdk('sdk', root, await tempDir());
    expect('reason' in outcome ? outcome.reason : 'bundled').toMatch(/^esbuild: an import\(\) of a computed name .*index\.mjs:2\)$/);
  });

  it('refuses top-level await, naming it', async () => {
    const root = await tempDir();
    await writeTree(root, { ...PACKAGE, 'node_modules/sdk/dist/index.mjs': 'export const x = await Promise.resolve(1);' });
    const outcome = await bundleNodeSdk('sdk', root, await tempDir());
    expect('reason' in outcome ? outcome.reason : 'bundled').toMatch(/^esbuild: Top-level await .*index\.mjs:1\)$/);
  });

  it('refuses a package it cannot find', async () => {
    const outcome = await bundleNodeSdk('no-such-sdk', await tempDir(), await tempDir());
    expect('reason' in outcome ? outcome.reason : 'bundled').toMatch(/^esbuild: Could not resolve "no-such-sdk"/);
  });
});

describe('bundleFolder', () => {
  it('is removed by remove(), and by the exit of a harness that never closed its target', async () => {
    const folder = await bundleFolder();
    expect(existsSync(folder.dir)).toBe(true);
    await folder.remove();
    expect(existsSync(folder.dir)).toBe(false);
    const module = join(process.cwd(), 'harness', 'targets', 'sdk', 'node-bundle.ts');
    const script = `const { bundleFolder } = await import(${JSON.stringify(module)}); const f = await bundleFolder(); console.log(f.dir); process.exit(0);`;
    const left = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
    expect(left).toMatch(/iii-conformance-node-sdk-/);
    expect(existsSync(left)).toBe(false);
  });
});

describe('--no-sdk-bundle', () => {
  const sdkBundleOf = (argv: string[]): boolean => {
    const cmd = addRunOptions(new Command().exitOverride());
    cmd.parse(argv, { from: 'user' });
    return parseRunOptions(cmd.opts<RawRunOptions>(), {}).sdkBundle;
  };

  it('is parsed from the command line (the bundle is the default)', () => {
    expect(sdkBundleOf([])).toBe(true);
    expect(sdkBundleOf(['--no-sdk-bundle'])).toBe(false);
  });
});

describe.skipIf(!node?.available)(`the bundled Node driver${node?.available ? '' : ` (skipped: ${node?.reason ?? 'not set up'})`}`, () => {
  it('starts from the real SDK bundled, writes the code cache once, and imports the package with OTel on', async () => {
    const out = await tempDir();
    const outcome = await bundleNodeSdk('iii-sdk', dirname(dirname(NODE_SDK_PACKAGE_DIR)), out);
    if (!('bundle' in outcome)) throw new Error(`not bundled: ${outcome.reason}`);
    expect(outcome.bundle.entry).toBe(join(NODE_SDK_PACKAGE_DIR, 'dist', 'index.mjs'));
    const cache = `${outcome.bundle.file}.v8-cache`;
    const engine = await FakeEngine.start();
    try {
      const start = async (otel: boolean) => {
        const session = await launchDriver(
          { kind: 'builtin', sdk: 'node' },
          { url: engine.url, worker: { otel }, env: { [NODE_SDK_BUNDLE_ENV]: outcome.bundle.file } },
        );
        await session.stop();
        return session.ready.sdk;
      };
      // OTel on: the package as installed, so nothing reads or writes the bundle's cache.
      expect(await start(true)).toEqual({ name: 'iii-sdk', version: node?.sdkVersion, language: 'node' });
      expect(existsSync(cache)).toBe(false);
      expect(await start(false)).toEqual({ name: 'iii-sdk', version: node?.sdkVersion, language: 'node' });
      expect(existsSync(cache)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('says in each case transcript where the SDK was loaded from, and --no-sdk-bundle reaches the target', async () => {
    const cases = sdkCatalogue.cases.filter((c) => c.id === 'sdk.connect.plain-websocket');
    const noteOf = async (sdkBundle: boolean): Promise<string> => {
      const artifactsRoot = await tempDir();
      const run = await runCatalogue(sdkCatalogue, { kind: 'builtin', sdk: 'node' } as const, {
        targetLabel: 'node',
        cases,
        repeat: 1,
        baseSeed: 1,
        tolerance: DEFAULT_TOLERANCE,
        progress: { begin() {}, caseStarted() {}, caseFinished() {}, end() {} },
        artifactsRoot,
        sdkBundle,
      });
      expect(run.cases.map((c) => c.result.outcome.verdict)).toEqual(['PASS']);
      const transcript = await readFile(join(artifactsRoot, 'sdk.connect.plain-websocket', 'transcript.jsonl'), 'utf8');
      return transcript.split('\n').find((line) => line.includes('the Node SDK is')) ?? 'no note';
    };
    expect(await noteOf(true)).toContain('the Node SDK is loaded from one esbuild bundle of its');
    expect(await noteOf(false)).toContain('the Node SDK is imported as installed (--no-sdk-bundle)');
  });

  it('starts the SDK as installed when its driver cannot start from the bundle, and the transcript says why', async () => {
    // An SDK that bundles without complaint but throws when run from the bundle (as one that looked for its
    // own files by its stack might), and runs as installed: the real SDK behind an entry that checks.
    const root = await tempDir();
    await writeTree(root, {
      'package.json': JSON.stringify({ name: 'iii-sdk', version: node?.sdkVersion }),
      'dist/index.mjs': [
        "if (/sdk\\.cjs/.test(new Error().stack ?? '')) throw new Error('this SDK runs only as installed');",
        `export * from ${JSON.stringify(join(NODE_SDK_PACKAGE_DIR, 'dist', 'index.mjs'))};`,
      ].join('\n'),
    });
    const spec = nodeOverrideLaunchSpec(join(root, 'dist', 'index.mjs'), 'node (runs only as installed)');
    const catalogue = { ...sdkCatalogue, open: (_target: unknown, options: OpenOptions) => openSdkTarget(spec, options) };
    const artifactsRoot = await tempDir();
    const run = await runCatalogue(catalogue, { kind: 'builtin', sdk: 'node' } as const, {
      targetLabel: spec.label,
      cases: sdkCatalogue.cases.filter((c) => c.id === 'sdk.connect.plain-websocket'),
      repeat: 1,
      baseSeed: 1,
      tolerance: DEFAULT_TOLERANCE,
      progress: { begin() {}, caseStarted() {}, caseFinished() {}, end() {} },
      artifactsRoot,
    });
    expect(run.cases.map((c) => c.result.outcome.verdict)).toEqual(['PASS']);
    const transcript = await readFile(join(artifactsRoot, 'sdk.connect.plain-websocket', 'transcript.jsonl'), 'utf8');
    const note = transcript.split('\n').find((line) => line.includes('the Node SDK is')) ?? 'no note';
    expect(note).toContain('the Node SDK is imported as installed: the driver did not start from its bundle');
    expect(note).toContain('this SDK runs only as installed');
  });
});
