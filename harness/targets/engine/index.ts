// Engine targets: where the engine under test comes from. `reference` starts the embedded engine in
// this process; `url` uses one that is already running; `cmd` launches a command in its own process
// group and waits for its port; `image` starts a container with testcontainers (skipped, with the
// reason, when no Docker daemon is reachable). Every target hands back a ws:// URL and a close().

import { join } from 'node:path';
import type { EngineTargetSpec } from '../../cases/catalogue.ts';
import type { Capability, Implementation } from '../../cases/model.ts';
import { ENGINE_VERSION, startReferenceEngine, type EngineClass } from '../../reference-engine/index.ts';
import { probeDocker } from './docker.ts';
import { probeEngine } from './probe.ts';
import { cappedLog } from './capped-log.ts';
import { launchCommand, waitForPort } from './process.ts';
import { fileOutput, LineOutput, type EngineOutput } from './output.ts';
import { askEngineVersion, resolveEngineIdentity, type EngineNameOverride } from './identity.ts';

export { probeDocker, type DockerProbe } from './docker.ts';
export { probeEngine, type ProbeResult } from './probe.ts';
export { launchCommand, waitForPort, type LaunchedCommand } from './process.ts';
export { fileOutput, LineOutput, type EngineOutput } from './output.ts';
export { parseEngineName, sanitizeIdentifier, type EngineIdentity, type EngineNameOverride } from './identity.ts';

/** The port an iii engine listens on inside its container (engine-protocol.md §1.1). */
export const ENGINE_CONTAINER_PORT = 49134;

/** What an iii engine is expected to offer; engine cases rarely gate on these. */
export const ENGINE_CAPABILITIES: readonly Capability[] = [
  'namespaces',
  'json-ping',
  'trigger-types',
  'void-action',
  'enqueue-action',
  'worker-name',
  'services',
];

/** Thrown by openEngineTarget when the target cannot run here for a stated reason (no Docker daemon). */
export class EngineTargetSkipped extends Error {
  readonly skipped = true as const;
  constructor(readonly reason: string) {
    super(`engine target skipped: ${reason}`);
    this.name = 'EngineTargetSkipped';
  }
}

export interface EngineEndpoint {
  /** ws://host:port of the worker listener. */
  url: string;
  implementation: Implementation;
  /** Files holding the engine's own output (cmd, image), for the report. */
  logFiles(): string[];
  /** Last part of the engine's output, to quote when something went wrong. */
  outputTail(): string;
  /** The engine's output as it grows (log file of a launched engine, log lines of the reference); none for url. */
  output?: EngineOutput;
  /** Stops what this target started (nothing for url). Idempotent. */
  close(): Promise<void>;
}

export interface OpenEngineOptions {
  /** Folder for the engine's output (`<artifactsRoot>/engine-target/`). */
  artifactsRoot: string;
  /** How long a launched engine or container may take to answer on its port. Default 30 000. */
  readyTimeoutMs?: number;
  /** The reference target only: start this engine class (a mutant) instead of the reference engine. */
  engineClass?: EngineClass;
  /** The reference target only: namespace grace (ms). */
  namespaceGraceMs?: number;
  /** The reference target only: HTTP upgrade deadline (ms). */
  handshakeTimeoutMs?: number;
}

function implementation(name: string, version = 'unknown'): Implementation {
  return { kind: 'engine', name, version, capabilities: ENGINE_CAPABILITIES };
}

/** An engine the user pointed at, identified by its answer or --engine-name (identity.ts), else by `label`. */
async function identified(url: string, override: EngineNameOverride | undefined, label: string): Promise<Implementation> {
  // Both given by the user: nothing to ask the engine.
  const answered = override?.version === undefined ? await askEngineVersion(url) : undefined;
  const identity = resolveEngineIdentity(answered, override, label);
  return implementation(identity.name, identity.version);
}

