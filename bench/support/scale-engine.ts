// The reference engine alone in its own process, for bench/scale.ts: the engine's sockets then live in
// this process's descriptor table, not the fake workers'. A line protocol on stdio, nothing else:
//   stdout `READY <url>` once listening on 127.0.0.1 (any free port);
//   stdin `stats` -> stdout `STATS {"functions":…,"connections":…,"peakRssMiB":…}`.
// It exits when stdin closes, so a parent that dies for any reason does not leave it behind.

import { createInterface } from 'node:readline';
import { startReferenceEngine } from '../../harness/reference-engine/index.ts';

export interface ScaleEngineStats {
  functions: number;
  connections: number;
  /** getrusage maxrss of this process, MiB. */
  peakRssMiB: number;
}

const engine = await startReferenceEngine({ namespaceGraceMs: 400 });
let closing = false;
const stop = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await engine.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const stats: ScaleEngineStats = {
    functions: engine.engine.functions.size,
    connections: engine.engine.connections.size,
    // maxRSS is in KiB on Linux.
    peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  };
  process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
});
lines.on('close', () => void stop());
process.stdout.write(`READY ${engine.url}\n`);
