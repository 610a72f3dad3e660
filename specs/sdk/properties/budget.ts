// How many runs each property gets, and how long fast-check may spend shrinking a failure.
//
// Defaults (PropertyDefinition.defaultRuns) are chosen so that the six properties for one SDK finish
// within 60 s on this 2-core machine. Nightly/deep runs turn them up:
//   III_CONFORMANCE_PROPERTY_RUNS=50     every property gets exactly 50 runs
//   III_CONFORMANCE_PROPERTY_SCALE=10    every property gets 10× its default
//   III_CONFORMANCE_SHRINK_MS=120000     shrinking budget per failing property (default 10 s)
//   III_CONFORMANCE_PROPERTY_PATH=prop.sdk.backoff.envelope=3:1:0   replay one counterexample path

import type { AnyProperty } from './model.ts';

export const DEFAULT_SHRINK_BUDGET_MS = 10_000;

function positive(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function runsFor(p: Pick<AnyProperty, 'defaultRuns'>, env: NodeJS.ProcessEnv = process.env): number {
  const absolute = positive(env.III_CONFORMANCE_PROPERTY_RUNS);
  if (absolute !== undefined) return Math.max(1, Math.round(absolute));
  const scale = positive(env.III_CONFORMANCE_PROPERTY_SCALE) ?? 1;
  return Math.max(1, Math.round(p.defaultRuns * scale));
}

export function shrinkBudgetMs(env: NodeJS.ProcessEnv = process.env): number {
  return positive(env.III_CONFORMANCE_SHRINK_MS) ?? DEFAULT_SHRINK_BUDGET_MS;
}

/** `III_CONFORMANCE_PROPERTY_PATH=<property id>=<path>`: the path to replay for that property only. */
export function pathFor(id: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.III_CONFORMANCE_PROPERTY_PATH;
  if (!raw) return undefined;
  const eq = raw.lastIndexOf('=');
  if (eq <= 0) return undefined;
  return raw.slice(0, eq) === id ? raw.slice(eq + 1) : undefined;
}

/** The case's hard timeout: every run at its worst, the shrink budget, one more run overrunning it, and a margin. */
export function caseTimeoutMs(p: Pick<AnyProperty, 'defaultRuns' | 'worstRunMs'>, timeScale = 1, env: NodeJS.ProcessEnv = process.env): number {
  return Math.round((runsFor(p, env) * p.worstRunMs + p.worstRunMs) * timeScale + shrinkBudgetMs(env) + 20_000);
}
