// The Node SDK mutants are exact text patches of the installed iii-sdk: each must apply exactly once, or
// an SDK upgrade would silently turn a mutant into the correct SDK. Stacked variants (a correction plus a
// bug) must apply in the order the mutant table names them.

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_SDK_PATCHES } from '../../fixtures/mutants/sdk/node/patches.ts';
import { applyPatch, materializeNodeVariant } from '../../fixtures/mutants/sdk/node/materialize.ts';
import { mutantVariants, correctVariant, readCaseMutants } from '../../fixtures/mutants/sdk/case-mutants.ts';
import { NODE_SDK_PACKAGE_DIR } from '../../specs/sdk/support/launch.ts';

const installed = existsSync(join(NODE_SDK_PACKAGE_DIR, 'package.json'));

describe.skipIf(!installed)('Node SDK patches against the installed iii-sdk', () => {
  const source = (file: string): string => readFileSync(join(NODE_SDK_PACKAGE_DIR, file), 'utf8');

  it('have unique ids', () => {
    const ids = NODE_SDK_PATCHES.map((p) => p.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  for (const patch of NODE_SDK_PATCHES) {
    it(`${patch.id} applies exactly once and changes the file`, () => {
      const original = source(patch.file);
      const patched = applyPatch(original, patch);
      expect(patched).not.toBe(original);
    });
  }

  it('every stacked variant of the mutant table applies in order', () => {
    const original = source('dist/index.mjs');
    for (const row of readCaseMutants().values()) {
      for (const v of [correctVariant(row), ...mutantVariants(row)]) {
        let text = original;
        for (const id of v.patches) text = applyPatch(text, NODE_SDK_PATCHES.find((p) => p.id === id)!);
        expect(v.patches.length === 0 || text !== original, v.label).toBe(true);
      }
    }
  });

  it('materializes a stacked variant beside the real package, importable by the driver', async () => {
    const dir = await materializeNodeVariant(NODE_SDK_PACKAGE_DIR, ['fixed-no-message-type', 'extra-field']);
    const text = readFileSync(join(dir, 'dist', 'index.mjs'), 'utf8');
    expect(text).toContain('x_mutant: true');
    expect(text).toContain('message = rest;');
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe('iii-sdk');
  });
});
