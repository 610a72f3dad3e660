// The SDK catalogue (issue 5): every case run against a worker SDK through its driver, and how a target
// is opened. The CLI runs `sdkCatalogue.cases` through runCase with `sdkCatalogue.open(target, …)`.
import type { Catalogue, SdkTargetSpec } from '../../harness/cases/catalogue.ts';
import { assertCatalogue, type CaseDefinition } from '../../harness/cases/model.ts';
import type { SdkCaseContext } from './context.ts';
import { launchSpecOf, openSdkTarget } from './target.ts';
import { connectCases } from './connect.ts';
import { invocationCases } from './invocation.ts';
import { triggerCases } from './trigger.ts';
import { timeoutCases } from './timeouts.ts';
import { reconnectCases } from './reconnect.ts';
import { registrationCases } from './registration.ts';
import { providerCases } from './provider.ts';
import { heartbeatCases } from './heartbeat.ts';
import { badInputCases } from './bad-input.ts';
import { wireHygieneCases } from './wire-hygiene.ts';
import { backoffCases } from './backoff/cases.ts';
import { propertyCases } from './properties/cases.ts';
import { browserCases } from './browser.ts';
import { sdkFuzzCases } from './fuzz.ts';

export type { SdkCaseContext, SdkTiming, StartOptions, ConnectedWorker, SdkTargetInfo } from './context.ts';
export { sdkContextFactory, sdkTiming, FAST_WORKER_DEFAULTS } from './context.ts';
export { openSdkTarget, openNodeMutantTarget, probeTarget, launchSpecOf } from './target.ts';
export type { DriverLaunchSpec } from './support/launch.ts';

export type SdkCase = CaseDefinition<SdkCaseContext>;

/** Every SDK case, grouped by topic; ids are stable and never depend on this order. */
const cases: SdkCase[] = [
  ...connectCases,
  ...invocationCases,
  ...triggerCases,
  ...timeoutCases,
  ...reconnectCases,
  ...backoffCases,
  ...registrationCases,
  ...providerCases,
  ...heartbeatCases,
  ...badInputCases,
  ...wireHygieneCases,
  ...propertyCases,
  ...browserCases,
  ...sdkFuzzCases,
];

assertCatalogue(cases);

export const sdkCatalogue: Catalogue<SdkCaseContext, SdkTargetSpec> = {
  side: 'sdk',
  cases,
  open: (target, options) => openSdkTarget(launchSpecOf(target), options),
};
