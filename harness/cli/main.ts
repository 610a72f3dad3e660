// Entry point of the `iii-conformance` command (bin/iii-conformance.mjs runs its compiled form, dist/harness/cli/main.js).
// Ctrl-C stops starting new cases and still writes the reports; a second Ctrl-C exits at once.

import { runCli } from './program.ts';
import { defaultIO } from './io.ts';
import { boundHeapGrowth, heapGrowthFromEnv } from './heap-growth.ts';

boundHeapGrowth(heapGrowthFromEnv());

// A reader that went away (`… | head`) must not crash the run: the reports are still written, and the
// exit code still tells the verdict.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

const interrupt = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), defaultIO(interrupt.signal));
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
// Exit explicitly: a target that forgot a socket or timer must not keep CI waiting. But first let a piped
// stdout/stderr drain (process.exit drops what is still queued: `list --json | jq` lost all past 64 KiB),
// bounded so that a reader that went away cannot hold the exit either.
const flushed = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => stream.write('', () => resolve()));
await Promise.race([Promise.all([flushed(process.stdout), flushed(process.stderr)]), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
process.exit(code);
