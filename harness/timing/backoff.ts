// The reconnection formula every configurable SDK documents (seed "Reconnection Config";
// sdk-behaviour.md §3.1): c = min(initialDelayMs * backoffMultiplier^n, maxDelayMs), then
// jitter of ±jitterFactor·c applied after the cap.

export interface ReconnectionConfig {
  initialDelayMs: number;
  maxDelayMs: number;
  backoffMultiplier: number;
  jitterFactor: number;
  /** -1 = unbounded. */
  maxRetries: number;
}

/** The documented defaults (seed "Reconnection Config"; Node DEFAULT_BRIDGE_RECONNECTION_CONFIG). */
export const DEFAULT_RECONNECTION: ReconnectionConfig = {
  initialDelayMs: 1000,
  maxDelayMs: 30000,
  backoffMultiplier: 2,
  jitterFactor: 0.3,
  maxRetries: -1,
};

export interface Envelope {
  baseMs: number;
  minMs: number;
  maxMs: number;
}

/** Allowed delay before reconnection attempt n (0-based): [floor(c·(1−j)), c·(1+j)]. */
export function backoffEnvelope(cfg: ReconnectionConfig, n: number): Envelope {
  const c = Math.min(cfg.initialDelayMs * cfg.backoffMultiplier ** n, cfg.maxDelayMs);
  return { baseMs: c, minMs: Math.floor(c * (1 - cfg.jitterFactor)), maxMs: c * (1 + cfg.jitterFactor) };
}
