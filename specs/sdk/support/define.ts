// How an SDK case is written: `sdkCase({...})` with sources built by `src`, and a run that either returns
// an outcome or throws CaseFailure. A wait on the fake engine or on the driver that runs out, a socket
// that closes under a wait, or a driver process that dies mid-case is the SDK's failure (FAIL, with what
// was waited for and what came instead); only a driver that cannot be started is the harness's (ERROR).

import type { CaseDefinition, CaseOutcome, CaseSource, Finding, TimingSample } from '../../../harness/cases/model.ts';
import { outcome } from '../../../harness/cases/model.ts';
import { ConnectionClosedError, WaitTimeoutError } from '../../../harness/fake-engine/index.ts';
import { DriverCommandError, DriverProtocolError } from '../../../harness/targets/sdk/session.ts';
import { CaseSetupError, type SdkCaseContext } from '../context.ts';

export { CaseSetupError };

export type SdkCase = CaseDefinition<SdkCaseContext>;

/** Source references, spelled one way everywhere. */
export const src = {
  seed: (section: string): CaseSource => ({ document: 'seed', section }),
  /** engine-protocol.md §11.2 (worker SDK checks), by rule number. */
  rule: (...n: number[]): CaseSource => ({ document: 'engine-protocol', section: `§11.2 ${n.map((x) => `#${x}`).join(', ')}` }),
  protocol: (section: string): CaseSource => ({ document: 'engine-protocol', section }),
  behaviour: (section: string): CaseSource => ({ document: 'sdk-behaviour', section }),
  capture: (file: string): CaseSource => ({ document: 'captures', section: file }),
};

/** Thrown inside a run: the SDK did not do what the case requires. */
export class CaseFailure extends Error {
  constructor(
    readonly summary: string,
    readonly expected: unknown,
    readonly actual: unknown,
    readonly extra: { findings?: Finding[]; timings?: TimingSample[] } = {},
  ) {
    super(summary);
    this.name = 'CaseFailure';
  }
}

/** Fails the case unless `condition` holds. */
export function check(condition: boolean, summary: string, expected: unknown, actual: unknown): asserts condition {
  if (!condition) throw new CaseFailure(summary, expected, actual);
}

export function sdkCase(def: SdkCase): SdkCase {
  const run = def.run;
  return {
    ...def,
    async run(ctx: SdkCaseContext): Promise<CaseOutcome> {
      try {
        return await run(ctx);
      } catch (e) {
        return failureOutcome(e);
      }
    },
  };
}

function failureOutcome(e: unknown): CaseOutcome {
  if (e instanceof CaseFailure) return outcome.fail(e.summary, e.expected, e.actual, e.extra);
  if (e instanceof WaitTimeoutError) {
    return outcome.fail(firstLine(e.message), 'the awaited frame or event', e.receivedInstead.length ? e.receivedInstead : 'nothing arrived');
  }
  if (e instanceof ConnectionClosedError) return outcome.fail(firstLine(e.message), 'the connection to stay open', `closed with ${e.code}${e.reason ? ` "${e.reason}"` : ''}`);
  if (e instanceof DriverCommandError) return outcome.fail(`the SDK refused a driver command: ${e.event.message}`, 'the command to succeed', e.event);
  if (e instanceof DriverProtocolError) return outcome.fail(`the SDK's process stopped working: ${firstLine(e.message)}`, 'the driver to keep running', e.stderrTail.slice(-2000) || e.message);
  if (e instanceof CaseSetupError) return outcome.error(e.message);
  if (e instanceof Error && /^no .* within \d+ ms$/.test(e.message)) return outcome.fail(`the driver reported ${e.message}`, 'the awaited driver event', 'nothing');
  throw e;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? text;
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}
