// Standalone reference engine, so that it can be launched as a command (the --engine-cmd target,
// real SDK workers): npx tsx harness/reference-engine/main.ts --port 49134 [--host 127.0.0.1]
//   [--grace-ms 5000] [--quiet]. Prints "listening ws://host:port" once it accepts connections,
// logs warnings to stderr, and exits cleanly on SIGTERM/SIGINT.

import { parseArgs } from 'node:util';
import { DEFAULT_ENGINE_PORT, startReferenceEngine } from './index.ts';
import type { EngineLogger } from './engine.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: String(DEFAULT_ENGINE_PORT) },
    'grace-ms': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be 0..65535, got ${values.port}\n`);
  process.exit(2);
}
const graceMs = values['grace-ms'] === undefined ? undefined : Number(values['grace-ms']);

const log: EngineLogger = (level, message, fields) => {
  if (values.quiet || (level === 'debug' && !values.verbose)) return;
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
};

const running = await startReferenceEngine({ host: values.host, port, log, ...(graceMs === undefined ? {} : { namespaceGraceMs: graceMs }) });
process.stdout.write(`listening ${running.url}\n`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`${signal}: stopping\n`);
  void running.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
