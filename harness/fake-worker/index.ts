// Public face of the fake worker. Cases import from here only.
export { FakeWorker } from './worker.ts';
export type { FakeWorkerOptions, FunctionHandler, WorkerCall, AnswerMode, RegisterFunctionOptions, TriggerTypeHandlers, WorkerInvokeOptions } from './worker.ts';
export { InvocationError, ConnectFailedError, ConnectionClosedError, WaitTimeoutError } from '../fake-engine/errors.ts';
export type { InvocationOutcome, ErrorBody, WorkerMetadata } from '../fake-engine/connection.ts';
export type { ReceivedFrame, CloseInfo, WaitOptions } from '../fake-engine/endpoint.ts';
