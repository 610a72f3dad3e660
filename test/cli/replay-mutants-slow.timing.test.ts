// Issue 14, mutant replay of the slow lane's cases (those that wait out the SDK's real default timings, 20-70 s
// each: heartbeat, default backoff): as test/cli/replay-mutants.timing.test.ts, but each case is recorded in a
// run of its own and all replays go at once, since they mostly wait on the SDK's timers (a few minutes in all
// instead of about ten one after another). Each case is also replayed three times against the variant it was
// recorded with and must not diverge: the self-replay test/cli/replay-self-sdk.test.ts leaves the slow lane out.

import { defineMutantReplay } from './mutant-replay.ts';

defineMutantReplay({
  name: 'slow lane',
  includes: (def) => def.lane === 'slow' && !def.id.startsWith('prop.'),
  // Four mutant replays and twelve self-replays at once, nearly all waiting on the SDK's timers.
  concurrency: 16,
  recordConcurrently: true,
  selfReplays: 3,
});
