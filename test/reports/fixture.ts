// Produces real results.json documents for the report tests by running the synthetic catalogue through
// the CLI in-process (so the tests see exactly what users get).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultsDocument } from '../../harness/reports/results.ts';
import type { SdkCatalogue } from '../../harness/cli/io.ts';
import { cli } from '../cli/helpers.ts';
import { syntheticSdkCatalogue } from '../cli/fixtures/synthetic.ts';

export async function synthResults(dir: string, args: string[] = [], version = '1.0.0'): Promise<ResultsDocument> {
  const sdk = syntheticSdkCatalogue({ version }) as unknown as SdkCatalogue;
  await cli(['sdk', 'node', '--report-dir', dir, '--seed', '7', ...args], { sdk });
  return JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as ResultsDocument;
}
