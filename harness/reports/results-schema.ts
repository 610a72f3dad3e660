// Validates a results document against schemas/results.schema.json (ajv, draft 2020-12).

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { packagePath } from '../paths.ts';

export const RESULTS_SCHEMA_PATH = packagePath('schemas', 'results.schema.json');

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    // ajv-formats is CommonJS; its default export arrives wrapped when imported from ESM.
    const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => void;
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(RESULTS_SCHEMA_PATH, 'utf8')));
  }
  return compiled;
}

/** Empty when valid; otherwise one readable line per problem ("/runs/0/cases/2/verdict must be equal to one of the allowed values"). */
export function validateResults(data: unknown): string[] {
  const validate = validator();
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}
