// Which engine is under test, so that per-engine baselines (fixtures/baselines/<name>@<version>.json) work.
//
// The protocol tells an engine's version, not its name: `engine::workers::list` lists the engine's
// in-process workers with `runtime: "engine"` and the engine's own version (engine-protocol.md §5,
// WorkerSummary). So one fake worker asks once, and an engine that answers so is named `iii-engine` at
// that version. `--engine-name <name>[@<version>]` overrides the name (and the version when given) or
// fills in for an engine that does not answer; with neither, the target as the user named it stands.
// The answer is the engine's own claim and untrusted: it is length-limited and made printable before it
// reaches a file name, a terminal or a report.

import { FakeWorker } from '../../fake-worker/index.ts';
import { isJsonObject } from '../../util/json-object.ts';
import type { Unchecked, WorkerInfo, WorkersListResponse } from '../../wire/index.ts';

/** The name of an engine that lists in-process workers with `runtime: "engine"` (the iii engine's marker). */
export const ANSWERED_ENGINE_NAME = 'iii-engine';

/** The driver contract's Identifier limit (schemas/driver/event.schema.json), applied to engines too. */
export const IDENTIFIER_MAX_LENGTH = 64;

/** `--engine-name`, parsed: a name, and a version when it was given as `<name>@<version>`. */
export interface EngineNameOverride {
  name: string;
  version?: string;
}

export interface EngineIdentity {
  name: string;
  version: string;
  /** Where the name and version came from, for the progress line and the docs' promise. */
  source: 'engine' | '--engine-name' | 'target';
}

// Control characters, bidi controls and line separators: the same set the terminal sanitiser escapes.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** `text` made a short printable identifier: unprintable characters dropped, trimmed, clipped to 64. */
export function sanitizeIdentifier(text: string): string {
  return [...text.replace(UNPRINTABLE, '').trim()].slice(0, IDENTIFIER_MAX_LENGTH).join('').trim();
}

/** Parses `--engine-name <name>[@<version>]`; the last `@` separates the version. Null: nothing usable. */
export function parseEngineName(text: string): EngineNameOverride | null {
  const at = text.lastIndexOf('@');
  const name = sanitizeIdentifier(at > 0 ? text.slice(0, at) : text);
  const version = at > 0 ? sanitizeIdentifier(text.slice(at + 1)) : undefined;
  if (name === '' || version === '') return null;
  return version === undefined ? { name } : { name, version };
}

/** The engine's version from an `engine::workers::list` result: the first in-process row's, sanitised. */
export function versionFromWorkerList(result: unknown): string | undefined {
  // The engine under test answered: field names from the generated payload types, values checked one by one.
  const workers = isJsonObject(result) ? (result as Unchecked<WorkersListResponse>).workers : undefined;
  if (!Array.isArray(workers)) return undefined;
  // Bounded: a hostile engine may list a million rows; the engine's own rows come first in any real answer size.
  for (const row of workers.slice(0, 1000)) {
    if (!isJsonObject(row)) continue;
    const { runtime, version } = row as Unchecked<WorkerInfo>;
    if (runtime !== 'engine' || typeof version !== 'string') continue;
    const clean = sanitizeIdentifier(version);
    if (clean !== '') return clean;
  }
  return undefined;
}

/** Frames larger than this are refused by the asking worker: a list of workers is a few kB. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Asks the engine at `url` for its version: one fake worker, one `engine::workers::list` call, then it
 * disconnects. Undefined when the engine gives none (no such builtin, no in-process row, no answer in
 * time): the caller falls back to `--engine-name` or the target.
 */
export async function askEngineVersion(url: string, timeoutMs = 5000): Promise<string | undefined> {
  let worker: FakeWorker | undefined;
  try {
    worker = await FakeWorker.connect(url, { connectTimeoutMs: timeoutMs, defaultTimeoutMs: timeoutMs, maxPayload: MAX_ANSWER_BYTES, peerName: 'identity' });
    const outcome = await worker.invoke('engine::workers::list', {}, { timeoutMs });
    return outcome.ok ? versionFromWorkerList(outcome.result) : undefined;
  } catch {
    return undefined;
  } finally {
    if (worker) await worker.disconnect(1000, 'identity known', { timeoutMs: 1000 }).catch(() => worker?.terminate());
  }
}

/** The identity a run reports: `--engine-name` first, then the engine's answer, then the target's label. */
export function resolveEngineIdentity(answered: string | undefined, override: EngineNameOverride | undefined, targetLabel: string): EngineIdentity {
  if (override) return { name: override.name, version: override.version ?? answered ?? 'unknown', source: '--engine-name' };
  if (answered !== undefined) return { name: ANSWERED_ENGINE_NAME, version: answered, source: 'engine' };
  return { name: targetLabel, version: 'unknown', source: 'target' };
}
