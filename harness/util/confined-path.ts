// A path taken from a file someone handed us (results.json, bundle.json) is resolved inside that file's
// folder and refused if it leaves it — after following symlinks (realpath), so a link inside the folder
// pointing at /etc/passwd is refused too. A path that looks like a URL (`javascript:…`, `file:…`) is refused:
// it would become a link with that scheme.

import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

export type ConfinedPath = { ok: true; path: string } | { ok: false; reason: string };

const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // does not exist (yet): nothing to follow, the lexical check decides
  }
}

/** Resolves `path` (relative to `folder`) and checks it stays inside `folder`, symlinks followed. */
export function confinePath(folder: string, path: string): ConfinedPath {
  if (typeof path !== 'string' || path === '') return { ok: false, reason: 'not a path' };
  if (path.includes('\u0000')) return { ok: false, reason: 'contains a NUL byte' };
  if (URL_LIKE.test(path)) return { ok: false, reason: 'looks like a URL, not a path' };
  const realFolder = realOrSelf(resolve(folder));
  const lexical = resolve(realFolder, path);
  if (!inside(realFolder, lexical)) return { ok: false, reason: 'outside the folder of the file that names it' };
  if (!inside(realFolder, realOrSelf(lexical))) return { ok: false, reason: 'a link leading outside the folder of the file that names it' };
  return { ok: true, path: lexical };
}
