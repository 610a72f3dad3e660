// Invocation round trips per second between the fake engine and the fake worker (recording, validating,
// fault-checking every frame), side by side in the same process and run with a raw `ws` echo of the same
// frames as the baseline. Target (issue 17): the fakes reach at least 0.6 of the raw rate.
//
//   npm run bench fake-throughput      (defaults: 3 rounds x 1500 ms, concurrency 1 and 32)
//   npm run bench fake-throughput -- --duration 3000 --rounds 5 --concurrency 1,8,64 --payload 1024
//
// Rounds alternate raw and fake so that machine noise hits both; the median round of each is reported.
// Results go to reports/bench/fake-throughput.json and to stdout.

import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { FakeEngine } from '../harness/fake-engine/index.ts';
import { FakeWorker } from '../harness/fake-worker/index.ts';
import { TranscriptRecorder } from '../harness/transcript/index.ts';

const TARGET_RATIO = 0.6; // issue 17 item 2

interface Round {
  roundTrips: number;
  seconds: number;
  perSecond: number;
  /** Process CPU time (user + system) per round trip, in µs: less sensitive to other load than the rate. */
  cpuMicrosPerRoundTrip: number;
}

interface Row {
  concurrency: number;
  raw: Round[];
  fake: Round[];
  rawMedian: number;
  fakeMedian: number;
  ratio: number;
  rawCpuMicros: number;
  fakeCpuMicros: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `concurrency` loops of `once` until `durationMs` has passed; counts completed round trips. */
async function drive(durationMs: number, concurrency: number, once: () => Promise<void>): Promise<Round> {
  let count = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await once();
        count += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { roundTrips: count, seconds, perSecond: count / seconds, cpuMicrosPerRoundTrip: (used.user + used.system) / Math.max(1, count) };
}

/** Fake engine invokes, fake worker answers: both sides record, validate and check faults on every frame. */
async function fakeRound(durationMs: number, concurrency: number, payload: unknown): Promise<Round> {
  const transcript = new TranscriptRecorder({ meta: { bench: 'fake-throughput' } });
  const engine = await FakeEngine.start({ transcript });
  const worker = await FakeWorker.connect(engine.url, { transcript });
  try {
    await worker.registerFunction('bench::echo', (data) => data);
    const conn = await engine.waitForConnection();
    await conn.waitFor({ type: 'registerfunction' });
    await conn.invoke('bench::echo', payload); // warm the path
    return await drive(durationMs, concurrency, async () => {
      const out = await conn.invoke('bench::echo', payload, { timeoutMs: 30_000 });
      if (!out.ok) throw new Error(`bench invocation failed: ${out.error.code}`);
    });
  } finally {
    worker.terminate();
    await engine.close();
  }
}

/** The same frames over bare ws: the server sends the invokefunction text, the client echoes a prebuilt result. */
async function rawRound(durationMs: number, concurrency: number, payload: unknown): Promise<Round> {
  const invocationId = randomUUID();
  const invoke = JSON.stringify({ type: 'invokefunction', invocation_id: invocationId, function_id: 'bench::echo', data: payload });
  const result = JSON.stringify({ type: 'invocationresult', invocation_id: invocationId, function_id: 'bench::echo', result: payload });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  client.on('message', () => client.send(result));
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const server = await serverSide;
  const waiting: Array<() => void> = [];
  server.on('message', () => waiting.shift()?.());
  try {
    return await drive(durationMs, concurrency, () => {
      const answered = new Promise<void>((resolve) => waiting.push(resolve));
      server.send(invoke);
      return answered;
    });
  } finally {
    client.terminate();
    server.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '1500' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '1,32' },
      payload: { type: 'string', default: '64' },
      out: { type: 'string' },
      /** Profile one side alone: raw | fake. */
      only: { type: 'string' },
    },
  });
  const durationMs = Number(values.duration);
  const rounds = Number(values.rounds);
  const levels = String(values.concurrency).split(',').map(Number);
  const payloadBytes = Number(values.payload);
  const payload = { text: 'x'.repeat(Math.max(0, payloadBytes - 11)) };
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const outFile = values.out ?? join(root, 'reports', 'bench', 'fake-throughput.json');

  const loadBefore = loadavg()[0] ?? 0;
  const rows: Row[] = [];
  for (const concurrency of levels) {
    const raw: Round[] = [];
    const fake: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      if (values.only !== 'fake') raw.push(await rawRound(durationMs, concurrency, payload));
      if (values.only !== 'raw') fake.push(await fakeRound(durationMs, concurrency, payload));
    }
    const rawMedian = raw.length ? median(raw.map((x) => x.perSecond)) : NaN;
    const fakeMedian = fake.length ? median(fake.map((x) => x.perSecond)) : NaN;
    rows.push({
      concurrency,
      raw,
      fake,
      rawMedian,
      fakeMedian,
      ratio: fakeMedian / rawMedian,
      rawCpuMicros: raw.length ? median(raw.map((x) => x.cpuMicrosPerRoundTrip)) : NaN,
      fakeCpuMicros: fake.length ? median(fake.map((x) => x.cpuMicrosPerRoundTrip)) : NaN,
    });
  }

  const report = {
    benchmark: 'fake-throughput',
    description: 'invocation round trips/s: FakeEngine.invoke -> FakeWorker handler -> invocationresult, vs raw ws echo of the same frames',
    command: `npm run bench fake-throughput -- --duration ${durationMs} --rounds ${rounds} --concurrency ${levels.join(',')} --payload ${payloadBytes}`,
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    /** 1-minute load average before and after: other processes on the machine move both rates. */
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    targetRatio: TARGET_RATIO,
    rows,
    meetsTarget: rows.every((r) => r.ratio >= TARGET_RATIO),
  };
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify(report, null, 2) + '\n');

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
  console.log(
    `fake-throughput (${report.node}, ${report.cpu}, load ${report.loadAverage.before.toFixed(1)} -> ${report.loadAverage.after.toFixed(1)}), payload ~${payloadBytes} B, ${rounds} x ${durationMs} ms, median round`,
  );
  console.log('concurrency   raw rt/s   fake rt/s  ratio   cpu µs/rt raw  fake');
  for (const r of rows) {
    console.log(
      `${String(r.concurrency).padStart(11)}  ${fmt(r.rawMedian)}  ${fmt(r.fakeMedian)}  ${r.ratio.toFixed(2)}   ${r.rawCpuMicros.toFixed(1).padStart(12)} ${r.fakeCpuMicros.toFixed(1).padStart(5)}${r.ratio >= TARGET_RATIO ? '' : `   (below target ${TARGET_RATIO})`}`,
    );
  }
  console.log(`written to ${outFile}`);
  if (!report.meetsTarget) process.exitCode = 1;
}

await main();
