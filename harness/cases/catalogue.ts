// How the CLI and the tests find a catalogue and open a target for it. specs/sdk/index.ts exports
// `sdkCatalogue` and specs/engine/index.ts exports `engineCatalogue`, both of this shape.

import type { CaseDefinition, ContextFactory, Implementation } from './model.ts';
import type { ToleranceModel } from '../timing/tolerance.ts';
import type { SdkSource } from '../targets/sdk/builders/types.ts';
import type { EngineNameOverride } from '../targets/engine/identity.ts';

/**
 * An SDK under test: one of the bundled drivers (on the pinned SDK, or built against a source tree or a
 * published version), or any program that speaks the driver contract.
 */
export type SdkTargetSpec = { kind: 'builtin'; sdk: 'node' | 'python' | 'rust' | 'go' | 'browser'; source?: SdkSource } | { kind: 'cmd'; command: string };

/**
 * An engine under test. `reference` is the embedded TypeScript engine. `engineName` (--engine-name) names
 * an engine the user points at, over what it says of itself (harness/targets/engine/identity.ts).
 */
export type EngineTargetSpec =
  | { kind: 'reference' }
  | { kind: 'url'; url: string; engineName?: EngineNameOverride }
  | { kind: 'cmd'; command: string; url: string; engineName?: EngineNameOverride }
  | { kind: 'image'; image: string; engineName?: EngineNameOverride };

export interface OpenOptions {
  tolerance: ToleranceModel;
  /** Where target-level logs go (engine stdout/stderr, driver set-up output). */
  artifactsRoot: string;
  /** How many cases the runner may run at once (default 1): a target sizes what it prepares ahead by it. */
  jobs?: number;
  /** Prepare nothing ahead of a case (no warm driver spares): every driver starts when its case asks. */
  coldStart?: boolean;
  /** false: spawn warm spares even where the driver can fork them (forkStart), for comparison and debugging. */
  forkStart?: boolean;
  /** false: the Node driver imports its SDK as installed, module by module, instead of from one bundle of it. */
  sdkBundle?: boolean;
}

export interface OpenedTarget<Context> {
  implementation: Implementation;
  contextFactory: ContextFactory<Context>;
  /** Stops whatever open() started (a launched engine, a container). Idempotent. */
  close(): Promise<void>;
  /**
   * Each case gets peers of its own (an SDK case: its own fake engine and drivers), so cases that do not
   * judge timing may run side by side. Absent: cases share the target (one engine) and run one at a time.
   */
  isolatedCases?: boolean;
}

export interface Catalogue<Context, Target> {
  side: 'sdk' | 'engine';
  cases: readonly CaseDefinition<Context>[];
  /** Throws an Error whose message says what to do when the target cannot be opened. */
  open(target: Target, options: OpenOptions): Promise<OpenedTarget<Context>>;
}
