// Frame comparison for replay. Recorded and live runs differ in values that are random by design (worker
// ids, reattach tokens, invocation ids, pids, timestamps); everything else must be equal. A random value
// is bound the first time it is seen (recorded -> live), and every later occurrence must keep the binding,
// so "the result went to the wrong invocation" still shows as a divergence. Which values, and why:
// harness/replay/varying-values.ts.

import { FIRST_LINE_KEYS, IGNORED_KEYS } from '../replay/varying-values.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function looksRandom(key: string | undefined, value: string): boolean {
  if (UUID.test(value)) return true;
  return key !== undefined && /(^|_)(token|id)$/i.test(key) && value.length >= 16 && /\d/.test(value) && /[a-z]/i.test(value);
}

export interface FrameDifference {
  /** JSON pointer of the first difference ("" = the frame itself). */
  path: string;
  expected: unknown;
  actual: unknown;
}

export class IdBindings {
  private readonly toLive = new Map<string, string>();
  private readonly toRecorded = new Map<string, string>();
  /** Recorded pid -> live pid: SDKs derive defaults from it (the Node SDK's worker name is "host:<pid>"). */
  readonly pids = new Map<string, string>();

  /** The recorded string with every bound pid replaced by its live one. */
  withLivePids(text: string): string {
    let out = text;
    for (const [recorded, live] of this.pids) out = out.split(recorded).join(live);
    return out;
  }

  live(recorded: string): string | undefined {
    return this.toLive.get(recorded);
  }

  /** Binds recorded <-> live; false when either side is already bound elsewhere. */
  bind(recorded: string, live: string): boolean {
    const a = this.toLive.get(recorded);
    const b = this.toRecorded.get(live);
    if (a === undefined && b === undefined) {
      this.toLive.set(recorded, live);
      this.toRecorded.set(live, recorded);
      return true;
    }
    return a === live && b === recorded;
  }

  /** A copy to try a comparison on without committing its bindings. */
  clone(): IdBindings {
    const copy = new IdBindings();
    for (const [k, v] of this.toLive) copy.toLive.set(k, v);
    for (const [k, v] of this.toRecorded) copy.toRecorded.set(k, v);
    for (const [k, v] of this.pids) copy.pids.set(k, v);
    return copy;
  }

  /** Takes over the bindings of a successful trial. */
  adopt(trial: IdBindings): void {
    for (const [k, v] of trial.toLive) this.toLive.set(k, v);
    for (const [k, v] of trial.toRecorded) this.toRecorded.set(k, v);
    for (const [k, v] of trial.pids) this.pids.set(k, v);
  }

  /**
   * Binds every random-looking value in a frame we send to itself: the other side must echo exactly what it
   * received (an invocation id we sent, answered with another one, is a divergence, not a new binding).
   */
  bindOwn(value: unknown, key?: string): void {
    if (typeof value === 'string') {
      if (looksRandom(key, value) && this.toLive.get(value) === undefined && this.toRecorded.get(value) === undefined) this.bind(value, value);
    } else if (Array.isArray(value)) {
      for (const v of value) this.bindOwn(v, key);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) this.bindOwn(v, k);
    }
  }

  /** A recorded frame of our side with its random values replaced by the live ones bound so far. */
  rewrite(value: unknown): unknown {
    if (typeof value === 'string') return this.toLive.get(value) ?? value;
    if (Array.isArray(value)) return value.map((v) => this.rewrite(v));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.rewrite(v)]));
    }
    return value;
  }
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

export function compareFrames(expected: unknown, actual: unknown, ids: IdBindings, path = '', key?: string): FrameDifference | undefined {
  if (typeof expected === 'string' && typeof actual === 'string') {
    if (key !== undefined && FIRST_LINE_KEYS.has(key)) return firstLine(expected) === firstLine(actual) ? undefined : { path, expected, actual };
    if (expected === actual && ids.live(expected) === undefined) return undefined;
    const bound = ids.live(expected);
    if (bound !== undefined) return bound === actual ? undefined : { path, expected, actual };
    if (looksRandom(key, expected) && looksRandom(key, actual) && ids.bind(expected, actual)) return undefined;
    if (expected !== actual && ids.pids.size > 0 && ids.withLivePids(expected) === actual) return undefined;
    return expected === actual ? undefined : { path, expected, actual };
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      if (i >= expected.length || i >= actual.length) return { path: pointer(path, i), expected: expected[i], actual: actual[i] };
      const d = compareFrames(expected[i], actual[i], ids, pointer(path, i), key);
      if (d) return d;
    }
    return undefined;
  }
  if (
    expected !== null &&
    actual !== null &&
    typeof expected === 'object' &&
    typeof actual === 'object' &&
    !Array.isArray(expected) &&
    !Array.isArray(actual)
  ) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    // A pid is not compared, but bound first, so values derived from it (default worker names) compare.
    if (typeof e.pid === 'number' && typeof a.pid === 'number' && e.pid !== a.pid && e.pid > 1) ids.pids.set(String(e.pid), String(a.pid));
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])].filter((k) => !IGNORED_KEYS.has(k));
    for (const k of keys) {
      if (!(k in e) || !(k in a)) return { path: pointer(path, k), expected: e[k], actual: a[k] };
      const d = compareFrames(e[k], a[k], ids, pointer(path, k), k);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : { path, expected, actual };
}
