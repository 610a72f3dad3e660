// Partial matching of frames, so a case names only the fields it cares about:
//   { type: 'invocationresult', invocation_id: id }          plain values compare deeply
//   { function_id: /^demo::/ }                               a RegExp tests a string
//   { data: (d) => typeof d === 'object' }                   a function is a predicate
//   { error: absent }                                        the key must be missing (or undefined)

/** Marks a key that must not be present. */
export const absent: unique symbol = Symbol('absent');

/** A partial frame: each key's value is a plain value, a RegExp, a predicate, or `absent`. */
export type Pattern = { readonly [key: string]: unknown };
/** A predicate over the parsed frame (undefined when it did not parse) and the received entry. */
export type FramePredicate<E = unknown> = (frame: unknown, entry: E) => boolean;
export type Matcher<E = unknown> = Pattern | FramePredicate<E>;

export function matches(pattern: unknown, value: unknown): boolean {
  if (pattern === absent) return value === undefined;
  if (typeof pattern === 'function') return Boolean((pattern as (v: unknown) => unknown)(value));
  if (pattern instanceof RegExp) return typeof value === 'string' && pattern.test(value);
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && value.length === pattern.length && pattern.every((p, i) => matches(p, value[i]));
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    for (const [key, p] of Object.entries(pattern)) {
      if (!matches(p, Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined)) return false;
    }
    return true;
  }
  return Object.is(pattern, value);
}

/** Top-level matcher: a function is called with (frame, entry); anything else is a pattern. */
export function matcherTest<E>(matcher: Matcher<E>, frame: unknown, entry: E): boolean {
  try {
    if (typeof matcher === 'function') return Boolean((matcher as FramePredicate<E>)(frame, entry));
    return matches(matcher, frame);
  } catch {
    return false; // a throwing predicate is a non-match, never a harness crash
  }
}

/** Human form of a matcher for error messages. */
export function describeMatcher<E>(matcher: Matcher<E>): string {
  if (typeof matcher === 'function') return matcher.name ? `predicate ${matcher.name}` : 'a predicate';
  return describeValue(matcher);
}

function describeValue(p: unknown): string {
  if (p === absent) return '<absent>';
  if (typeof p === 'function') return '<predicate>';
  if (p instanceof RegExp) return String(p);
  if (Array.isArray(p)) return `[${p.map(describeValue).join(',')}]`;
  if (typeof p === 'object' && p !== null) {
    return `{${Object.entries(p)
      .map(([k, v]) => `${k}:${describeValue(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(p) ?? String(p);
}
