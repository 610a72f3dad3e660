// Where drivers built against a source tree or a published version live, and the bookkeeping every
// builder shares: the cache key (content of the tree + the driver + the toolchain), a lock per build,
// a log per build, and the marker that says a build finished. The cache is outside the checkout
// (and outside fixtures/), so building never changes the harness's files or the user's tree.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, relative } from 'node:path';

/** $III_CONFORMANCE_CACHE, else $XDG_CACHE_HOME/iii-conformance, else ~/.cache/iii-conformance. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.III_CONFORMANCE_CACHE) return env.III_CONFORMANCE_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'iii-conformance');
}

/** Build output and tool state that is not part of a source tree's content. */
const NOT_SOURCE = new Set(['.git', 'node_modules', 'target', '.venv', 'venv', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.tox']);

/** Every file of a tree that is its content (sorted, relative), skipping build output and VCS state. */
export function sourceFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NOT_SOURCE.has(entry.name)) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p, base));
    else if (entry.isFile()) out.push(relative(base, p));
  }
  return out.sort();
}

/** A short hash of some strings and the content of files under roots (each root's relative names too). */
export function contentHash(parts: readonly string[], trees: readonly { root: string; files: readonly string[] }[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p}\0`);
  for (const t of trees) {
    h.update(`tree\0${t.files.length}\0`);
    for (const f of t.files) {
      h.update(`${f}\0`);
      h.update(readFileSync(join(t.root, f)));
      h.update('\0');
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** Copies a tree's content (not its build output or VCS state) to dest. */
export function copySourceTree(from: string, dest: string): void {
  rmSync(dest, { recursive: true, force: true });
  cpSync(from, dest, { recursive: true, filter: (src) => src === from || !NOT_SOURCE.has(basename(src)) });
}

/** Runs a program, its output appended to the build log; resolves with the exit code (127: could not start). */
export function runLogged(file: string, args: readonly string[], opts: { cwd: string; log: number; env?: Record<string, string> }): Promise<number> {
  return new Promise((resolve) => {
    writeSync(opts.log, `\n$ ${file} ${args.join(' ')}   (in ${opts.cwd})\n`);
    const child = spawn(file, [...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', opts.log, opts.log] });
    child.on('error', (e) => {
      writeSync(opts.log, `spawn error: ${e.message}\n`);
      resolve(127);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** A build step failed; the message names the step and the log. */
export class BuildError extends Error {}

export function tailOf(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Takes a lock file (another process building the same key waits; a dead holder's lock is taken over).
 * Returns the release function.
 */
export async function lockBuild(lockFile: string, onWait: (pid: number) => void): Promise<() => void> {
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lockFile, 'utf8').trim() || 0);
      let alive = false;
      try {
        process.kill(holder, 0);
        alive = holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() - started > 30 * 60_000) throw new BuildError(`another build (pid ${holder}) has held ${lockFile} for 30 minutes`);
      if (!told) onWait(holder);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}

export { existsSync };
