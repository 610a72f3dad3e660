// Scale: N concurrent fake workers against the reference engine in its OWN process. Each worker connects,
// announces itself (engine::workers::register), registers 5 functions, makes one invocation (of its
// neighbour's function, routed through the engine) and disconnects. Baseline, same run, same process
// layout: N raw `ws` clients sending and answering the very same frames (no recording, no validation).
// Reported per N: wall time of each phase and peak RSS, fake and raw, and their ratios.
// Target: 10,000 fake workers with the harness side's peak RSS under 1 GiB.
//
//   npm run bench scale                       (defaults: --workers 1000,5000,10000,20000)
//   npm run bench scale -- --workers 1000,5000 --batch 250
//
// Every (N, kind) runs in a fresh harness child process, which starts the engine in a child of its own
// (bench/support/scale-engine.ts), so each side's peak RSS (getrusage maxrss) is its own and each side
// holds one descriptor per worker. The soft fd limit is raised up to the hard one with `prlimit`.

import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { FakeWorker } from '../harness/fake-worker/index.ts';
import { TranscriptRecorder } from '../harness/transcript/index.ts';
import type { ScaleEngineStats } from './support/scale-engine.ts';

const TARGET_WORKERS = 10_000;
const TARGET_PEAK_MIB = 1024;
const FUNCTIONS_PER_WORKER = 5;

interface Phases {
  connectMs: number;
  registerMs: number;
  invokeMs: number;
  disconnectMs: number;
  totalMs: number;
}

interface ChildResult extends Phases {
  kind: 'fake' | 'raw';
  workers: number;
  /** Harness side (the workers' process). */
  peakRssMiB: number;
  /** RSS of the harness side before the first worker: what the workers add is peak minus this. */
  baseRssMiB: number;
  /** The engine's own process, same run. */
  enginePeakRssMiB: number;
  invocationsOk: number;
  cpuSeconds: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/** Runs `task(i)` for i in [0, n) with at most `batch` in flight. */
async function inBatches(n: number, batch: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(batch, n) }, async () => {
      while (next < n) {
        const i = next++;
        await task(i);
      }
    }),
  );
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The engine child as the workers' side sees it: its URL, its counters on request, and a stop by pid. */
interface EngineProcess {
  url: string;
  stats(): Promise<ScaleEngineStats>;
  stop(): Promise<void>;
}

async function startEngineProcess(nofile: number | null): Promise<EngineProcess> {
  const nodeArgs = ['--import', 'tsx', join(here, 'support', 'scale-engine.ts')];
  const [file, args] = nofile === null ? [process.execPath, nodeArgs] : ['prlimit', [`--nofile=${nofile}:${nofile}`, process.execPath, ...nodeArgs]];
  const proc: ChildProcessByStdio<Writable, Readable, null> = spawn(file, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const lines = createInterface({ input: proc.stdout });
  // Answers come back in the order asked; an engine that dies fails every pending question at once.
  const waiting: { resolve: (s: ScaleEngineStats) => void; reject: (e: Error) => void }[] = [];
  proc.once('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`engine process exited (${code ?? signal})`));
  });
  const ready = new Promise<string>((resolve, reject) => {
    proc.once('exit', (code, signal) => reject(new Error(`engine process exited (${code ?? signal}) before it was ready`)));
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(line.slice('READY '.length));
      else if (line.startsWith('STATS ')) waiting.shift()?.resolve(JSON.parse(line.slice('STATS '.length)) as ScaleEngineStats);
    });
  });
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGTERM');
    await exited;
  };
  // Ctrl-C or a kill of this process stops the engine by its pid too (it also exits when its stdin closes).
  const onSignal = (): void => void stop().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let url: string;
  try {
    url = await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    stats: () =>
      new Promise<ScaleEngineStats>((resolve, reject) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return reject(new Error('engine process has exited'));
        waiting.push({ resolve, reject });
        proc.stdin.write('stats\n');
      }),
    stop,
  };
}

