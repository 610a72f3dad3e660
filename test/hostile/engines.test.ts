// Hostile engines (fixtures/hostile/engines/hostile-engine.ts, launched as --engine-cmd) run through the
// engine catalogue as the CLI runs it: for each, the harness returns a verdict within the case's timeout,
// keeps its memory bounded and leaves no process, socket or timer behind, and where the misbehaviour
// touches the protocol, names it.

import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineCatalogue } from '../../specs/engine/index.ts';
import { REPO_ROOT } from '../../harness/targets/sdk/drivers.ts';
import { expectMemoryWithin, expectNothingLeft, expectVerdictsInTime } from './assert-clean.ts';
import { describeRun, runHostile, wordsOf } from './run-hostile.ts';

const ENGINE = join(REPO_ROOT, 'fixtures', 'hostile', 'engines', 'hostile-engine.ts');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface HostileEngineCase {
  mode: string;
  cases: string[];
  /** What the harness must say; null where the misbehaviour does not touch the worker protocol. */
  words: RegExp | null;
  allowPass?: boolean;
  rssPeakMiB: number;
}

const TABLE: HostileEngineCase[] = [
  // 10,000 unsolicited frames a second to every worker: "nothing comes back" checks see them.
  { mode: 'flood', cases: ['engine.registration.no-ack'], words: /a registration was acknowledged/, rssPeakMiB: 400 },
  // One 64 MiB frame to every worker: over an engine case's 16 MiB inbound cap, refused unread (1009), and
  // the verdict names the cap.
  {
    mode: 'huge-frame',
    cases: ['engine.liveness.json-ping', 'engine.liveness.ws-ping'],
    words: /the engine sent a frame larger than this connection takes \(16 MiB, ws maxPayload\)/,
    rssPeakMiB: 200,
  },
  // SIGTERM ignored, sockets never closed: the target's close SIGKILLs the group after 3 s.
  { mode: 'ignore-sigterm', cases: ['engine.liveness.json-ping'], words: null, allowPass: true, rssPeakMiB: 200 },
  // Every invocationresult twice.
  { mode: 'double-answer', cases: ['engine.routing.results-to-right-caller'], words: /a caller got a result that was not its own/, rssPeakMiB: 200 },
  // Every connection dropped right after it was accepted.
  { mode: 'reconnect-storm', cases: ['engine.liveness.json-ping'], words: /closed \(1006\)/, rssPeakMiB: 200 },
  // Binary noise on stdout forever, one binary frame to each worker: the log keeps a bounded tail.
  { mode: 'garbage-stdout', cases: ['engine.liveness.json-ping'], words: null, allowPass: true, rssPeakMiB: 200 },
];

describe('hostile engines', () => {
  for (const t of TABLE) {
    it(`${t.mode}: verdict in time, memory bounded, nothing left behind${t.words ? ', misbehaviour named' : ''}`, async () => {
      const port = await freePort();
      const command = `${process.execPath} --import tsx ${ENGINE} --mode ${t.mode} --port ${port}`;
      const run = await runHostile(engineCatalogue, { kind: 'cmd', command, url: `ws://127.0.0.1:${port}` }, t.cases);
      console.log(describeRun(`hostile engine ${t.mode}`, run));
      expect(run.openError).toBeUndefined();
      expect(run.results).toHaveLength(t.cases.length);
      expectVerdictsInTime(run, { allowPass: t.allowPass ?? false });
      // Each verdict names the misbehaviour, not only one of them.
      const words = t.words;
      if (words) for (const r of run.results) expect(wordsOf({ ...run, results: [r] })).toMatch(words);
      expectMemoryWithin(run, { rssPeakMiB: t.rssPeakMiB, heapRetainedMiB: 40 });
      await expectNothingLeft(run);
    }, 90_000);
  }
});
