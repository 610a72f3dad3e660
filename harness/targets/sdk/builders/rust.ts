// The Rust driver against a crate directory (a path dependency on `iii-sdk`) or a published crates.io
// version. The driver crate is copied into the cache with its Cargo.toml rewritten; every Rust build
// shares one target folder in the cache (seeded from the pinned build) so only changed crates compile.

import { cpSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DRIVERS_DIR } from '../drivers.ts';
import { BuildError, lockBuild, runLogged, sourceFiles } from './cache.ts';
import { toolVersion } from './toolchain.ts';
import type { BuildContext, DriverBuilder, SdkSource } from './types.ts';

const BINARY = 'iii-conformance-driver-rust';
const tomlString = (s: string): string => JSON.stringify(s);

/** `key = "value"` in the [package] table (or the workspace's, for `key.workspace = true`). */
function packageField(tomlText: string, key: string): string | undefined {
  const pkg = /^\[package\]([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(tomlText)?.[1] ?? '';
  return new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, 'm').exec(pkg)?.[1];
}

/** The workspace root above a crate (the first Cargo.toml up the tree with a [workspace] table). */
function workspaceRoot(crateDir: string): string | undefined {
  for (let d = dirname(crateDir); d !== dirname(d); d = dirname(d)) {
    const f = join(d, 'Cargo.toml');
    if (existsSync(f) && /^\[workspace\]/m.test(readFileSync(f, 'utf8'))) return d;
  }
  return undefined;
}

/**
 * How the driver should depend on iii-helpers so that it is the same crate the tree's iii-sdk uses
 * (the driver passes an iii_helpers::OtelConfig to the SDK): the same version, or the same path.
 */
function helpersDependency(crateDir: string, toml: string): string {
  const inline = /^iii-helpers\s*=\s*(.+)$/m.exec(toml)?.[1];
  const table = /^\[dependencies\.iii-helpers\]([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(toml)?.[1];
  const spec = inline ?? table ?? '';
  const path = /path\s*=\s*"([^"]+)"/.exec(spec)?.[1];
  if (path) return `{ path = ${tomlString(resolve(crateDir, path))} }`;
  if (/workspace\s*=\s*true/.test(spec)) {
    const ws = workspaceRoot(crateDir);
    const wsToml = ws ? readFileSync(join(ws, 'Cargo.toml'), 'utf8') : '';
    const wsPath = /^iii-helpers\s*=\s*\{[^}]*path\s*=\s*"([^"]+)"/m.exec(wsToml)?.[1];
    if (ws && wsPath) return `{ path = ${tomlString(resolve(ws, wsPath))} }`;
    const wsVersion = /^iii-helpers\s*=\s*(?:"([^"]+)"|\{[^}]*version\s*=\s*"([^"]+)")/m.exec(wsToml);
    if (wsVersion) return tomlString(`=${wsVersion[1] ?? wsVersion[2]}`);
  }
  const version = /^"?([^"{]+)"?\s*$/.exec(spec.trim())?.[1] ?? /version\s*=\s*"([^"]+)"/.exec(spec)?.[1];
  if (!version) throw new BuildError(`${crateDir}/Cargo.toml: cannot tell which iii-helpers the SDK uses (the driver needs the same one)`);
  return tomlString(/^[=^~<>]/.test(version) ? version : `=${version}`);
}

function crateVersion(crateDir: string, toml: string): string {
  const own = packageField(toml, 'version');
  if (own) return own;
  const ws = workspaceRoot(crateDir);
  return (ws && /^\[workspace\.package\][\s\S]*?^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ws, 'Cargo.toml'), 'utf8'))?.[1]) || 'unknown';
}

export const rustBuilder: DriverBuilder = {
  toolchain: () =>
    `${toolVersion('cargo', ['--version'], 'install Rust with rustup (1.85 or newer)')} ${toolVersion('rustc', ['--version'], 'install Rust with rustup')}`,
  driverFiles: () => ['Cargo.toml', 'Cargo.lock', ...sourceFiles(join(DRIVERS_DIR, 'rust', 'src')).map((f) => join('src', f))],
  async build(source: SdkSource, ctx: BuildContext): Promise<string> {
    const from = join(DRIVERS_DIR, 'rust');
    cpSync(join(from, 'src'), join(ctx.dir, 'src'), { recursive: true });
    copyFileSync(join(from, 'Cargo.lock'), join(ctx.dir, 'Cargo.lock'));
    let sdkDep: string;
    let helpersDep: string;
    let version: string;
    if (source.kind === 'tree') {
      const tomlFile = join(source.dir, 'Cargo.toml');
      if (!existsSync(tomlFile)) throw new BuildError(`${source.dir} has no Cargo.toml: give the folder of the iii-sdk crate (e.g. sdk/packages/rust/iii)`);
      const toml = readFileSync(tomlFile, 'utf8');
      if (packageField(toml, 'name') !== 'iii-sdk')
        throw new BuildError(`${tomlFile} is not the iii-sdk crate (its [package] name is ${packageField(toml, 'name') ?? 'missing'})`);
      sdkDep = `{ path = ${tomlString(resolve(source.dir))} }`;
      helpersDep = helpersDependency(resolve(source.dir), toml);
      version = crateVersion(resolve(source.dir), toml);
    } else {
      sdkDep = tomlString(`=${source.version}`);
      helpersDep = tomlString(`=${source.version}`);
      version = source.version;
    }
    const toml = readFileSync(join(from, 'Cargo.toml'), 'utf8')
      .replace(/^iii-sdk\s*=.*$/m, `iii-sdk = ${sdkDep}`)
      .replace(/^iii-helpers\s*=.*$/m, `iii-helpers = ${helpersDep}`);
    writeFileSync(join(ctx.dir, 'Cargo.toml'), toml);
    const target = join(ctx.cacheRoot, 'rust-target');
    // Every build writes the same binary name in the shared target folder: one build (and copy) at a time.
    const release = await lockBuild(`${target}.lock`, () => undefined);
    try {
      // The first build reuses the pinned driver's compiled dependencies instead of compiling them again.
      if (!existsSync(target) && existsSync(join(from, 'target'))) cpSync(join(from, 'target'), target, { recursive: true });
      const code = await runLogged('cargo', ['build', '--quiet'], {
        cwd: ctx.dir,
        log: ctx.log,
        env: { CARGO_TARGET_DIR: target, CARGO_TERM_COLOR: 'never', III_CONFORMANCE_SDK_VERSION: version },
      });
      if (code !== 0)
        throw new BuildError(`cargo build of the driver against ${source.kind === 'tree' ? source.dir : `iii-sdk ${source.version}`} exited ${code}`);
      copyFileSync(join(target, 'debug', BINARY), join(ctx.dir, BINARY));
    } finally {
      release();
    }
    return version;
  },
  command: (dir) => ({ file: join(dir, BINARY), args: [], cwd: dir }),
};
