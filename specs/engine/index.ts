// The engine catalogue: cases run against an engine (the embedded reference engine, a URL, a command
// or a container image) by playing fake workers against it. One module per topic; ids are
// `engine.<topic>.<what>`; every case names the engine-protocol.md section / §11.1 rule or engine
// source file it enforces.

import type { Catalogue, EngineTargetSpec, OpenOptions, OpenedTarget } from '../../harness/cases/catalogue.ts';
import { assertCatalogue } from '../../harness/cases/model.ts';
import type { EngineClass } from '../../harness/reference-engine/index.ts';
import { openEngineTarget } from '../../harness/targets/engine/index.ts';
import { builtinCases } from './builtins.ts';
import { connectCases } from './connect.ts';
import { engineContextFactory, type EngineCaseContext } from './context.ts';
import { livenessCases } from './liveness.ts';
import { routingCases } from './routing.ts';
import { disconnectCases } from './disconnect.ts';
import { reattachCases } from './reattach.ts';
import { conflictCases } from './conflicts.ts';
import { triggerCases } from './triggers.ts';
import { namespaceCases } from './namespaces.ts';
import { robustnessCases } from './robustness.ts';
import { churnCases } from './churn.ts';
import { engineFuzzCases } from './fuzz.ts';

export type { EngineCaseContext } from './context.ts';

export const engineCases = [
  ...connectCases,
  ...livenessCases,
  ...builtinCases,
  ...routingCases,
  ...disconnectCases,
  ...reattachCases,
  ...conflictCases,
  ...triggerCases,
  ...namespaceCases,
  ...robustnessCases,
  ...churnCases,
  ...engineFuzzCases,
];
assertCatalogue(engineCases);

/** The namespace grace the embedded reference engine runs with: short, so the grace case stays fast, yet far
 * longer than a loaded machine takes between a worker's connect and its engine::workers::register. */
export const REFERENCE_GRACE_MS = 1500;
/** What an engine we did not start is assumed to use (engine default, §4.2). */
export const DEFAULT_GRACE_MS = 5000;
/** The upgrade deadline the embedded reference engine runs with: short for the deadline case, yet far above
 * what an upgrade takes on a loaded machine (500 ms once gave a 408 under load). */
export const REFERENCE_HANDSHAKE_MS = 2000;
/** The engine default upgrade deadline (`handshake_timeout_ms`, §1.2). */
export const DEFAULT_HANDSHAKE_MS = 10_000;

export interface OpenEngineOptions extends OpenOptions {
  /** Reference target only: run this engine class (a mutant) instead of the reference engine. */
  engineClass?: EngineClass;
}

/** Opens an engine target for the catalogue; `engineCatalogue.open` is this without the mutant hook. */
export async function openEngine(target: EngineTargetSpec, options: OpenEngineOptions): Promise<OpenedTarget<EngineCaseContext>> {
  const reference = target.kind === 'reference';
  const graceMs = reference ? REFERENCE_GRACE_MS : DEFAULT_GRACE_MS;
  const handshakeMs = reference ? REFERENCE_HANDSHAKE_MS : DEFAULT_HANDSHAKE_MS;
  const endpoint = await openEngineTarget(target, {
    artifactsRoot: options.artifactsRoot,
    ...(reference ? { namespaceGraceMs: graceMs, handshakeTimeoutMs: handshakeMs } : {}),
    ...(options.engineClass ? { engineClass: options.engineClass } : {}),
  });
  return {
    implementation: endpoint.implementation,
    contextFactory: engineContextFactory({
      url: endpoint.url,
      implementation: endpoint.implementation,
      namespaceGraceMs: graceMs,
      handshakeTimeoutMs: handshakeMs,
      ...(endpoint.output ? { engineOutput: endpoint.output } : {}),
    }),
    close: () => endpoint.close(),
  };
}

export const engineCatalogue: Catalogue<EngineCaseContext, EngineTargetSpec> = {
  side: 'engine',
  cases: engineCases,
  open: (target, options) => openEngine(target, options),
};
