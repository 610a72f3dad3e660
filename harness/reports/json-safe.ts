// Expected/actual values come from cases and may hold anything (bigint, Buffers, Errors, cycles). Reports
// must stay valid JSON whatever a case returned, so values pass through this before they are written.

export function toJsonSafe(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (v === undefined) return null;
    if (typeof v === 'function' || typeof v === 'symbol') return String(v);
    if (depth > 40) return '[too deep]';
    if (v instanceof Error) return { error: v.name, message: v.message };
    if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('base64'), length: v.byteLength };
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Map) return walk(Object.fromEntries(v), depth + 1);
    if (v instanceof Set) return walk([...v], depth + 1);
    const obj = v as object;
    if (seen.has(obj)) return '[circular]';
    seen.add(obj);
    try {
      if (Array.isArray(obj)) return obj.map((x) => walk(x, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(obj)) {
        if (x === undefined) continue;
        // defineProperty, not assignment: `out["__proto__"] = x` would set the prototype and drop the key,
        // and an SDK's result may hold that key as plain data.
        if (k === '__proto__') Object.defineProperty(out, k, { value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
        else out[k] = walk(x, depth + 1);
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  };
  return walk(value, 0);
}
