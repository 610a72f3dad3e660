// What a reconnection property is: catalogue metadata (id, level, sources, capabilities, like a case), a
// fast-check arbitrary of plain-JSON inputs, and a method that plays one input against a fresh fake
// engine and a freshly started driver and returns a case outcome (`playInput`; not named `check`,
// which is harness/cases/failure.ts's assertion). cases.ts makes each property a
// catalogue case with defineCase.

import type fc from 'fast-check';
import type { CaseOutcome, CaseSource, Capability, Level } from '../../../harness/cases/model.ts';
import type { FakeEngine } from '../../../harness/fake-engine/index.ts';
import type { SdkCaseContext } from '../context.ts';
import type { ScenarioEnv } from '../backoff/scenario.ts';

export interface PropertyRunEnv {
  ctx: SdkCaseContext;
  /** A fake engine of this run only (its transcript is the case's, so every run is in the case transcript). */
  engine: FakeEngine;
  scenario: ScenarioEnv;
}

export interface PropertyDefinition<Input> {
  /** `prop.sdk.<area>.<name>`: stable, like a case id. */
  id: string;
  title: string;
  level: Level;
  sources: CaseSource[];
  requires: Capability[];
  disagreement?: string;
  arbitrary: fc.Arbitrary<Input>;
  /** Runs per property by default: chosen so one SDK's properties finish within 60 s together. */
  defaultRuns: number;
  /** Upper bound of one run's wall time (ms, before timeScale), for the case's hard timeout. */
  worstRunMs: number;
  /**
   * Plays one input and returns its outcome, judged like any case's (harness/cases/verdict-policy.ts): it may
   * return a FAIL or throw CaseFailure (check) or a failed wait. INDETERMINATE and ERROR runs are skipped.
   */
  playInput(env: PropertyRunEnv, input: Input): Promise<CaseOutcome>;
}

/** A property with its input type erased, so properties of different inputs share one list. */
export interface AnyProperty extends Omit<PropertyDefinition<unknown>, 'playInput' | 'arbitrary'> {
  arbitrary: fc.Arbitrary<unknown>;
  playInput(env: PropertyRunEnv, input: unknown): Promise<CaseOutcome>;
}

export function defineProperty<Input>(def: PropertyDefinition<Input>): AnyProperty {
  return {
    ...def,
    arbitrary: def.arbitrary as fc.Arbitrary<unknown>,
    // Inputs reach playInput only from this property's own arbitrary or from its saved counterexamples.
    playInput: (env, input) => def.playInput(env, input as Input),
  };
}
