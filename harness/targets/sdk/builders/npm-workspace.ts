// A Node package in a pnpm/yarn/npm workspace (the iii monorepo's sdk/packages/node/iii depends on
// `@iii-dev/helpers: workspace:*`) cannot be installed by npm on its own: npm does not know the
// `workspace:` protocol. The Node builder resolves each such dependency to its package in the workspace
// the tree sits in, copies it into the build folder, builds it there with its own script when its build
// output is missing, packs it, and points the dependency at the tarball. The user's checkout is read only.

import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BuildError } from './cache.ts';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
/** How far up from the SDK's folder a workspace root is looked for (sdk/packages/node/iii is 4 deep). */
const MAX_LEVELS_UP = 8;
/** How deep a `dir/**` pattern is followed. */
const MAX_GLOB_DEPTH = 4;

type Manifest = Partial<Record<(typeof DEPENDENCY_FIELDS)[number], Record<string, string>>> & {
  name?: string;
  workspaces?: string[] | { packages?: string[] };
};

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The names of a package's dependencies (of any kind) given with the `workspace:` protocol. */
export function workspaceDependencyNames(manifest: Manifest): string[] {
  const names = new Set<string>();
  for (const field of DEPENDENCY_FIELDS) for (const [name, spec] of Object.entries(manifest[field] ?? {})) if (spec.startsWith('workspace:')) names.add(name);
  return [...names].sort();
}

/** The `packages:` list of a pnpm-workspace.yaml (the one key the builder needs; no YAML library at run time). */
export function pnpmWorkspacePatterns(text: string): string[] {
  const patterns: string[] = [];
  let inPackages = false;
  for (const line of text.split('\n')) {
    if (/^packages\s*:/.test(line)) inPackages = true;
    else if (/^\S/.test(line)) inPackages = false;
    else if (inPackages) {
      const m = /^\s*-\s*['"]?([^'"#]+?)['"]?\s*(#.*)?$/.exec(line);
      if (m?.[1]) patterns.push(m[1]);
    }
  }
  return patterns;
}

function workspacePatterns(dir: string): string[] | undefined {
  const pnpm = join(dir, 'pnpm-workspace.yaml');
  if (existsSync(pnpm)) return pnpmWorkspacePatterns(readFileSync(pnpm, 'utf8'));
  if (!existsSync(join(dir, 'package.json'))) return undefined;
  try {
    const w = readManifest(dir).workspaces;
    return Array.isArray(w) ? w : w?.packages;
  } catch {
    return undefined;
  }
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

function packageDirsUnder(base: string, depth: number, out: string[]): void {
  if (!isDir(base) || depth > MAX_GLOB_DEPTH) return;
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const d = join(base, entry.name);
    if (existsSync(join(d, 'package.json'))) out.push(d);
    packageDirsUnder(d, depth + 1, out);
  }
}

/** The folders a workspace pattern names: `a/b`, `a/*` (children) and `a/**` (any depth); `!` excludes. */
function expandPattern(root: string, pattern: string): string[] {
  const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
  if (clean.endsWith('/**')) {
    const out: string[] = [];
    packageDirsUnder(join(root, clean.slice(0, -3)), 0, out);
    return out;
  }
  if (clean.endsWith('/*')) {
    const base = join(root, clean.slice(0, -2));
    if (!isDir(base)) return [];
    return readdirSync(base, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(base, e.name, 'package.json')))
      .map((e) => join(base, e.name));
  }
  return existsSync(join(root, clean, 'package.json')) ? [join(root, clean)] : [];
}

export interface Workspace {
  root: string;
  /** Package name → its folder. */
  packages: Map<string, string>;
}

/** The workspace `dir` belongs to: the nearest folder above it whose patterns include it. */
export function findWorkspace(dir: string): Workspace | undefined {
  const own = resolve(dir);
  let at = dirname(own);
  for (let level = 0; level < MAX_LEVELS_UP; level++) {
    const patterns = workspacePatterns(at);
    if (patterns) {
      const excluded = new Set(patterns.filter((p) => p.startsWith('!')).flatMap((p) => expandPattern(at, p.slice(1))));
      const dirs = patterns
        .filter((p) => !p.startsWith('!'))
        .flatMap((p) => expandPattern(at, p))
        .filter((d) => !excluded.has(d));
      if (dirs.includes(own)) {
        const packages = new Map<string, string>();
        for (const d of dirs) {
          const name = readManifest(d).name;
          if (name && !packages.has(name)) packages.set(name, d);
        }
        return { root: at, packages };
      }
    }
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  return undefined;
}

/**
 * The workspace packages `dir` depends on through `workspace:`, and theirs, dependencies before their
 * dependents; throws BuildError naming a dependency no workspace around the tree holds.
 */
export function workspaceClosure(dir: string): { name: string; dir: string }[] {
  const direct = workspaceDependencyNames(readManifest(dir));
  if (direct.length === 0) return [];
  const ws = findWorkspace(dir);
  if (!ws)
    throw new BuildError(
      `${dir}/package.json depends on ${direct.map((n) => `${n} (workspace:)`).join(', ')}, and no pnpm-workspace.yaml or package.json "workspaces" above it lists the tree: give the tree inside its workspace checkout, or a packed copy (pnpm pack)`,
    );
  const order: { name: string; dir: string }[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, from: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new BuildError(`workspace packages depend on each other in a circle through ${name}`);
    const at = ws.packages.get(name);
    if (!at) throw new BuildError(`${from}/package.json depends on ${name} (workspace:), which the workspace at ${ws.root} does not hold`);
    state.set(name, 'visiting');
    for (const dep of workspaceDependencyNames(readManifest(at))) visit(dep, at);
    state.set(name, 'done');
    order.push({ name, dir: at });
  };
  for (const name of direct) visit(name, dir);
  return order;
}

/** Rewrites the `workspace:` dependencies of the package.json in `dir` to the given tarballs (name → path). */
export function pointAtTarballs(dir: string, tarballs: ReadonlyMap<string, string>): void {
  const manifest = readManifest(dir);
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field];
    if (!deps) continue;
    for (const [name, spec] of Object.entries(deps)) {
      if (!spec.startsWith('workspace:')) continue;
      const tarball = tarballs.get(name);
      if (!tarball) throw new BuildError(`${name} (workspace:) was not packed before ${manifest.name ?? dir} needed it`);
      deps[name] = `file:${tarball}`;
    }
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
