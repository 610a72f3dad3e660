// JSON from an implementation or a handed-in file may nest arbitrarily deep (JSON.parse copes, recursive
// code does not: 5,000 levels overflow the stack). These walk it with an explicit stack.

export const JSON_DEPTH_LIMIT = 200;

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

/** The nesting depth of `value` (a scalar is 0, `[]` is 1), walking no further than `stopAt`. */
export function jsonDepth(value: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  return jsonShape(value, stopAt).depth;
}

/**
 * Replaces, in place, every value nested deeper than `limit` by a string saying so; returns the JSON
 * pointers of what it replaced (at most 20 listed), so the caller can name them.
 */
export function pruneDeep(value: unknown, limit = JSON_DEPTH_LIMIT): string[] {
  const pruned: string[] = [];
  const stack: [Container, string, number][] = isContainer(value) ? [[value, '', 1]] : [];
  while (stack.length > 0) {
    const [node, pointer, depth] = stack.pop() as [Container, string, number];
    for (const [key, child] of Object.entries(node)) {
      if (!isContainer(child)) continue;
      const childPointer = `${pointer}/${key}`;
      if (depth + 1 > limit) {
        (node as Record<string, unknown>)[key] = `[left out: nested deeper than ${limit} levels]`;
        if (pruned.length < 20) pruned.push(childPointer);
      } else stack.push([child, childPointer, depth + 1]);
    }
  }
  return pruned;
}

/**
 * The nesting depth (walking no further than `stopAt`) and the number of object keys, in one walk without
 * recursion: every frame a fake peer receives needs both (jsonDepth and keyCount read one each).
 */
export function jsonShape(value: unknown, stopAt = Number.POSITIVE_INFINITY): { depth: number; keys: number } {
  let depth = 0;
  let keys = 0;
  const nodes: unknown[] = [value];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const v = nodes.pop();
    const d = (depths.pop() as number) + 1;
    if (!isContainer(v)) continue;
    if (d > depth) depth = d;
    if (depth > stopAt) return { depth, keys };
    const children = Object.values(v);
    if (!Array.isArray(v)) keys += children.length;
    for (const child of children) {
      if (isContainer(child)) {
        nodes.push(child);
        depths.push(d);
      }
    }
  }
  return { depth, keys };
}

/** Number of object keys in `value`, counted without recursion. */
export function keyCount(value: unknown): number {
  return jsonShape(value).keys;
}
