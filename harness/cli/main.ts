// Entry point of the `iii-conformance` command (bin/iii-conformance.mjs loads it through tsx).
// Ctrl-C stops starting new cases and still writes the reports; a second Ctrl-C exits at once.

import { runCli } from './program.ts';
import { defaultIO } from './io.ts';

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
// Exit explicitly: a target that forgot a socket or timer must not keep CI waiting.
process.exit(code);