export async function openEngineTarget(spec: EngineTargetSpec, options: OpenEngineOptions): Promise<EngineEndpoint> {
  switch (spec.kind) {
    case 'reference':
      return openReference(options);
    case 'url':
      return openUrl(spec.url, spec.engineName);
    case 'cmd':
      return openCommand(spec.command, spec.url, spec.engineName, options);
    case 'image':
      return openImage(spec.image, spec.engineName, options);
  }
}

async function openReference(options: OpenEngineOptions): Promise<EngineEndpoint> {
  const output = new LineOutput();
  const running = await startReferenceEngine(
    {
      log: (level, message, fields) =>
        output.push(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
      ...(options.namespaceGraceMs === undefined ? {} : { namespaceGraceMs: options.namespaceGraceMs }),
      ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
    },
    options.engineClass,
  );
  const name = options.engineClass ? `reference-engine (${options.engineClass.name})` : 'reference-engine';
  return {
    url: running.url,
    implementation: implementation(name, ENGINE_VERSION),
    logFiles: () => [],
    outputTail: () => '',
    output,
    close: () => running.close(),
  };
}

function checkWsUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL; give the engine as ws://host:port`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new Error(`"${url}" is not a ws:// or wss:// URL; give the engine as ws://host:port`);
  return parsed;
}

async function openUrl(url: string, engineName: EngineNameOverride | undefined): Promise<EngineEndpoint> {
  checkWsUrl(url);
  const probe = await probeEngine(url);
  if (!probe.ok) throw new Error(`${probe.reason}. Is the engine running? Start it, or let the harness launch it with --engine-cmd.`);
  return { url, implementation: await identified(url, engineName, url), logFiles: () => [], outputTail: () => '', close: async () => {} };
}

async function openCommand(command: string, url: string, engineName: EngineNameOverride | undefined, options: OpenEngineOptions): Promise<EngineEndpoint> {
  const parsed = checkWsUrl(url);
  const port = Number(parsed.port || (parsed.protocol === 'wss:' ? 443 : 80));
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const launched = launchCommand(command, join(options.artifactsRoot, 'engine-target', 'engine.log'));
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let engine: Implementation;
  try {
    await waitForPort(host, port, timeoutMs, () =>
      launched.hasExited() ? `the engine command exited before ${host}:${port} answered. Its output:\n${launched.outputTail() || '(none)'}` : null,
    );
    const probe = await probeEngine(url);
    if (!probe.ok) throw new Error(`${probe.reason}. Engine output:\n${launched.outputTail() || '(none)'}`);
    engine = await identified(url, engineName, `cmd: ${command}`);
  } catch (e) {
    await launched.stop();
    throw new Error(`could not start the engine with \`${command}\`: ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    url,
    implementation: engine,
    logFiles: () => [launched.logFile],
    outputTail: () => launched.outputTail(),
    output: fileOutput(launched.logFile, () => launched.capNote()),
    close: async () => {
      await launched.stop();
    },
  };
}

async function openImage(image: string, engineName: EngineNameOverride | undefined, options: OpenEngineOptions): Promise<EngineEndpoint> {
  const docker = await probeDocker();
  if (!docker.available) throw new EngineTargetSkipped(docker.reason);
  const { GenericContainer, Wait } = await import('testcontainers');
  const log = cappedLog(join(options.artifactsRoot, 'engine-target', 'engine.log'));
  const container = await new GenericContainer(image)
    .withExposedPorts(ENGINE_CONTAINER_PORT)
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(options.readyTimeoutMs ?? 60_000)
    .withLogConsumer((stream) => {
      stream.on('data', (chunk: Buffer | string) => log.write(chunk));
      stream.on('error', () => {});
    })
    .start();
  const url = `ws://${container.getHost()}:${container.getMappedPort(ENGINE_CONTAINER_PORT)}`;
  let closing: Promise<void> | null = null;
  // Never throws: an engine that does not answer is named by the image.
  const engine = await identified(url, engineName, `image: ${image}`);
  return {
    url,
    implementation: engine,
    logFiles: () => [log.file],
    outputTail: () => log.tail(),
    output: fileOutput(log.file, () => log.capNote()),
    close: () =>
      (closing ??= (async () => {
        await container.stop();
        await log.end();
      })()),
  };
}
