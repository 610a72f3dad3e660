// Checks every line a driver writes against schemas/driver/event.schema.json (ajv). A driver is
// untrusted: a `ready` with a numeric version or a 300-character name must become a one-line verdict
// naming the field, never a TypeError deep in the harness or a file name the OS refuses.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../paths.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

// From the package root, so the compiled module in dist/ finds it too.
const DRIVER_SCHEMA_DIR = packagePath('schemas', 'driver');
const EVENT_ID = 'https://iii.dev/schemas/iii-conformance/driver/event.schema.json';

const read = (file: string): object => JSON.parse(readFileSync(join(DRIVER_SCHEMA_DIR, file), 'utf8')) as object;

const EVENT_DEFS: Record<string, string> = {
  ready: 'ReadyEvent',
  ack: 'AckEvent',
  error: 'ErrorEvent',
  invoked: 'InvokedEvent',
  settled: 'SettledEvent',
  triggerRequest: 'TriggerRequestEvent',
  log: 'LogEvent',
  exit: 'ExitEvent',
  loaded: 'LoadedEvent',
  forked: 'ForkedEvent',
  reaped: 'ReapedEvent',
};

let validators: Map<string, ValidateFunction> | undefined;

function eventValidators(): Map<string, ValidateFunction> {
  if (!validators) {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: false });
    ajv.addSchema(read('defs.schema.json'));
    ajv.addSchema(read('event.schema.json'));
    validators = new Map();
    for (const [name, def] of Object.entries(EVENT_DEFS)) {
      const v = ajv.getSchema(`${EVENT_ID}#/$defs/${def}`);
      if (!v) throw new Error(`schemas/driver/event.schema.json has no $defs/${def}`);
      validators.set(name, v);
    }
  }
  return validators;
}

export const DRIVER_EVENT_NAMES: readonly string[] = Object.keys(EVENT_DEFS);

/** Empty when `value` is a valid driver event; otherwise one readable line naming the field and the rule. */
export function driverEventProblem(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const name = (value as { event?: unknown }).event;
  const validate = typeof name === 'string' ? eventValidators().get(name) : undefined;
  if (!validate) return `unknown event ${JSON.stringify(typeof name === 'string' ? name.slice(0, 40) : name)}`;
  try {
    if (validate(value)) return '';
  } catch (e) {
    // A value too deep for the validator's recursion is itself the misbehaviour to name.
    return `${name} event the validator could not check (${e instanceof RangeError ? 'nested too deep' : String(e)})`;
  }
  const e = validate.errors?.[0];
  if (!e) return `invalid ${name} event`;
  const where = e.instancePath || '/';
  const allowed = e.keyword === 'const' || e.keyword === 'enum' ? ` ${JSON.stringify(e.params)}` : '';
  return `invalid ${name} event: ${where} ${e.message ?? e.keyword}${allowed}`;
}
