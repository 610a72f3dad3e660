// The build cache's key (harness/targets/sdk/builders/cache.ts): the content of the tree and of the
// driver, not its build output or VCS state; and where the cache lives.
import { describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot, contentHash, copySourceTree, sourceFiles } from '../../harness/targets/sdk/builders/cache.ts';
import { existsSync } from 'node:fs';
import { withTempDir } from '../cli/helpers.ts';

describe('the build cache key', () => {
  it('changes with a source file or the driver, not with build output, node_modules or .git', async () => {
    await withTempDir(async (dir) => {
      const tree = join(dir, 'tree');
      const driver = join(dir, 'driver');
      await mkdir(join(tree, 'src'), { recursive: true });
      await mkdir(driver, { recursive: true });
      await writeFile(join(tree, 'src', 'a.py'), 'x = 1\n');
      await writeFile(join(driver, 'driver.py'), 'print(1)\n');
      const key = () =>
        contentHash(
          ['python'],
          [
            { root: driver, files: ['driver.py'] },
            { root: tree, files: sourceFiles(tree) },
          ],
        );
      const first = key();
      for (const noise of ['node_modules', '.git', '__pycache__', 'target', '.venv']) {
        await mkdir(join(tree, noise), { recursive: true });
        await writeFile(join(tree, noise, 'f'), 'noise');
      }
      expect(key()).toBe(first);
      expect(sourceFiles(tree)).toEqual(['src/a.py']);
      await writeFile(join(tree, 'src', 'a.py'), 'x = 2\n');
      const changedTree = key();
      expect(changedTree).not.toBe(first);
      await writeFile(join(driver, 'driver.py'), 'print(2)\n');
      expect(key()).not.toBe(changedTree);
      // A file renamed with the same content is a different tree.
      await writeFile(join(tree, 'src', 'b.py'), 'x = 2\n');
      expect(key()).not.toBe(changedTree);

      const copy = join(dir, 'copy');
      copySourceTree(tree, copy);
      expect(existsSync(join(copy, 'src', 'a.py'))).toBe(true);
      expect(existsSync(join(copy, 'node_modules'))).toBe(false);
      expect(existsSync(join(copy, '.git'))).toBe(false);
    });
  });

  it('lives in III_CONFORMANCE_CACHE, else XDG_CACHE_HOME/iii-conformance, else ~/.cache/iii-conformance', () => {
    expect(cacheRoot({ III_CONFORMANCE_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' })).toBe('/x/iii-conformance');
    expect(cacheRoot({})).toMatch(/\/\.cache\/iii-conformance$/);
  });
});
