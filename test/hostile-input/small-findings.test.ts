// Finding 6 (issue 12): a newline in the user's target must not end rerun.sh's comment line (the rest
// would run as a command), and toJsonSafe keeps an SDK result's "__proto__" key as data.

import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { toJsonSafe } from '../../harness/reports/json-safe.ts';
import { cli, withTempDir } from '../cli/helpers.ts';

describe('toJsonSafe', () => {
  it('keeps a "__proto__" key as data, without touching any prototype', () => {
    const safe = toJsonSafe(JSON.parse('{"__proto__":{"polluted":true},"a":[{"__proto__":1}]}')) as Record<string, unknown>;
    expect(JSON.stringify(safe)).toBe('{"__proto__":{"polluted":true},"a":[{"__proto__":1}]}');
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
    expect((safe as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('rerun.sh', () => {
  it('keeps a newline of the target inside its comment line', async () => {
    await withTempDir(async (dir) => {
      const r = await cli(['sdk', 'cmd:node driver.mjs\ntouch PWNED #', '--case', 'sdk.synth.fails', '--report-dir', dir]);
      expect(r.code).toBe(1);
      const script = await readFile(join(dir, 'repro', 'sdk', 'sdk.synth.fails', 'rerun.sh'), 'utf8');
      const lines = script.split('\n');
      expect(lines[1]).toBe('# Reruns sdk.synth.fails against cmd:node driver.mjs\\ntouch PWNED # with the seed of the failing run.');
      // Run by sh with the command swapped for printf: the target stays one argument and nothing else runs.
      const dry = script.replace('exec node "$bin"', "exec printf '%s\\0'");
      expect(dry).not.toBe(script);
      await writeFile(join(dir, 'dry.sh'), dry);
      const { stdout } = await promisify(execFile)('sh', [join(dir, 'dry.sh')], { cwd: dir });
      expect(stdout.split('\0').slice(0, 2)).toEqual(['sdk', 'cmd:node driver.mjs\ntouch PWNED #']);
      expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    });
  });
});

describe('--report-dir', () => {
  it('naming a file is a usage error (exit 3) that says so', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'results-here');
      await writeFile(file, 'not a folder');
      for (const reportDir of [file, join(file, 'sub')]) {
        const r = await cli(['sdk', 'node', '--case', 'sdk.synth.fails', '--report-dir', reportDir]);
        expect(r.code).toBe(3);
        expect(r.err).toMatch(/--report-dir .* names a file \(or a path through one\), not a folder/);
      }
      expect(await readFile(file, 'utf8')).toBe('not a folder');
    });
  });
});
