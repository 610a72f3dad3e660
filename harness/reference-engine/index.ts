// Public face of the reference engine: start one on a port (0 = any free port) and stop it again.

import { ReferenceEngine, type ReferenceEngineOptions } from './engine.ts';

export { ReferenceEngine, type ReferenceEngineOptions, type EngineLogger, type LogLevel, type EngineStats } from './engine.ts';
export { ENGINE_VERSION, ENGINE_WORKER_ID, ENGINE_WORKER_NAME } from './builtins.ts';

/** Where the engine listens by default when started as the embedded engine (`serve`). */
export const DEFAULT_ENGINE_PORT = 49134;

export interface RunningEngine {
  /** ws://host:port (the worker protocol is on `/`). */
  url: string;
  host: string;
  port: number;
  engine: ReferenceEngine;
  /** Drops every socket and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Constructor of the engine to start: the reference engine or a mutant subclass of it. */
export type EngineClass = new (options: ReferenceEngineOptions) => ReferenceEngine;

export async function startReferenceEngine(options: ReferenceEngineOptions = {}, engineClass: EngineClass = ReferenceEngine): Promise<RunningEngine> {
  const engine = new engineClass({ host: '127.0.0.1', port: 0, ...options });
  const { host, port } = await engine.listen();
  return { url: `ws://${host}:${port}`, host, port, engine, close: () => engine.close() };
}
