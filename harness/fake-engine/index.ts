// Public face of the fake engine. Cases import from here only.
export { FakeEngine, NO_ANSWER, DEFAULT_MAX_PAYLOAD } from './engine.ts';
export type { FakeEngineOptions, UpgradeAttempt, ListenerDowntime, IncomingCall, CallAnswer, CallScript, CallTarget, WorkerRegisteredPolicy } from './engine.ts';
export { EngineConnection } from './connection.ts';
export type { InvocationOutcome, InvokeOptions, WorkerMetadata, ErrorBody } from './connection.ts';
export { Endpoint, summarize } from './endpoint.ts';
export type { ReceivedFrame, WaitOptions, CloseInfo } from './endpoint.ts';
export { WaitTimeoutError, ConnectionClosedError, ConnectFailedError, InvocationError } from './errors.ts';
export { matches, absent } from './match.ts';
export type { Matcher, Pattern, FramePredicate } from './match.ts';
export { BUILTIN_IDS, sanitizeName } from './builtins.ts';
export { TimerSet } from './timers.ts';