const fn = (worker: number, k: number): string => `scale${worker}::f${k}`;

async function runFake(engine: EngineProcess, n: number, batch: number): Promise<Phases & { invocationsOk: number }> {
  const transcript = new TranscriptRecorder({ meta: { bench: 'scale' } });
  const workers: FakeWorker[] = new Array(n);
  const t0 = performance.now();
  await inBatches(n, batch, async (i) => {
    const w = await FakeWorker.connect(engine.url, { transcript, peerName: `w${i}`, defaultTimeoutMs: 120_000, connectTimeoutMs: 120_000 });
    workers[i] = w;
    await w.registered({ timeoutMs: 120_000 });
  });
  const t1 = performance.now();
  const before = (await engine.stats()).functions;
  for (const [i, w] of workers.entries()) {
    await w.registerWorker({ name: `scale-${i}` }, { awaitResult: false });
    for (let k = 0; k < FUNCTIONS_PER_WORKER; k++) await w.registerFunction(fn(i, k), (data) => data);
  }
  await waitUntil(async () => (await engine.stats()).functions >= before + n * FUNCTIONS_PER_WORKER, 120_000, 'every registration');
  const t2 = performance.now();
  let ok = 0;
  await Promise.all(
    workers.map(async (w, i) => {
      const out = await w.invoke(fn((i + 1) % n, 0), { from: i }, { timeoutMs: 120_000 });
      if (out.ok) ok++;
    }),
  );
  const t3 = performance.now();
  await Promise.all(workers.map((w) => w.disconnect(1000, '', { timeoutMs: 120_000 })));
  await waitUntil(async () => (await engine.stats()).connections === 0, 120_000, 'the engine to drop every connection');
  const t4 = performance.now();
  return { connectMs: t1 - t0, registerMs: t2 - t1, invokeMs: t3 - t2, disconnectMs: t4 - t3, totalMs: t4 - t0, invocationsOk: ok };
}

