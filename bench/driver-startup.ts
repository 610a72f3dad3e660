// Driver start-up: how long a bundled driver takes from spawn to its `ready` event, to the worker's first
// WebSocket connection reaching the engine, and to a full stop, for the browser driver (Node + headless
// Chromium + the page) beside the Node driver (the baseline, measured in the same run, interleaved so both
// see the same machine load). Every SDK case starts a fresh driver, so this is the per-case floor.
//
//   npm run bench driver-startup
//   npm run bench driver-startup -- --runs 9 --targets node,browser
//
// The browser target needs the set-up to have built a tree (III_BROWSER_SDK_DIR); without it the bench
// says so and measures the rest.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FakeEngine } from '../harness/fake-engine/index.ts';
import { assertBuiltinAvailable, BUILTIN_SDKS, DriverUnavailableError, type BuiltinSdk } from '../harness/targets/sdk/drivers.ts';
import { launchCaseDriver, targetLaunchSpec } from '../specs/sdk/support/launch.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Sample {
  readyMs: number;
  connectedMs: number;
  stopMs: number;
}

function unavailableReason(sdk: BuiltinSdk): string | undefined {
  try {
    assertBuiltinAvailable(sdk);
    return undefined;
  } catch (e) {
    if (e instanceof DriverUnavailableError) return e.reason;
    throw e;
  }
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
}

async function once(sdk: BuiltinSdk): Promise<Sample> {
  const engine = await FakeEngine.start({ host: '127.0.0.1', port: 0 });
  try {
    const t0 = performance.now();
    const driver = await launchCaseDriver(targetLaunchSpec({ kind: 'builtin', sdk }), {
      url: engine.url,
      worker: { workerName: `bench-${sdk}` },
      readyTimeoutMs: 30_000,
    });
    const readyMs = performance.now() - t0;
    await engine.waitForConnection({ timeoutMs: 30_000 });
    const connectedMs = performance.now() - t0;
    const t1 = performance.now();
    await driver.stop();
    return { readyMs, connectedMs, stopMs: performance.now() - t1 };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '7' }, targets: { type: 'string', default: 'node,browser' }, out: { type: 'string' } },
  });
  const runs = Math.max(1, Number(values.runs));
  const wanted = String(values.targets).split(',').filter(Boolean);
  const unknown = wanted.filter((t) => !(BUILTIN_SDKS as readonly string[]).includes(t));
  if (unknown.length) throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${BUILTIN_SDKS.join(', ')}`);
  const skipped: Record<string, string> = {};
  const targets = (wanted as BuiltinSdk[]).filter((t) => {
    const why = unavailableReason(t);
    if (why !== undefined) skipped[t] = why;
    return why === undefined;
  });
  for (const [t, why] of Object.entries(skipped)) console.log(`driver-startup: ${t} skipped: ${why}`);

  const samples = new Map<BuiltinSdk, Sample[]>(targets.map((t) => [t, []]));
  const loadBefore = loadavg();
  await Promise.all(targets.map((t) => once(t))); // warm-up (disk caches, first Chromium start); not counted
  for (let i = 0; i < runs; i++) for (const t of targets) samples.get(t)!.push(await once(t));
  const loadAfter = loadavg();

  const summary = Object.fromEntries(
    [...samples].map(([t, xs]) => [
      t,
      {
        runs: xs.length,
        readyMedianMs: quantile(
          xs.map((x) => x.readyMs),
          0.5,
        ),
        readyMaxMs: quantile(
          xs.map((x) => x.readyMs),
          1,
        ),
        connectedMedianMs: quantile(
          xs.map((x) => x.connectedMs),
          0.5,
        ),
        stopMedianMs: quantile(
          xs.map((x) => x.stopMs),
          0.5,
        ),
        samples: xs.map((x) => ({ readyMs: Math.round(x.readyMs), connectedMs: Math.round(x.connectedMs), stopMs: Math.round(x.stopMs) })),
      },
    ]),
  );
  const node = summary.node;
  const report = {
    bench: 'driver-startup',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadBefore, loadAfter },
    runs,
    targets: summary,
    ...(node
      ? { readyRatioToNode: Object.fromEntries(Object.entries(summary).map(([t, s]) => [t, Math.round((s.readyMedianMs / node.readyMedianMs) * 100) / 100])) }
      : {}),
    skipped,
  };
  for (const [t, s] of Object.entries(summary)) {
    console.log(
      `driver-startup: ${t.padEnd(8)} ready ${s.readyMedianMs} ms median (max ${s.readyMaxMs}), first connection ${s.connectedMedianMs} ms, stop ${s.stopMedianMs} ms, ${s.runs} runs`,
    );
  }
  if (report.readyRatioToNode) console.log(`driver-startup: ready time relative to the node driver: ${JSON.stringify(report.readyRatioToNode)}`);
  const outFile = typeof values.out === 'string' ? values.out : join(root, 'reports', 'bench', 'driver-startup.json');
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`driver-startup: wrote ${outFile}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`driver-startup: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
