// The reconnection properties as catalogue entries: each property id runs like a case (capability
// gate, hard timeout, transcript), with fast-check underneath. Seed = the run's seed (printed and
// recorded in the report); numRuns from budget.ts.
//
// Lane: slow. The six properties take 30-60 s per SDK on their own (their budget, issue 6), and the
// fast lane of the case catalogue has its own 60 s budget (issue 5); CI runs the slow lane too. Run
// only the properties with `--case prop --slow`, or one by its exact id (no --slow needed).

import { defineCase } from '../../../harness/cases/define.ts';
import type { CaseDefinition } from '../../../harness/cases/model.ts';
import type { SdkCaseContext } from '../context.ts';
import { caseTimeoutMs, pathFor, runsFor, shrinkBudgetMs } from './budget.ts';
import { PROPERTIES } from './properties.ts';
import { runProperty } from './run-property.ts';

export const propertyCases: CaseDefinition<SdkCaseContext>[] = PROPERTIES.map((p) =>
  defineCase<SdkCaseContext>({
    id: p.id,
    title: p.title,
    level: p.level,
    sources: p.sources,
    requires: p.requires,
    lane: 'slow',
    // Every property measures reconnection or timeout delays.
    judgesTiming: true,
    timeoutMs: caseTimeoutMs(p),
    ...(p.disagreement ? { disagreement: p.disagreement } : {}),
    async run(ctx) {
      const path = pathFor(p.id);
      const report = await runProperty(p, ctx, { seed: ctx.seed, numRuns: runsFor(p), shrinkBudgetMs: shrinkBudgetMs(), ...(path ? { path } : {}) });
      return report.outcome;
    },
  }),
);
