// The Go driver against a module directory (a `replace` in a private copy of go.mod) or a published
// module version (from the Go module proxy, which today serves none: the error says so).

import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DRIVERS_DIR, readPinnedVersions } from '../drivers.ts';
import { BuildError, runLogged, sourceFiles } from './cache.ts';
import { toolVersion } from './toolchain.ts';
import type { BuildContext, DriverBuilder, SdkSource } from './types.ts';

const BINARY = 'iii-driver-go';

/** The SDK's own idea of its version: `sdkVersion = "…"` in its sources (there are no module tags). */
function treeVersion(dir: string): string {
  for (const f of sourceFiles(dir).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go'))) {
    const m = /sdkVersion\s*=\s*"([^"]+)"/.exec(readFileSync(join(dir, f), 'utf8'));
    if (m?.[1]) return m[1];
  }
  return 'unknown';
}

export const goBuilder: DriverBuilder = {
  toolchain: () => toolVersion('go', ['version'], 'install Go 1.24 or newer'),
  driverFiles: () => ['go.mod', ...readdirSync(join(DRIVERS_DIR, 'go')).filter((n) => n.endsWith('.go'))],
  async build(source: SdkSource, ctx: BuildContext): Promise<string> {
    const from = join(DRIVERS_DIR, 'go');
    for (const f of readdirSync(from).filter((n) => n.endsWith('.go'))) copyFileSync(join(from, f), join(ctx.dir, f));
    const module = readPinnedVersions().go.package;
    let gomod = readFileSync(join(from, 'go.mod'), 'utf8');
    let version: string;
    if (source.kind === 'tree') {
      if (!existsSync(join(source.dir, 'go.mod')))
        throw new BuildError(`${source.dir} has no go.mod: give the folder of the Go SDK module (e.g. sdk/packages/go/iii)`);
      gomod += `\nreplace ${module} => ${resolve(source.dir)}\n`;
      version = treeVersion(source.dir);
    } else {
      gomod = gomod.replace(new RegExp(`^require ${module.replace(/[.]/g, '\\.')} .*$`, 'm'), `require ${module} ${source.version}`);
      version = source.version;
    }
    writeFileSync(join(ctx.dir, 'go.mod'), gomod);
    // -X: the driver reports the tree's version (build info only says "local" for a replaced module).
    const args = ['build', '-ldflags', `-X main.sourceVersion=${version}`, '-o', BINARY, '.'];
    const code = await runLogged('go', args, { cwd: ctx.dir, log: ctx.log, env: { GOFLAGS: '-mod=mod' } });
    if (code !== 0) {
      const hint =
        source.kind === 'published' ? ' (the Go module proxy serves no version of the Go SDK today: use --sdk-source <checkout of sdk/packages/go/iii>)' : '';
      throw new BuildError(`go build of the driver against ${source.kind === 'tree' ? source.dir : `${module} ${source.version}`} exited ${code}${hint}`);
    }
    return version;
  },
  command: (dir) => ({ file: join(dir, BINARY), args: [], cwd: dir }),
};
