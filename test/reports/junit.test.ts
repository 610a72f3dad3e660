// junit.xml: validated against the JUnit schema Jenkins uses (test/reports/junit.xsd, see its header) with
// xmllint when it is installed, and always checked for the verdict mapping CI systems rely on.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildJunit } from '../../harness/reports/junit.ts';
import { withTempDir } from '../cli/helpers.ts';
import { synthResults } from './fixture.ts';

const XSD = fileURLToPath(new URL('./junit.xsd', import.meta.url));
const XMLLINT = ['/usr/bin/xmllint', '/usr/local/bin/xmllint'].find((p) => existsSync(p));

function testcases(xml: string): { name: string; body: string }[] {
  return [...xml.matchAll(/<testcase [^>]*name="([^"]+)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({ name: m[1] as string, body: m[2] ?? '' }));
}

describe('junit.xml', () => {
  it('has one testcase per case: FAIL -> failure, ERROR and INDETERMINATE -> error, UNSUPPORTED -> skipped', async () => {
    await withTempDir(async (dir) => {
      await synthResults(dir, ['--slow']);
      const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
      const tcs = testcases(xml);
      expect(tcs).toHaveLength(11);
      const body = (id: string) => tcs.find((t) => t.name === id)?.body ?? '';
      expect(body('sdk.synth.passes')).not.toMatch(/<failure|<error|<skipped/);
      expect(body('sdk.synth.fails')).toMatch(/<failure message="the SDK answered with a null result instead of an error body" type="regression">/);
      expect(body('sdk.synth.fails')).toContain('rerun: npx --no iii-conformance sdk node --case sdk.synth.fails --seed 7');
      expect(body('sdk.synth.harness-error')).toMatch(/<error message="the case threw: fixture exploded on purpose" type="ERROR">/);
      expect(body('sdk.synth.undecided')).toMatch(/<error message="undecided: [^"]*" type="INDETERMINATE">/);
      expect(body('sdk.synth.needs-metrics')).toMatch(/<skipped\/>/);
      expect(body('sdk.synth.needs-metrics')).toContain('unsupported: synthetic-sdk does not declare metrics');
      expect(body('sdk.synth.should-fails')).toMatch(/<failure message="\[SHOULD, not gating\] adds a stray field" type="non-gating">/);
      expect(body('sdk.synth.backoff-too-early')).toContain('timing delay before attempt 1: measured 95 ms, allowed 140..260 ms');
      expect(xml).toMatch(/<testsuite name="sdk: synthetic-sdk 1.0.0"[^>]* tests="11" failures="4" errors="2" skipped="1"/);
    });
  });

  it.skipIf(!XMLLINT)('validates against the common JUnit XSD (xmllint)', async () => {
    await withTempDir(async (dir) => {
      const a = await synthResults(join(dir, 'a'), ['--repeat', '2']);
      const b = await synthResults(join(dir, 'b'), [], '2.0.0');
      const file = join(dir, 'merged.xml');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, buildJunit([a, b]));
      for (const f of [join(dir, 'a', 'junit.xml'), file]) {
        const out = execFileSync(XMLLINT as string, ['--noout', '--schema', XSD, f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        expect(out).toBe('');
      }
    });
  });

  it.skipIf(!XMLLINT)('the XSD check can fail: a report with a stray attribute is rejected', async () => {
    await withTempDir(async (dir) => {
      const { writeFile } = await import('node:fs/promises');
      const file = join(dir, 'bad.xml');
      await writeFile(
        file,
        '<?xml version="1.0"?><testsuites skipped="1"><testsuite name="x" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>',
      );
      expect(() => execFileSync(XMLLINT as string, ['--noout', '--schema', XSD, file], { stdio: 'pipe' })).toThrow();
    });
  });
});
