// Issue 14, mutant replay, fast lane and property cases: for every such SDK case with Node mutants, the
// real SDK's transcript (run by run for a property) is replayed against each mutant and must first diverge
// where fixtures/mutants/sdk/case-mutants.json says (test/cli/mutant-replay.ts). The opposite (replaying
// against the unpatched SDK finds nothing) is test/cli/replay-self-sdk.test.ts and
// replay-self-properties.test.ts. The slow lane's cases: replay-mutants-slow.timing.test.ts. A timing file:
// replay judges delays, so it runs in the serial project.

import { checkMutantTable, defineMutantReplay } from './mutant-replay.ts';

checkMutantTable();
defineMutantReplay({
  name: 'fast lane and properties',
  includes: (def) => def.lane !== 'slow' || def.id.startsWith('prop.'),
  // Two replays at once keep the file inside its time budget; timing findings stay decidable (undecided ones are retried).
  concurrency: 2,
  recordConcurrently: false,
  selfReplays: 0,
});
