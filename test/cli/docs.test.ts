// The documentation stays true to the command: every option docs/cli.md and the GitHub Actions example use
// exists, the example gates the release job on the conformance job, and its seed fits --seed.

import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cli } from './helpers.ts';

const doc = (name: string) => readFile(fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), 'utf8');
/** Options of other tools that appear in the same command blocks. */
const NOT_OURS = new Set(['--no-audit', '--no-fund', '--only']); // npm ci; npm run setup

async function allHelp(): Promise<string> {
  const texts = await Promise.all([[], ['sdk'], ['engine'], ['list'], ['serve'], ['replay'], ['report']].map((c) => cli([...c, '--help'])));
  return texts.map((t) => t.out).join('\n');
}

describe('docs', () => {
  it('use only options the command has', async () => {
    const help = await allHelp();
    for (const name of ['cli.md', 'github-actions-example.yml']) {
      const text = await doc(name);
      const used = new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)].map((m) => m[0]).filter((o) => !NOT_OURS.has(o)));
      expect(used.size).toBeGreaterThan(3);
      for (const option of used) expect(help, `${name} uses ${option}`).toContain(option);
    }
  });

  it('the workflow example gates the release on conformance and reads the documented exit codes', async () => {
    const yml = await doc('github-actions-example.yml');
    expect(yml).not.toMatch(/\t/);
    expect(yml).toMatch(/release:\n(?:.*\n)*? {4}needs: conformance/);
    expect(yml).toContain('npx iii-conformance sdk "$SDK" --sdk-source'); // no driver to write in the SDK repository
    expect(yml).toContain('--seed "$GITHUB_RUN_NUMBER"'); // GITHUB_RUN_ID would exceed --seed's range
    expect(yml).toMatch(/if \[ "\$code" -eq 2 \]/);
    expect(yml).toContain('junit.xml');
    expect(yml).toContain('actions/upload-artifact');
    const help = (await cli(['--help'])).out;
    for (const code of ['0', '1', '2', '3', '4']) expect(help).toMatch(new RegExp(`\\n  ${code} +\\S`));
  });
});