/** The same frames over bare ws clients: no transcript, no validation, no waits beyond what the protocol needs. */
async function runRaw(engine: EngineProcess, n: number, batch: number): Promise<Phases & { invocationsOk: number }> {
  const sockets: WebSocket[] = new Array(n);
  const results = new Map<string, () => void>();
  const t0 = performance.now();
  await inBatches(n, batch, async (i) => {
    const ws = new WebSocket(engine.url, { perMessageDeflate: false });
    sockets[i] = ws;
    const registered = new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed (${code}) before workerregistered`)));
      ws.on('message', (data) => {
        const text = String(data);
        if (text.includes('"workerregistered"')) return resolve();
        const frame = JSON.parse(text) as { type: string; invocation_id?: string; function_id?: string; data?: unknown; result?: unknown };
        if (frame.type === 'invokefunction' && frame.invocation_id) {
          ws.send(JSON.stringify({ type: 'invocationresult', invocation_id: frame.invocation_id, function_id: frame.function_id, result: frame.data }));
        } else if (frame.type === 'invocationresult' && frame.invocation_id) {
          results.get(frame.invocation_id)?.();
        }
      });
    });
    await registered;
  });
  const t1 = performance.now();
  const before = (await engine.stats()).functions;
  for (const [i, ws] of sockets.entries()) {
    ws.send(
      JSON.stringify({
        type: 'invokefunction',
        function_id: 'engine::workers::register',
        data: { runtime: 'fake', version: '0.0.0', name: `scale-${i}`, os: process.platform, pid: process.pid },
        action: { type: 'void' },
      }),
    );
    for (let k = 0; k < FUNCTIONS_PER_WORKER; k++) ws.send(JSON.stringify({ type: 'registerfunction', id: fn(i, k) }));
  }
  await waitUntil(async () => (await engine.stats()).functions >= before + n * FUNCTIONS_PER_WORKER, 120_000, 'every registration');
  const t2 = performance.now();
  let ok = 0;
  await Promise.all(
    sockets.map(
      (ws, i) =>
        new Promise<void>((resolve) => {
          const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
          results.set(id, () => {
            ok++;
            resolve();
          });
          ws.send(JSON.stringify({ type: 'invokefunction', invocation_id: id, function_id: fn((i + 1) % n, 0), data: { from: i } }));
        }),
    ),
  );
  const t3 = performance.now();
  await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => (ws.once('close', () => resolve()), ws.close(1000)))));
  await waitUntil(async () => (await engine.stats()).connections === 0, 120_000, 'the engine to drop every connection');
  const t4 = performance.now();
  return { connectMs: t1 - t0, registerMs: t2 - t1, invokeMs: t3 - t2, disconnectMs: t4 - t3, totalMs: t4 - t0, invocationsOk: ok };
}

async function child(kind: 'fake' | 'raw', n: number, batch: number, nofile: number | null): Promise<void> {
  const engine = await startEngineProcess(nofile);
  const baseRss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  try {
    const phases = kind === 'fake' ? await runFake(engine, n, batch) : await runRaw(engine, n, batch);
    const used = process.cpuUsage(cpu);
    const result: ChildResult = {
      kind,
      workers: n,
      ...phases,
      // maxRSS is in KiB on Linux.
      peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      baseRssMiB: mib(baseRss),
      enginePeakRssMiB: (await engine.stats()).peakRssMiB,
      cpuSeconds: Math.round(((used.user + used.system) / 1e6) * 100) / 100,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await engine.stop();
  }
}

function runChild(kind: 'fake' | 'raw', n: number, batch: number, nofile: number | null): ChildResult | { kind: string; workers: number; error: string } {
  const nodeArgs = [
    '--import',
    'tsx',
    join(here, 'scale.ts'),
    '--child',
    kind,
    '--workers',
    String(n),
    '--batch',
    String(batch),
    ...(nofile === null ? [] : ['--nofile', String(nofile)]),
  ];
  const [file, args] = nofile === null ? [process.execPath, nodeArgs] : ['prlimit', [`--nofile=${nofile}:${nofile}`, process.execPath, ...nodeArgs]];
  const r = spawnSync(file, args, { cwd: root, encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return { kind, workers: n, error: (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

/** The soft and hard fd limits of this process, from /proc (Node has no getrlimit). */
function nofileLimits(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const cols = line?.split(/\s+/) ?? [];
  const num = (x: string | undefined): number => (x === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(x ?? 1024));
  return { soft: num(cols[3]), hard: num(cols[4]) };
}

/** File descriptors a run of n workers needs in each process: one socket end per worker, plus headroom. */
const fdsFor = (n: number): number => n + 256;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '1000,5000,10000,20000' },
      nofile: { type: 'string' },
      batch: { type: 'string', default: '250' },
      child: { type: 'string' },
      out: { type: 'string' },
    },
    allowPositionals: true,
    strict: false, // `npm run bench -- …` hands every benchmark the same arguments
  });
  const batch = Number(values.batch);
  if (values.child === 'fake' || values.child === 'raw')
    return child(values.child, Number(values.workers), batch, typeof values.nofile === 'string' ? Number(values.nofile) : null);

  const requested = String(values.workers).split(',').map(Number);
  const limits = nofileLimits();
  // Raise the soft limit up to the hard one when a size needs it (no privilege needed for that). The
  // engine is one process holding one socket per worker, so a size beyond the hard limit cannot run
  // here whatever the workers' side does (splitting the workers over two processes would not help):
  // it is reported, and the largest size that fits is measured in its place.
  const fits = (n: number): boolean => fdsFor(n) <= limits.hard;
  const largestFitting = Math.floor((limits.hard - 256) / 100) * 100;
  const sizes = [...new Set(requested.map((n) => (fits(n) ? n : largestFitting)))];
  const skipped = requested
    .filter((n) => !fits(n))
    .map((n) => ({
      workers: n,
      reason: `needs ${fdsFor(n)} file descriptors in the engine's process; the hard limit here is ${limits.hard} (ulimit -Hn) and cannot be raised without CAP_SYS_RESOURCE, so ${largestFitting} workers were measured instead`,
    }));
  const needed = fdsFor(Math.max(...sizes));
  const nofile = limits.soft >= needed ? null : Math.min(needed, limits.hard);
  const limit = limits.soft;
  const load = loadavg().map((x) => Math.round(x * 100) / 100);
  console.log(
    `scale: fake workers vs raw ws clients against the reference engine in its own process; fd limit soft ${limits.soft} hard ${limits.hard}${nofile ? ` (children run with prlimit --nofile=${nofile})` : ''}; load ${load.join(' ')}`,
  );
  for (const s of skipped) console.log(`${String(s.workers).padStart(6)} not run: ${s.reason}`);
  const rows: { workers: number; fake: ReturnType<typeof runChild>; raw: ReturnType<typeof runChild> }[] = [];
  for (const n of sizes) {
    // Raw first, then fake, at each size: machine drift hits both alike.
    const raw = runChild('raw', n, batch, nofile);
    const fake = runChild('fake', n, batch, nofile);
    rows.push({ workers: n, fake, raw });
    const show = (r: ReturnType<typeof runChild>): string =>
      'error' in r
        ? `error: ${r.error}`
        : `${(r.totalMs / 1000).toFixed(2)} s (connect ${Math.round(r.connectMs)} / register ${Math.round(r.registerMs)} / invoke ${Math.round(r.invokeMs)} / disconnect ${Math.round(r.disconnectMs)} ms), peak RSS workers ${r.peakRssMiB} MiB / engine ${r.enginePeakRssMiB} MiB, ${r.invocationsOk}/${n} ok`;
    console.log(`${String(n).padStart(6)} fake: ${show(fake)}`);
    console.log(`${String(n).padStart(6)} raw:  ${show(raw)}`);
    if (!('error' in fake) && !('error' in raw))
      console.log(
        `${' '.repeat(6)} ratio fake/raw: time ${(fake.totalMs / raw.totalMs).toFixed(2)}, peak RSS ${(fake.peakRssMiB / raw.peakRssMiB).toFixed(2)}`,
      );
  }
  const at5k = rows.find((r) => r.workers === TARGET_WORKERS)?.fake;
  const meetsTarget = at5k !== undefined && !('error' in at5k) && at5k.peakRssMiB < TARGET_PEAK_MIB && at5k.invocationsOk === TARGET_WORKERS;
  const report = {
    benchmark: 'scale',
    description: `N fake workers (connect, engine::workers::register, ${FUNCTIONS_PER_WORKER} registerfunction, one routed invocation, close) vs N raw ws clients sending the same frames, reference engine in a child process of its own`,
    command: `npm run bench scale -- --workers ${sizes.join(',')} --batch ${batch}`,
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: load,
    nofileLimit: limits,
    nofileUsed: nofile ?? limit,
    skipped,
    target: { workers: TARGET_WORKERS, harnessPeakRssMiB: TARGET_PEAK_MIB },
    rows: rows.map((r) => ({
      ...r,
      ratio: 'error' in r.fake || 'error' in r.raw ? null : { time: r.fake.totalMs / r.raw.totalMs, peakRss: r.fake.peakRssMiB / r.raw.peakRssMiB },
    })),
    meetsTarget,
  };
  const outFile = typeof values.out === 'string' ? values.out : join(root, 'reports', 'bench', 'scale.json');
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify(report, null, 2) + '\n');
  console.log(
    `${meetsTarget ? 'meets' : 'misses'} target (${TARGET_WORKERS} workers, every invocation ok, harness side under ${TARGET_PEAK_MIB} MiB peak RSS); written to ${outFile}`,
  );
  if (!meetsTarget) process.exitCode = 1;
}

await main();
