// `npm run catalogue:docs`: rewrites the generated case tables of the documentation from the catalogues
// and the mutant registries (specs/sdk/README.md, fixtures/mutants/engine/README.md). Adding a case is the
// case, its mutant and its row in the registry; this command does the tables, and their tests fail while
// a table is stale. Baselines have their own command (`iii-conformance sdk <target> --update-baseline`).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_MUTANTS } from '../fixtures/mutants/engine/index.ts';
import { ENGINE_TABLES, renderEngineMutantTables } from '../fixtures/mutants/engine/case-table.ts';
import { replaceGeneratedBlock } from '../harness/util/generated-block.ts';
import { engineCases } from '../specs/engine/index.ts';
import { sdkCatalogue } from '../specs/sdk/index.ts';
import { renderCaseTable, SDK_CASE_TABLE } from '../specs/sdk/support/case-table.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function rewrite(relative: string, render: (text: string) => string): void {
  const file = join(root, relative);
  const before = readFileSync(file, 'utf8');
  const after = render(before);
  if (after === before) return void process.stdout.write(`${relative}: up to date\n`);
  writeFileSync(file, after);
  process.stdout.write(`${relative}: rewritten\n`);
}

rewrite('specs/sdk/README.md', (text) => replaceGeneratedBlock(text, SDK_CASE_TABLE, renderCaseTable(sdkCatalogue.cases)));
rewrite('fixtures/mutants/engine/README.md', (text) => replaceGeneratedBlock(text, ENGINE_TABLES, renderEngineMutantTables(engineCases, ENGINE_MUTANTS)));
