// Issue 12, "What to build" item 4: at the engine URL, an HTTP 404, an HTTP 200 and a TLS mismatch each
// get their own one-line message (not "is the engine running?"); a real WebSocket endpoint passes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { checkEngineReachable } from '../../harness/cli/targets.ts';

let http: Server;
let tls: TlsServer | undefined;
let wss: WebSocketServer;
let tmp: string;
const port = (s: { address(): unknown }) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'iii-hostile-url-'));
  http = createServer((req, res) => {
    res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end('hello');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp, 'k.pem'), '-out', join(tmp, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'],
      { stdio: 'ignore' },
    );
    tls = createTlsServer({ key: readFileSync(join(tmp, 'k.pem')), cert: readFileSync(join(tmp, 'c.pem')) }, (_req, res) => res.end('tls'));
    await new Promise<void>((r) => tls!.listen(0, '127.0.0.1', r));
  } catch {
    tls = undefined; // no openssl: the TLS rows are skipped below
  }
}, 30_000);

afterAll(async () => {
  await new Promise((r) => http?.close(r));
  await new Promise((r) => wss?.close(r));
  if (tls) await new Promise((r) => tls!.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

const failure = (url: string) =>
  checkEngineReachable(url, 3000).then(
    () => 'passed',
    (e: Error) => e.message,
  );

describe('the engine URL', () => {
  it('a WebSocket endpoint passes', async () => {
    expect(await failure(`ws://127.0.0.1:${port(wss)}`)).toBe('passed');
  });
  it('HTTP 404: names the path', async () => {
    expect(await failure(`ws://127.0.0.1:${port(http)}/nope`)).toMatch(/answered HTTP 404 to the WebSocket upgrade: .*Check the path/);
  });
  it('HTTP 200: names a plain web server', async () => {
    expect(await failure(`ws://127.0.0.1:${port(http)}/`)).toMatch(/answered HTTP 200 to the WebSocket upgrade: it is a plain web server/);
  });
  it('wss:// to a plain server, and ws:// to a TLS server: a TLS mismatch', async (ctx) => {
    expect(await failure(`wss://127.0.0.1:${port(wss)}`)).toMatch(/TLS mismatch .*use ws:\/\//i);
    if (!tls) return ctx.skip();
    expect(await failure(`ws://127.0.0.1:${port(tls)}`)).toMatch(
      /hung up on the WebSocket upgrade without an HTTP answer \(a TLS server\?\): if it serves TLS, use wss:\/\//,
    );
  });
});
