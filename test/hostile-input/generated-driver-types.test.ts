// harness/targets/sdk/contract.generated.ts must be what scripts/gen-driver-types.mjs makes from
// schemas/driver/ now: the driver contract's types have that one definition.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

describe('generated driver-contract types', () => {
  it('are up to date with schemas/driver/', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/gen-driver-types.mjs', '--stdout'], { cwd: root, maxBuffer: 8 << 20 });
    const committed = readFileSync(`${root}harness/targets/sdk/contract.generated.ts`, 'utf8');
    expect(stdout === committed, 'harness/targets/sdk/contract.generated.ts is out of date: run npm run gen:types').toBe(true);
  });

  it('are the only definition: contract.ts declares no event or command shape of its own', () => {
    const contract = readFileSync(`${root}harness/targets/sdk/contract.ts`, 'utf8');
    expect(contract).not.toMatch(/export (interface|type) (ReadyEvent|DriverEvent|DriverCommand|Behaviour|ErrorInfo|SdkIdentity|DriverConfig|WorkerOptions)\b/);
  });
});
