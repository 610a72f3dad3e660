// Hostile SDK drivers (fixtures/hostile/drivers/hostile-driver.mjs) run through the SDK catalogue as the
// CLI runs it: for each, the harness returns a verdict within the case's timeout, names the misbehaviour,
// keeps its memory bounded and leaves no process, socket or timer behind.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdkCatalogue } from '../../specs/sdk/index.ts';
import { REPO_ROOT } from '../../harness/targets/sdk/drivers.ts';
import { expectMemoryWithin, expectNothingLeft, expectVerdictsInTime } from './assert-clean.ts';
import { describeRun, runHostile, wordsOf } from './run-hostile.ts';

const DRIVER = join(REPO_ROOT, 'fixtures', 'hostile', 'drivers', 'hostile-driver.mjs');

interface HostileDriverCase {
  mode: string;
  /** Cases that meet the misbehaviour early. */
  cases: string[];
  /** What the harness must say about it. */
  words: RegExp;
  /** The target cannot even be opened (no ready event). */
  openFails?: boolean;
  /** The protocol is kept; only the process misbehaves, so PASS plus a finding is the right verdict. */
  allowPass?: boolean;
  rssPeakMiB: number;
}

const TABLE: HostileDriverCase[] = [
  // 10,000 registerfunction frames a second on top of the real ones.
  {
    mode: 'flood',
    cases: ['sdk.connect.registrations-sent-once'],
    words: /registrations on the connection are not exactly what the driver registered/,
    rssPeakMiB: 400,
  },
  // One frame of 64 MiB + a few bytes: over the engine's message limit.
  { mode: 'huge-frame', cases: ['sdk.wire.frames-valid'], words: /^the SDK sent a frame larger than the engine's message limit \(64 MiB\)/m, rssPeakMiB: 200 },
  // Shutdown, stdin EOF and SIGTERM all ignored: the group is SIGKILLed after the grace and named.
  {
    mode: 'ignore-sigterm',
    cases: ['sdk.invocation.result-echoes-ids'],
    words: /ignored SIGTERM and was killed with SIGKILL/,
    allowPass: true,
    rssPeakMiB: 200,
  },
  // Every invocation answered twice (and every command acknowledged twice).
  { mode: 'double-answer', cases: ['sdk.invocation.concurrent'], words: /answered more than once/, rssPeakMiB: 200 },
  // Close on open, redial at once.
  { mode: 'reconnect-storm', cases: ['sdk.connect.registrations-sent-once'], words: /not exactly what the driver registered|closed/, rssPeakMiB: 300 },
  // Noise on stdout, never a ready event.
  { mode: 'garbage-stdout', cases: ['sdk.connect.plain-websocket'], words: /no ready event.*not contract events/s, openFails: true, rssPeakMiB: 300 },
];

describe('hostile drivers', () => {
  for (const t of TABLE) {
    it(`${t.mode}: verdict in time, misbehaviour named, memory bounded, nothing left behind`, async () => {
      const run = await runHostile(sdkCatalogue, { kind: 'cmd', command: `${process.execPath} ${DRIVER} ${t.mode}` }, t.cases);
      console.log(describeRun(`hostile driver ${t.mode}`, run));
      if (t.openFails) {
        expect(run.openError, 'the target should not open').toBeDefined();
        // The probe waits for ready (20 s) and stops the driver (2 s grace).
        expect(run.openMs).toBeLessThan(20_000 + 6000);
      } else {
        expect(run.openError).toBeUndefined();
        expect(run.results).toHaveLength(t.cases.length);
        expectVerdictsInTime(run, { allowPass: t.allowPass ?? false });
      }
      expect(wordsOf(run)).toMatch(t.words);
      expectMemoryWithin(run, { rssPeakMiB: t.rssPeakMiB, heapRetainedMiB: 40 });
      await expectNothingLeft(run);
    }, 90_000);
  }
});
