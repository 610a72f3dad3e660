// Reading what `replay` is handed: a transcript, or a repro bundle someone attached to an issue. A bundle is
// untrusted data: its JSON is checked for shape and size, and every path it names must stay inside its own
// folder (no "..", no absolute path, no symlink leading out), so replaying it never reads another file.

import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { UsageError } from '../cli/errors.ts';
import { forTerminal } from '../util/terminal.ts';
import { isJsonObject } from '../util/json-object.ts';

/** A bundle.json is a few KB; anything this large is not one (and is not parsed). */
export const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;
/** Transcripts of the catalogue's cases are well under 1 MB; this bounds memory for a crafted one. */
export const MAX_TRANSCRIPT_BYTES = 64 * 1024 * 1024;

export interface ReplaySource {
  transcript: string;
  side?: 'sdk' | 'engine';
  /** The target the bundle names: data to show the user, never run without their say-so. */
  target?: string;
  /** Driver logs of a bundle, confined to its folder: their `command` lines are replayed to the driver. */
  logs: string[];
  /** The run's time scale (tolerance model): replay's waits stretch by it, as the case's did. */
  timeScale?: number;
}

/** Control bytes made visible, so a crafted name cannot drive the terminal through an error message. */
export function visible(text: string, max = 200): string {
  const shown = forTerminal(text);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

/**
 * `relative` (a path a bundle names) resolved inside `dir`, or a UsageError naming it. Checked twice: by
 * name (no absolute path, no ".." segment) and by the real path after symlinks.
 */
export async function confinedPath(dir: string, relative: string, what: string): Promise<string> {
  const refuse = (why: string) =>
    new UsageError(`replay: the bundle's ${what} path "${visible(relative)}" ${why}; a bundle may only name files inside its own folder (${visible(dir)})`);
  if (relative === '' || relative.includes('\0')) throw refuse('is empty or holds a NUL byte');
  if (isAbsolute(relative) || /^[a-zA-Z]:|^[\\/]/.test(relative)) throw refuse('is absolute');
  if (relative.split(/[\\/]/).includes('..')) throw refuse('leads out of the bundle with ".."');
  const joined = join(dir, relative);
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    throw new UsageError(`replay: the bundle's ${what} "${visible(relative)}" does not exist in ${visible(dir)}`);
  }
  const realDir = await realpath(dir);
  if (real !== realDir && !real.startsWith(realDir.endsWith(sep) ? realDir : realDir + sep)) throw refuse('is a symlink leading out of the bundle');
  if (!(await stat(real)).isFile()) throw refuse('is not a regular file');
  return real;
}

async function readLimited(path: string, limit: number, what: string): Promise<string> {
  const info = await stat(path);
  if (info.size > limit) throw new UsageError(`replay: ${visible(path)} is ${info.size} bytes, larger than any ${what} (limit ${limit}); refusing to read it`);
  return readFile(path, 'utf8');
}

export async function readTranscriptText(path: string): Promise<string> {
  return readLimited(path, MAX_TRANSCRIPT_BYTES, 'transcript');
}

function timeScaleOf(tolerance: unknown): number | undefined {
  const scale = isJsonObject(tolerance) ? tolerance.timeScale : undefined;
  return typeof scale === 'number' && Number.isFinite(scale) && scale >= 1 && scale <= 100 ? scale : undefined;
}

/** A transcript path, a bundle folder, or its bundle.json -> what to replay. */
export async function loadReplaySource(file: string, cwd: string): Promise<ReplaySource> {
  const path = resolve(cwd, file);
  let info;
  try {
    info = await lstat(path).then(async (l) => (l.isSymbolicLink() ? stat(path) : l));
  } catch {
    throw new UsageError(`replay: ${visible(file)} does not exist; give a transcript (.jsonl) or a repro bundle folder / bundle.json`);
  }
  const bundlePath = info.isDirectory() ? join(path, 'bundle.json') : path.endsWith('.json') ? path : undefined;
  if (!bundlePath) return { transcript: path, logs: [] };
  const notBundle = (why: string) => new UsageError(`replay: ${visible(bundlePath)} is not a repro bundle (bundle.json): ${why}`);
  let text: string;
  try {
    text = await readLimited(bundlePath, MAX_BUNDLE_BYTES, 'bundle.json');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw notBundle('it cannot be read');
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    throw notBundle('it is not JSON');
  }
  if (!isJsonObject(bundle)) throw notBundle(`it holds ${bundle === null ? 'null' : Array.isArray(bundle) ? 'an array' : `a ${typeof bundle}`}, not an object`);
  if (bundle.format !== 'iii-conformance-repro') throw notBundle('its "format" is not "iii-conformance-repro"');
  if (typeof bundle.transcript !== 'string')
    throw new UsageError(
      `replay: the bundle ${visible(bundlePath)} holds no transcript, so there is nothing to replay; rerun the case with its rerun.sh instead`,
    );
  const dir = dirname(bundlePath);
  const transcript = await confinedPath(dir, bundle.transcript, 'transcript');
  const logs: string[] = [];
  if (bundle.logs !== undefined && !Array.isArray(bundle.logs)) throw notBundle('its "logs" is not a list of file names');
  for (const log of Array.isArray(bundle.logs) ? bundle.logs : []) {
    if (typeof log !== 'string') throw notBundle('its "logs" holds something other than a file name');
    logs.push(await confinedPath(dir, log, 'log'));
  }
  return {
    transcript,
    ...(bundle.side === 'sdk' || bundle.side === 'engine' ? { side: bundle.side } : {}),
    ...(typeof bundle.target === 'string' ? { target: bundle.target } : {}),
    logs,
    ...(timeScaleOf(bundle.tolerance) !== undefined ? { timeScale: timeScaleOf(bundle.tolerance) } : {}),
  };
}
