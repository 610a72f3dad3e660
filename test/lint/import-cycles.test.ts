// `npm run lint` (Biome, biome.jsonc) fails on an import circle, type-only ones included, and allows none
// by name. Run on small trees in a temporary folder with the project's own config.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = process.cwd();
const biome = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function lint(files: Record<string, string>): { status: number | null; output: string } {
  dir = mkdtempSync(join(tmpdir(), 'lint-cycles-'));
  copyFileSync(join(root, 'biome.jsonc'), join(dir, 'biome.jsonc'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  // Not a git checkout: the config's ignore-file lookup is switched off for the temporary tree.
  const r = spawnSync(process.execPath, [biome, 'lint', '--vcs-enabled=false', '--colors=off'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('npm run lint: import circles', () => {
  it('passes a tree whose imports go one way', () => {
    const r = lint({
      'harness/a/model.ts': 'export interface Sample { ms: number }\n',
      'harness/b/use.ts': "import type { Sample } from '../a/model.ts';\nexport const s: Sample = { ms: 1 };\n",
    });
    expect(r.output).not.toContain('noImportCycles');
    expect(r.status).toBe(0);
  });

  it('fails on a circle made only of type imports, naming the file', () => {
    const r = lint({
      'harness/a/model.ts': "import type { Tolerance } from '../b/tolerance.ts';\nexport interface Sample { t: Tolerance }\n",
      'harness/b/tolerance.ts': "import type { Sample } from '../a/model.ts';\nexport interface Tolerance { s?: Sample }\n",
    });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/harness\/a\/model\.ts.*noImportCycles/);
  });

  it('allows no circle by name: the config switches the rule off for no file', () => {
    const config = JSON.parse(readFileSync(join(root, 'biome.jsonc'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { overrides?: unknown[] };
    const offSomewhere = (config.overrides ?? []).filter((o) => JSON.stringify(o).includes('noImportCycles'));
    expect(offSomewhere).toEqual([]);
  });
});
