// What a case configured beyond its frames, read back from its transcript so a replay starts the SDK (or the
// reference engine) the way the case did. The recorded options come from an untrusted file: only the worker options of the driver
// contract are taken, each with its type checked (anything else is dropped, never passed to a driver).

import type { ReconnectionOptions, WorkerOptions } from '../targets/sdk/contract.ts';
import { isJsonObject } from '../util/json-object.ts';

const RECONNECTION_KEYS = ['initialDelayMs', 'maxDelayMs', 'backoffMultiplier', 'jitterFactor', 'maxRetries'] as const;

export function workerOptionsFrom(recorded: Record<string, unknown>): WorkerOptions {
  const out: WorkerOptions = {};
  for (const key of ['workerName', 'description', 'namespace'] as const) if (typeof recorded[key] === 'string') out[key] = recorded[key];
  if (typeof recorded.invocationTimeoutMs === 'number') out.invocationTimeoutMs = recorded.invocationTimeoutMs;
  for (const key of ['metrics', 'otel'] as const) if (typeof recorded[key] === 'boolean') out[key] = recorded[key];
  if (isJsonObject(recorded.reconnection)) {
    const r: ReconnectionOptions = {};
    for (const key of RECONNECTION_KEYS) {
      const v = recorded.reconnection[key];
      if (typeof v === 'number' && Number.isFinite(v)) r[key] = v;
    }
    out.reconnection = r;
  }
  if (isJsonObject(recorded.headers)) {
    const h = Object.entries(recorded.headers).filter((e): e is [string, string] => typeof e[1] === 'string');
    out.headers = Object.fromEntries(h);
  }
  return out;
}

/** The engine settings an engine case ran with (its transcript header's meta), for a replay's reference engine. */
export interface RecordedEngineSettings {
  namespaceGraceMs?: number;
  handshakeTimeoutMs?: number;
}

/** Longest setting taken from a file: a hostile header cannot stall a replay's engine for longer. */
const MAX_ENGINE_SETTING_MS = 600_000;

export function engineSettingsFrom(records: readonly unknown[]): RecordedEngineSettings {
  const header = records.find((r) => isJsonObject(r) && r.kind === 'header');
  const meta = isJsonObject(header) && isJsonObject(header.meta) ? header.meta : {};
  const out: RecordedEngineSettings = {};
  for (const key of ['namespaceGraceMs', 'handshakeTimeoutMs'] as const) {
    const v = meta[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_ENGINE_SETTING_MS) out[key] = v;
  }
  return out;
}
