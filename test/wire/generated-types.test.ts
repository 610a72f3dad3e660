// harness/wire/types.generated.ts must be what scripts/gen-wire-types.mjs makes from schemas/ now.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('generated wire types', () => {
  it('are up to date with the schemas (run `npm run gen:types` when this fails)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/gen-wire-types.mjs', '--stdout'], { cwd: root, maxBuffer: 8 << 20 });
    const committed = readFileSync(`${root}harness/wire/types.generated.ts`, 'utf8');
    expect(stdout === committed, 'harness/wire/types.generated.ts is out of date: run npm run gen:types').toBe(true);
  });

  it('declare a type for every message, the engine -> worker variants and the built-in payloads', () => {
    const text = readFileSync(`${root}harness/wire/types.generated.ts`, 'utf8');
    for (const name of [
      'InvokeFunction',
      'InvokeFunctionToWorker',
      'InvocationResult',
      'WorkerRegistered',
      'RegistrationRejected',
      'ErrorFrame',
      'UnregisterTriggerType',
      'TriggerRegistrationResultToWorker',
      'UnregisterTriggerToWorker',
      'ErrorBody',
      'TriggerAction',
      'HttpInvocationRef',
      'WorkersRegisterRequest',
      'WorkerInfo',
      'FunctionSummary',
      'WireMessage',
      'MessageByType',
    ]) {
      expect(text, name).toMatch(new RegExp(`export (interface|type) ${name}\\b`));
    }
    expect(text).not.toMatch(/export (interface|type) \w+\d\b/); // no numbered duplicates (Uuid1, ErrorBody1)
  });
});
