// Public face of the fake engine. Cases import from here only.
export { FakeEngine, NO_ANSWER } from './engine.ts';
export type {
  FakeEngineOptions,
  UpgradeAttempt,
  ListenerDowntime,
  IncomingCall,
  CallAnswer,
  CallScript,
  CallTarget,
  WorkerRegisteredPolicy,
} from './engine.ts';
export { EngineConnection } from './connection.ts';
export type { InvocationOutcome, InvokeOptions, ErrorBody } from './connection.ts';
export { Endpoint, summarize, DEFAULT_MAX_PAYLOAD } from '../peer/endpoint.ts';
export type { ReceivedFrame, WaitOptions, CloseInfo } from '../peer/endpoint.ts';
export { WaitTimeoutError, ConnectionClosedError, ConnectFailedError, InvocationError } from '../peer/errors.ts';
export { matches, absent } from '../peer/match.ts';
export type { Matcher, Pattern, FramePredicate } from '../peer/match.ts';
export { TimerSet } from '../peer/timers.ts';
