// `iii-conformance fuzz`: runs only the fuzz case of the side and prints frames and frames/s per side;
// bad arguments are exit 3 with a message that names them.
import { describe, expect, it } from 'vitest';
import { engineCatalogue } from '../../specs/engine/index.ts';
import type { EngineCatalogue } from '../../harness/cli/io.ts';
import { cli, withTempDir } from '../cli/helpers.ts';

const engine = engineCatalogue as unknown as EngineCatalogue;

describe('iii-conformance fuzz', () => {
  it('fuzzes the reference engine and prints the frame count and rate of the side', async () => {
    await withTempDir(async (dir) => {
      const r = await cli(['fuzz', 'engine', '--frames', '300', '--seed', '3', '--report-dir', dir], { engine });
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toMatch(/engine catalogue against reference .*: 1 case/);
      expect(r.out).toMatch(/^fuzz engine reference-engine \S+: 300 frames in 3 batches, \d+ frames\/s$/m);
    });
  }, 120_000);

  it.each([
    [['fuzz', 'sideways'], /unknown side "sideways"/],
    [['fuzz', 'sdk'], /fuzz sdk needs a target/],
    [['fuzz', 'engine', 'node'], /takes no target argument/],
    [['fuzz', 'engine', '--frames', '0'], /--frames "0" must be a whole number/],
  ])('%j is a usage error', async (argv, message) => {
    const r = await cli(argv, { engine });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(message);
  });
});
