// The engine protocol the fake engine serves: the reference engine itself (harness/reference-engine), with
// the few seams a case scripts. Everything else (namespaces, routing, results, triggers, reattach, cleanup,
// builtins) is the reference engine's, so the SDK cases are judged against the engine the engine catalogue
// certifies, not against a second rendering of the protocol.

import { isBlankNamespace, type Inbound } from '../reference-engine/decode.ts';
import { ReferenceEngine, type LogLevel, type ReferenceEngineOptions } from '../reference-engine/engine.ts';
import type { Connection } from '../reference-engine/state.ts';
import type { ErrorBody } from '../peer/pending-calls.ts';

export type InvokeMessage = Extract<Inbound, { type: 'invokefunction' }>;
export type CallReply = (body: { result?: unknown } | { error: ErrorBody }) => void;

/** What the fake engine decides for the protocol: the script of the case. */
export interface ProtocolScript {
  /** Sends (or holds) `workerregistered` on a new connection, by the case's policy. */
  greet(conn: Connection): void;
  /** A call the case scripted: answered through `reply` (or never); false lets the protocol serve it. */
  answerCall(conn: Connection, msg: InvokeMessage, reply: CallReply): boolean;
  /** `reattach` from `by` retired `retired`. */
  retired(retired: Connection, by: Connection): void;
  /** What the protocol logs (a dropped frame, an ignored reattach), for the transcript. */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export class ScriptedProtocol extends ReferenceEngine {
  /** The connection whose `reattach` is being served (see retire). */
  private reattaching: Connection | undefined;

  constructor(
    options: ReferenceEngineOptions,
    private readonly script: ProtocolScript,
  ) {
    super({ ...options, log: (level, message, fields) => script.log(level, message, fields) });
  }

  protected override greet(conn: Connection): void {
    this.script.greet(conn);
  }

  protected override onInvoke(conn: Connection, msg: InvokeMessage): void {
    // A blank namespace is refused before anything is looked up, scripted or not (§3.8 step 1).
    if (!isBlankNamespace(msg.namespace)) {
      const id = msg.invocation_id;
      const reply: CallReply = (body) => {
        if (id !== undefined && msg.action?.type !== 'void') this.sendResult(conn, id, msg.function_id, body);
      };
      if (this.script.answerCall(conn, msg, reply)) return;
    }
    super.onInvoke(conn, msg);
  }

  protected override onReattach(conn: Connection, msg: Extract<Inbound, { type: 'reattach' }>): void {
    this.reattaching = conn;
    try {
      super.onReattach(conn, msg);
    } finally {
      this.reattaching = undefined;
    }
  }

  protected override retire(conn: Connection): void {
    if (this.reattaching) this.script.retired(conn, this.reattaching);
    super.retire(conn);
  }
}
