// Baselines: the known failures of one implementation version, so CI gates on regressions only.
//
// File: fixtures/baselines/<implementation>@<version>.json, a JSON object mapping a case id to a one-line
// reason (keys starting with "$" are comments and ignored):
//   { "$comment": "iii-sdk (node) 0.22.1, regenerated with --update-baseline",
//     "sdk.reconnect.honours-max-delay": "caps the delay before jitter, see issue #12" }
// A failure not listed is a regression; a listed case that now passes is a stale entry. Both fail the run
// (exit 1), so the file can only shrink as bugs get fixed and never hides a fixed case.
// One exception: a reason that starts with "race:" names an intermittent finding (a real race the case
// catches in some runs only). Its PASS proves nothing, so it is not stale; it stays until someone shows
// the race fixed and removes it by hand.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Implementation } from '../cases/model.ts';
import type { CatalogueRun } from '../runner/types.ts';
import { implementationName } from '../targets/implementation-name.ts';

export interface Baseline {
  /** Absolute or cwd-relative path it was read from (or will be written to). */
  path: string;
  /** Case id -> one-line reason. */
  entries: Map<string, string>;
  /** Comment keys ($comment, $schema) kept verbatim when the file is rewritten. */
  comments: Map<string, unknown>;
  /**
   * Set when this is an earlier version's baseline standing in for `borrowedFor` (--baseline-from
   * nearest): its failures are known, but an entry that now passes was fixed since, not stale.
   */
  borrowedFor?: string;
}

export class BaselineError extends Error {}

/** An intermittent finding: its case may pass in a given run without the bug being fixed. */
export function isIntermittent(reason: string): boolean {
  return reason.startsWith('race:');
}

export function parseBaseline(text: string, path: string): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(
      `baseline ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}); fix it or regenerate it with --update-baseline`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new BaselineError(`baseline ${path} must be a JSON object mapping case ids to one-line reasons`);
  }
  const entries = new Map<string, string>();
  const comments = new Map<string, unknown>();
  for (const [key, value] of Object.entries(data)) {
    if (key.startsWith('$')) {
      comments.set(key, value);
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
      throw new BaselineError(`baseline ${path}: the reason for "${key}" must be a non-empty one-line string`);
    }
    entries.set(key, value);
  }
  return { path, entries, comments };
}

/** Reads a baseline; a missing file is an error only when `required` (the user named it). */
export async function loadBaseline(path: string, required: boolean): Promise<Baseline | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !required) return undefined;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BaselineError(`baseline ${path} does not exist; check the path, or create it with --update-baseline`);
    }
    throw new BaselineError(`baseline ${path} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseBaseline(text, path);
}

/** fixtures/baselines/<slug of name>@<version>.json, e.g. fixtures/baselines/iii-sdk-node@0.22.1.json. */
export function defaultBaselinePath(root: string, implementation: Pick<Implementation, 'name' | 'version'>): string {
  // Clipped: the name and version come from the implementation, and a file name has a length limit.
  const slug =
    String(implementation.name)
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'implementation';
  const version =
    String(implementation.version)
      .replace(/[^A-Za-z0-9.+-]+/g, '-')
      .replace(/^\.+/, '')
      .slice(0, 60) || 'unknown';
  return join(root, 'fixtures', 'baselines', `${slug}@${version}.json`);
}

export function serializeBaseline(baseline: Pick<Baseline, 'entries' | 'comments'>): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of baseline.comments) out[k] = v;
  for (const id of [...baseline.entries.keys()].sort()) out[id] = baseline.entries.get(id);
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * The baseline a run would need to pass: every case that FAILED, ERRORED or was flaky, keeping the
 * existing reason of an entry that still fails, and the case's summary as the reason of a new one.
 * Entries of cases that did not run this time (other lanes, other selections) are kept as they were.
 */
export function regenerateBaseline(previous: Baseline | undefined, path: string, runs: readonly CatalogueRun[]): Baseline {
  const ran = new Set<string>();
  const entries = new Map<string, string>();
  for (const run of runs) {
    for (const c of run.cases) {
      ran.add(c.info.id);
      const v = c.result.outcome.verdict;
      if (v === 'FAIL' || v === 'ERROR' || c.flaky) {
        const kept = previous?.entries.get(c.info.id);
        const reason = kept ?? oneLine(`${c.flaky ? 'flaky: ' : ''}${c.result.outcome.summary}`);
        entries.set(c.info.id, reason);
      }
    }
  }
  for (const [id, reason] of previous?.entries ?? []) if (!ran.has(id)) entries.set(id, reason);
  const comments = new Map(previous?.comments ?? []);
  if (!comments.has('$comment')) {
    const impl = runs.map((r) => (r.implementation ? implementationName(r.implementation) : r.target)).join(', ');
    comments.set('$comment', `Known failures of ${impl}: case id -> one-line reason. Regenerate with --update-baseline.`);
  }
  return { path, entries, comments };
}

export async function writeBaseline(baseline: Baseline): Promise<void> {
  await mkdir(dirname(baseline.path), { recursive: true });
  await writeFile(baseline.path, serializeBaseline(baseline));
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat || 'fails';
}
