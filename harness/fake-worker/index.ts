// Public face of the fake worker. Cases import from here only.
export { FakeWorker } from './worker.ts';
export type {
  WorkerMetadata,
  FakeWorkerOptions,
  FunctionHandler,
  WorkerCall,
  AnswerMode,
  RegisterFunctionOptions,
  TriggerTypeHandlers,
  WorkerInvokeOptions,
} from './worker.ts';
export { InvocationError, ConnectFailedError, ConnectionClosedError, WaitTimeoutError } from '../peer/errors.ts';
export type { InvocationOutcome, ErrorBody } from '../peer/pending-calls.ts';
export type { ReceivedFrame, CloseInfo, WaitOptions } from '../peer/endpoint.ts';
