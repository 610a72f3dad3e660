// The Python driver against a package directory (a copy of it is pip-installed, so the user's tree
// gets no build/ or egg-info) or a published PyPI version, each in a venv of its own in the cache.

import { copyFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DRIVERS_DIR } from '../drivers.ts';
import { BuildError, copySourceTree, runLogged } from './cache.ts';
import { toolVersion } from './toolchain.ts';
import type { BuildContext, DriverBuilder, SdkSource } from './types.ts';

const python = (): string => process.env.III_PYTHON ?? 'python3';
const venvPython = (dir: string): string => join(dir, '.venv', 'bin', 'python');

export const pythonBuilder: DriverBuilder = {
  toolchain() {
    const version = toolVersion(python(), ['--version'], 'install Python >= 3.10 (or set III_PYTHON)');
    const [major, minor] = (/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
    if (major !== 3 || (minor ?? 0) < 10) throw new BuildError(`${version} is too old: iii-sdk needs Python >= 3.10 (set III_PYTHON)`);
    return version;
  },
  driverFiles: () => ['driver.py'],
  async build(source: SdkSource, ctx: BuildContext): Promise<string> {
    copyFileSync(join(DRIVERS_DIR, 'python', 'driver.py'), join(ctx.dir, 'driver.py'));
    let requirement: string;
    if (source.kind === 'tree') {
      if (!existsSync(join(source.dir, 'pyproject.toml')) && !existsSync(join(source.dir, 'setup.py'))) {
        throw new BuildError(`${source.dir} has no pyproject.toml or setup.py: give the folder of the Python SDK package (e.g. sdk/packages/python/iii)`);
      }
      requirement = join(ctx.dir, 'sdk');
      copySourceTree(source.dir, requirement);
    } else requirement = `iii-sdk==${source.version}`;
    const venv = await runLogged(python(), ['-m', 'venv', '.venv'], { cwd: ctx.dir, log: ctx.log });
    if (venv !== 0) throw new BuildError(`python -m venv exited ${venv} (Debian: apt-get install python3-venv)`);
    const pip = await runLogged(venvPython(ctx.dir), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', requirement], {
      cwd: ctx.dir,
      log: ctx.log,
    });
    if (pip !== 0) throw new BuildError(`pip install ${source.kind === 'tree' ? `(a copy of) ${source.dir}` : requirement} exited ${pip}`);
    const r = spawnSync(venvPython(ctx.dir), ['-c', 'import importlib.metadata as m; print(m.version("iii-sdk"))'], { encoding: 'utf8' });
    return r.stdout.trim() || 'unknown';
  },
  command: (dir) => ({ file: venvPython(dir), args: ['-u', join(dir, 'driver.py')], cwd: dir }),
};
