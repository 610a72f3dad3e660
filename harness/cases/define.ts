// The one way to write a case, for every catalogue (SDK cases, SDK properties, engine cases):
//
//   export const cases = [
//     defineCase<SdkCaseContext>({ id: 'sdk.x.y', title, level: 'MUST', sources: [...], timeoutMs: 10_000,
//       async run(ctx) { ...; check(ok, 'what went wrong', expected, actual); return 'what held'; } }),
//   ];
//
// `requires` defaults to none and `lane` to fast. A run returns its PASS summary (a string) or a full
// CaseOutcome; what it throws is judged by the one verdict policy (verdict-policy.ts).

import type { CaseDefinition, CaseOutcome, Capability } from './model.ts';
import { outcome } from './model.ts';
import { outcomeOfThrown } from './verdict-policy.ts';

export interface CaseSpec<Context> extends Omit<CaseDefinition<Context>, 'requires' | 'lane' | 'run'> {
  requires?: Capability[];
  lane?: 'fast' | 'slow';
  /** Resolves with the PASS summary or an outcome; throws CaseFailure (check) for FAIL. */
  run(ctx: Context): Promise<CaseOutcome | string>;
}

export function defineCase<Context>(spec: CaseSpec<Context>): CaseDefinition<Context> {
  const { run, requires, lane, ...rest } = spec;
  return {
    ...rest,
    requires: requires ?? [],
    lane: lane ?? 'fast',
    async run(ctx: Context): Promise<CaseOutcome> {
      try {
        const result = await run(ctx);
        return typeof result === 'string' ? outcome.pass(result) : result;
      } catch (e) {
        // What the policy does not know goes on to the runner, which reports it as ERROR.
        const judged = outcomeOfThrown(e);
        if (judged) return judged;
        throw e;
      }
    },
  };
}
