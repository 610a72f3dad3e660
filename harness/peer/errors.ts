// Errors a case sees from the fake peers. Each carries what the peer saw instead, so a failed wait
// explains itself without opening the transcript.

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(
    message: string,
    /** Short descriptions of the frames that did arrive in the waited window (latest last). */
    readonly receivedInstead: string[],
  ) {
    super(message);
  }
}

export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError';
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** The engine answered an upgrade with an HTTP status instead of 101 (or refused the TCP connection). */
export class ConnectFailedError extends Error {
  override name = 'ConnectFailedError';
  constructor(
    message: string,
    readonly status?: number,
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

/** Thrown by a function handler to answer an invocation with this error code. */
export class InvocationError extends Error {
  override name = 'InvocationError';
  constructor(
    readonly code: string,
    message: string,
    readonly stacktrace?: string,
  ) {
    super(message);
  }
}
