// Something answers at the engine URL, but is it a WebSocket endpoint? One upgrade attempt tells a web
// server (HTTP 200), a wrong path (HTTP 404) and a TLS mismatch apart, each with its own one-line message,
// instead of the run failing later as "is the engine running?". The probe sends nothing after the
// upgrade and closes at once; anything it cannot classify is left to the run itself.

import WebSocket from 'ws';
import { SetupError } from './errors.ts';

function statusMessage(url: string, status: number): string {
  if (status === 404)
    return `the server at ${url} answered HTTP 404 to the WebSocket upgrade: something listens there, but not an iii engine on that path. Check the path in --engine-url (the engine serves workers on "/").`;
  if (status >= 200 && status < 300)
    return `the server at ${url} answered HTTP ${status} to the WebSocket upgrade: it is a plain web server, not a WebSocket endpoint. Check the port in --engine-url.`;
  return `the server at ${url} refused the WebSocket upgrade with HTTP ${status}. Check --engine-url.`;
}

function tlsMismatch(url: string, e: Error & { code?: string }): string | undefined {
  const secure = url.startsWith('wss:');
  const text = `${e.code ?? ''} ${e.message}`;
  if (secure && /EPROTO|wrong version number|WRONG_VERSION_NUMBER|packet length too long/i.test(text)) {
    return `TLS mismatch at ${url}: the URL asks for TLS (wss://) but the server speaks plain text. Use ws:// in --engine-url.`;
  }
  // A TLS server given plain HTTP hangs up (Node) or answers with a TLS alert the HTTP parser rejects.
  if (!secure && /HPE_INVALID|Parse Error|Invalid HTTP|Expected HTTP|socket hang up/i.test(text)) {
    return `the server at ${url} hung up on the WebSocket upgrade without an HTTP answer (a TLS server?): if it serves TLS, use wss:// in --engine-url.`;
  }
  return undefined;
}

/** Resolves when the upgrade succeeds or fails in a way it cannot name; rejects with a SetupError otherwise. */
export function probeEngineUpgrade(url: string, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, rejectUnauthorized: false });
    const done = (error?: string): void => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      if (error) reject(new SetupError(error));
      else resolve();
    };
    ws.once('open', () => done());
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      done(statusMessage(url, res.statusCode ?? 0));
    });
    ws.once('error', (e: Error & { code?: string }) => done(tlsMismatch(url, e)));
  });
}
