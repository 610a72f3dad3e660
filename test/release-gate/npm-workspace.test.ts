// A Node SDK inside a pnpm/npm workspace (the iii monorepo: `@iii-dev/helpers: workspace:*`) runs from its
// checkout: the builder finds the workspace around the tree, packs the workspace packages it depends on
// (building one whose output is missing with its own script) and installs the tree against them. Unit
// checks of the resolution on synthetic workspaces, then one run of the real pinned SDK wrapped in a
// workspace, which fails to build without the resolution (npm: Unsupported URL Type "workspace:").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkspace, pnpmWorkspacePatterns, pointAtTarballs, workspaceClosure } from '../../harness/targets/sdk/builders/npm-workspace.ts';
import { driverReady, registryTree, runCli } from './support.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iii-workspace-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function pkg(dir: string, manifest: Record<string, unknown>, files: Record<string, string> = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

describe('workspace resolution', () => {
  it('reads the packages list of a pnpm-workspace.yaml (quotes, comments, negations), and nothing else', () => {
    const yaml = 'packages:\n  - sdk/packages/node/iii\n  - \'console/packages/*\'   # the console\n  - "!docs"\nonlyBuiltDependencies:\n  - esbuild\n';
    expect(pnpmWorkspacePatterns(yaml)).toEqual(['sdk/packages/node/iii', 'console/packages/*', '!docs']);
  });

  it('finds the workspace around a tree (pnpm and npm), and its dependencies in order, deps first', async () => {
    const root = join(work, 'pnpm');
    await writeFile(join(await mkdir(root, { recursive: true }).then(() => root), 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n  - tools/**\n');
    const sdk = await pkg(join(root, 'packages', 'sdk'), { name: 'the-sdk', dependencies: { '@x/helpers': 'workspace:*', ws: '^8' } });
    await pkg(join(root, 'packages', 'helpers'), { name: '@x/helpers', dependencies: { '@x/base': 'workspace:^' } });
    await pkg(join(root, 'tools', 'deep', 'base'), { name: '@x/base' });
    expect(findWorkspace(sdk)?.root).toBe(root);
    expect(workspaceClosure(sdk).map((d) => d.name)).toEqual(['@x/base', '@x/helpers']);

    const npmRoot = await pkg(join(work, 'npm'), { name: 'root', private: true, workspaces: ['libs/*'] });
    const lib = await pkg(join(npmRoot, 'libs', 'a'), { name: 'a', dependencies: { b: 'workspace:*' } });
    await pkg(join(npmRoot, 'libs', 'b'), { name: 'b' });
    expect(workspaceClosure(lib)).toEqual([{ name: 'b', dir: join(npmRoot, 'libs', 'b') }]);
    // A tree without workspace dependencies needs no workspace.
    expect(workspaceClosure(join(npmRoot, 'libs', 'b'))).toEqual([]);
  });

  it('names what it cannot resolve: no workspace around the tree, a package it lacks, a circle', async () => {
    const alone = await pkg(join(work, 'alone', 'sdk'), { name: 'sdk', dependencies: { '@x/helpers': 'workspace:*' } });
    expect(() => workspaceClosure(alone)).toThrow(/depends on @x\/helpers \(workspace:\), and no pnpm-workspace.yaml .* lists the tree: .*pnpm pack/);

    const root = await pkg(join(work, 'gap'), { name: 'r', workspaces: ['p/*'] });
    const a = await pkg(join(root, 'p', 'a'), { name: 'a', dependencies: { nowhere: 'workspace:*' } });
    expect(() => workspaceClosure(a)).toThrow(/depends on nowhere \(workspace:\), which the workspace at .* does not hold/);

    const loop = await pkg(join(work, 'loop'), { name: 'r', workspaces: ['p/*'] });
    const x = await pkg(join(loop, 'p', 'x'), { name: 'x', dependencies: { y: 'workspace:*' } });
    await pkg(join(loop, 'p', 'y'), { name: 'y', dependencies: { x: 'workspace:*' } });
    expect(() => workspaceClosure(x)).toThrow(/in a circle through/);
  });

  it('points every workspace: dependency at its tarball and leaves the others alone', async () => {
    const dir = await pkg(join(work, 'rewrite'), { name: 'p', dependencies: { a: 'workspace:*', ws: '^8' }, devDependencies: { b: 'workspace:~' } });
    pointAtTarballs(
      dir,
      new Map([
        ['a', '/t/a.tgz'],
        ['b', '/t/b.tgz'],
      ]),
    );
    const m = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(m.dependencies).toEqual({ a: 'file:/t/a.tgz', ws: '^8' });
    expect(m.devDependencies).toEqual({ b: 'file:/t/b.tgz' });
  });
});

describe('sdk node --sdk-source <a tree inside a workspace>', () => {
  it.skipIf(!driverReady('node'))(
    'builds the workspace dependency with its own script, installs the tree against it, and runs it; without the workspace it says why',
    async () => {
      // The pinned release, as if it lived at sdk/packages/node/iii of a pnpm monorepo and depended on a
      // sibling helper package whose build output is not checked in (made by its "build" script).
      const root = join(work, 'mono');
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - sdk/packages/node/*\n');
      const tree = join(root, 'sdk', 'packages', 'node', 'iii');
      await cp(await registryTree('node', join(work, 'registry')), tree, { recursive: true });
      const manifest = JSON.parse(await readFile(join(tree, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      manifest.dependencies['@conf/helpers'] = 'workspace:*';
      await writeFile(join(tree, 'package.json'), JSON.stringify(manifest, null, 2));
      await pkg(
        join(root, 'sdk', 'packages', 'node', 'helpers'),
        {
          name: '@conf/helpers',
          version: '1.0.0',
          type: 'module',
          exports: { '.': './dist/index.mjs' },
          files: ['dist'],
          scripts: { build: 'node build.mjs' },
        },
        {
          'build.mjs':
            "import { mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\nwriteFileSync('dist/index.mjs', 'export const built = true;\\n');\n",
        },
      );

      const r = await runCli(
        ['sdk', 'node', '--sdk-source', tree, '--case', 'sdk.connect.plain-websocket', '--no-baseline', '--seed', '1'],
        join(work, 'run-1'),
      );
      expect(r.verdicts.get('sdk.connect.plain-websocket'), r.out).toBe('PASS');
      expect(r.code, r.out).toBe(0);
      const build = /driver ready \(built from .*\): (\S+)$/m.exec(r.out)?.[1] as string;
      expect(existsSync(join(build, 'sdk', 'node_modules', '@conf', 'helpers', 'dist', 'index.mjs')), r.out).toBe(true);

      // The same tree outside its workspace: a set-up failure that says what to do, not npm's error alone.
      const lone = join(work, 'lone', 'iii');
      await cp(tree, lone, { recursive: true });
      const failed = await runCli(['sdk', 'node', '--sdk-source', lone, '--case', 'sdk.connect.plain-websocket', '--no-baseline'], join(work, 'run-2'));
      expect(failed.code, failed.out).toBe(4);
      expect(failed.out).toMatch(/depends on @conf\/helpers \(workspace:\), and no pnpm-workspace.yaml/);
    },
    600_000,
  );
});
