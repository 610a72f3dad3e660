#!/usr/bin/env node
// A hostile driver for test/hostile-input: its behaviour comes from one base64 JSON argument
// { ready?: {...fields merged into a valid ready event}, readyRaw?: object (sent as is),
//   errorMessage?: string (every command answered with this error), stderr?: string (written, then exit 3
//   before ready), flood?: number (bytes written to stdout with no newline, then nothing) }.
// It speaks no SDK: it answers commands itself, enough for a case to reach its verdict.
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

const mode = JSON.parse(Buffer.from(process.argv[2] ?? 'e30=', 'base64').toString('utf8'));
const emit = (e) => process.stdout.write(`${JSON.stringify({ ...e, t: Date.now() })}\n`);

if (mode.stderr) {
  process.stderr.write(mode.stderr);
  setTimeout(() => process.exit(3), 50);
} else if (mode.flood) {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  let left = mode.flood;
  const pump = () => {
    while (left > 0) {
      left -= chunk.length;
      if (!process.stdout.write(chunk)) return void process.stdout.once('drain', pump);
    }
  };
  pump();
  setInterval(() => {}, 1000); // stays alive, silent, until the harness stops it
} else {
  const ready = mode.readyRaw ?? {
    event: 'ready',
    contract: 1,
    sdk: { name: 'hostile', version: '1.0.0', language: 'js' },
    capabilities: [],
    facts: {},
    ignoredOptions: [],
    worker: { name: null },
    ...mode.ready,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  // Connect like a worker would (and send nothing), so cases get past their connect step.
  const config = JSON.parse(process.env.III_DRIVER_CONFIG ?? '{}');
  if (config.url && mode.connect) {
    const ws = new WebSocket(config.url).on('error', () => {});
    ws.on('open', () => ws.send(JSON.stringify({ type: 'invokefunction', function_id: 'engine::workers::register', invocation_id: randomUUID(), data: { runtime: 'hostile' } })));
  }
  createInterface({ input: process.stdin }).on('line', (line) => {
    const c = JSON.parse(line);
    if (mode.errorMessage) return emit({ event: 'error', id: c.id, message: mode.errorMessage, class: 'Hostile' });
    if (c.cmd === 'trigger') return emit({ event: 'settled', id: c.id, ok: false, error: { message: 'no engine here', class: 'Hostile' } });
    emit({ event: 'ack', id: c.id });
    if (c.cmd === 'shutdown') {
      emit({ event: 'exit', code: 0, reason: 'shutdown' });
      process.exit(0);
    }
  }).on('close', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
