// The one test for "a JSON object" (not null, not an array) before reading fields of a value from outside
// the type system: a transcript line, a repro bundle, a schema, a fault schedule, a frame.

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
