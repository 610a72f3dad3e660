// Checks that a URL speaks the worker protocol far enough to be worth running cases against: the
// WebSocket upgrade succeeds and the first frame arrives. Used by the url and cmd targets before a run.

import WebSocket from 'ws';

export interface ProbeResult {
  ok: boolean;
  /** What went wrong, in words, when !ok. */
  reason?: string;
  /** The first frame the engine sent, as text (normally workerregistered). */
  firstFrame?: string;
}

export function probeEngine(url: string, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.on('error', () => {});
      ws.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no frame from ${url} within ${timeoutMs} ms of connecting` }), timeoutMs);
    ws.on('message', (data) => finish({ ok: true, firstFrame: data.toString() }));
    ws.on('error', (e) => finish({ ok: false, reason: `could not connect to ${url}: ${e.message}` }));
    ws.on('close', (code) => finish({ ok: false, reason: `${url} closed the connection (code ${code}) before sending a frame` }));
  });
}
