// Issue 14, mutant replay of the slow lane's cases (those that wait out the SDK's real default timings, 20-70 s
// each: heartbeat, default backoff): as test/cli/replay-mutants.timing.test.ts, but each case is recorded in a
// run of its own and all replays go at once, since they mostly wait on the SDK's timers (a few minutes in all
// instead of about ten one after another).

import { defineMutantReplay } from './mutant-replay.ts';

defineMutantReplay({
  name: 'slow lane',
  includes: (def) => def.lane === 'slow' && !def.id.startsWith('prop.'),
  concurrency: 8,
  recordConcurrently: true,
});
