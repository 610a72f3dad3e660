// Values that differ between a recording and a live run by design, and how replay treats each. Everything
// not listed here is compared exactly.
//
//  - 'bind':   the first live value seen for a recorded one is bound to it (recorded <-> live, both ways);
//              every later occurrence must keep the binding, so "the result went to the wrong invocation"
//              or "the reattach carried another token" still diverges. Bound values are also rewritten
//              into the frames replay sends.
//  - 'ignore': a measurement of this run (a time, a duration) that no later frame refers to; not compared.
//  - 'derive': replaced by its live counterpart before comparing (a pid inside a default worker name).
//  - 'first-line': only the first line is compared (a stack trace's error name and message).

export type Treatment = 'bind' | 'ignore' | 'derive' | 'first-line';

export interface VaryingValue {
  /** The key it appears under (anywhere in a frame), or a description of the value's shape. */
  key: string;
  treatment: Treatment;
  why: string;
}

export const VARYING_VALUES: readonly VaryingValue[] = [
  {
    key: 'any UUID string',
    treatment: 'bind',
    why: 'invocation ids, worker ids and trigger ids are random UUIDs generated per run (engine-protocol §3.8, §3.10)',
  },
  {
    key: '*_id / *token (16+ chars, letters and digits)',
    treatment: 'bind',
    why: 'ids and reattach tokens an implementation generates (reattach_token, previous_worker_id: sdk-behaviour §4.2)',
  },
  { key: 'pid', treatment: 'derive', why: 'the process id of the SDK under test; bound first, so a default worker name "<host>:<pid>" compares' },
  { key: 'connected_at_ms', treatment: 'ignore', why: "the engine's wall-clock time of the connection (engine::workers::list)" },
  { key: 'timestamp', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 'time', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 'ts', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 't', treatment: 'ignore', why: 'a time offset of this run (transcript-style `t` inside payloads)' },
  { key: 'started_at', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 'startedAt', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 'created_at', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 'connected_at', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 'last_seen', treatment: 'ignore', why: 'wall-clock time of this run' },
  { key: 'uptime', treatment: 'ignore', why: 'a duration of this run' },
  { key: 'uptime_ms', treatment: 'ignore', why: 'a duration of this run' },
  { key: 'duration_ms', treatment: 'ignore', why: 'a duration of this run' },
  { key: 'elapsed_ms', treatment: 'ignore', why: 'a duration of this run' },
  {
    key: 'project_name',
    treatment: 'ignore',
    why: 'worker-metadata telemetry: the package name or working directory of the driver (sdk-behaviour §2.2), which differs between a builtin and a cmd: launch of the same SDK',
  },
  { key: 'hostname', treatment: 'ignore', why: 'the machine the recording was made on; a bundle is replayed elsewhere' },
  {
    key: 'stacktrace',
    treatment: 'first-line',
    why: "a handler's error stack (ErrorBody, engine-protocol §9): the first line is the error's name and message; the frames below name the files the SDK runs from, which differ between machines and between an SDK loaded as installed and from the harness's bundle of it (fixtures/drivers/README.md)",
  },
];

/** Keys not compared as they stand: measurements of one run, and the pid (bound separately to derive names). */
export const IGNORED_KEYS: ReadonlySet<string> = new Set(VARYING_VALUES.filter((v) => v.treatment === 'ignore' || v.treatment === 'derive').map((v) => v.key));

/** Keys whose string values compare by their first line only. */
export const FIRST_LINE_KEYS: ReadonlySet<string> = new Set(VARYING_VALUES.filter((v) => v.treatment === 'first-line').map((v) => v.key));

/**
 * Upgrade-request headers replay does not compare, each with why; every other header (the path, a
 * requested subprotocol, the headers a worker was configured to send, the extensions it offers) must be
 * equal, and a header only one side sent diverges.
 */
export const HANDSHAKE_HEADERS_NOT_COMPARED: readonly { header: string; why: string }[] = [
  { header: 'sec-websocket-key', why: 'a fresh random nonce per handshake (RFC 6455 §4.1)' },
  { header: 'host', why: "names the replay server's own port, which differs from the recording's" },
  { header: 'user-agent', why: 'names the runtime and HTTP library build, not protocol behaviour; it changes with the machine the bundle is replayed on' },
];

export const IGNORED_HANDSHAKE_HEADERS: ReadonlySet<string> = new Set(HANDSHAKE_HEADERS_NOT_COMPARED.map((h) => h.header));
