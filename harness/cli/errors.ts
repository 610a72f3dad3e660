// Errors the CLI turns into one clear message and a documented exit code, never a stack trace.

import { EXIT } from '../baselines/gate.ts';

/** Bad arguments: the user must change the command line (exit 3). */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
}

/** The harness could not set up: unreachable engine, driver that does not start, unloadable catalogue (exit 4). */
export class SetupError extends Error {
  readonly exitCode = EXIT.setup;
}

/** A bug in the harness itself (exit 5): printed with a pointer to the stack, which III_CONFORMANCE_DEBUG=1 shows. */
export const INTERNAL_ERROR_EXIT = 5;
