// specs/sdk/README.md lists every case with its level, sources and mutants; it is generated, and this
// test keeps it from drifting from the code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/targets/sdk/drivers.ts';
import { sdkCatalogue } from '../../specs/sdk/index.ts';
import { renderCaseTable, SDK_CASE_TABLE } from '../../specs/sdk/support/case-table.ts';
import { replaceGeneratedBlock } from '../../harness/util/generated-block.ts';

describe('specs/sdk/README.md case table', () => {
  it('is up to date (regenerate with `npm run catalogue:docs`)', () => {
    const readme = readFileSync(join(REPO_ROOT, 'specs', 'sdk', 'README.md'), 'utf8');
    expect(readme).toBe(replaceGeneratedBlock(readme, SDK_CASE_TABLE, renderCaseTable(sdkCatalogue.cases)));
  });

  it('every case names a source and has a stable dotted id', () => {
    for (const c of sdkCatalogue.cases) {
      expect(c.sources.length, c.id).toBeGreaterThan(0);
      expect(c.id).toMatch(/^(sdk|prop)\.[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    }
  });
});
