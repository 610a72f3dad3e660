// Finding 2 (issue 12): `report` on a crafted results.json. Paths in it must not lead the report outside the
// file's folder (absolute, `..`, a symlink, a URL), no link may carry a script scheme, the page's CSP runs
// only the report's own script, and a 200,000-deep value is a clear note, not an internal error.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import type { ResultsDocument } from '../../harness/reports/results.ts';
import { cli } from '../cli/helpers.ts';
import { synthResults } from '../reports/fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const SECRET = 'HOSTILE_SECRET_7f3a';

let dir: string;
let outside: string;
let reportOut: { code: number; out: string; err: string };
let html: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iii-hostile-report-'));
  outside = join(dir, 'outside-secret.txt');
  await writeFile(outside, `{"kind":"note","text":"${SECRET}"}\n${SECRET}\n`);
  const runDir = join(dir, 'run');
  const doc = (await synthResults(runDir)) as ResultsDocument;
  await symlink(outside, join(runDir, 'innocent.jsonl'));
  const cases = doc.runs[0]!.cases;
  cases[0]!.transcript = outside; // absolute path outside the folder
  cases[1]!.transcript = '../outside-secret.txt';
  cases[2]!.transcript = 'innocent.jsonl'; // a symlink inside pointing outside
  cases[3]!.transcript = 'javascript:alert(document.title="pwned")';
  cases[3]!.logs = ['javascript:document.title="pwned"', '/proc/self/environ'];
  cases[4]!.repro = 'javascript:document.title="pwned"//';
  // 200,000 levels: recursion in the validator or JSON.stringify would overflow.
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  const text = JSON.stringify(doc).replace('"verdict":', `"expected":${deep},"verdict":`);
  await writeFile(join(runDir, 'results.json'), text);
  reportOut = await cli(['report', join(runDir, 'results.json'), '--output', join(dir, 'out', 'index.html')]);
  html = await readFile(join(dir, 'out', 'index.html'), 'utf8');
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('report on a crafted results.json', () => {
  it('writes the report and names every refused path and the deep value', () => {
    expect(reportOut.code, reportOut.err).toBe(0);
    expect(reportOut.err).toContain('outside the folder');
    expect(reportOut.err).toContain('a link leading outside the folder');
    expect(reportOut.err).toContain('looks like a URL');
    expect(reportOut.err).toMatch(/nests deeper than 200 levels; left out/);
    expect(reportOut.err).toContain('outside-secret.txt');
  });

  it('reads nothing outside the folder into index.html', () => {
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain('/proc/self/environ"'); // never linked, only named in a note
    expect(html).toContain('refused');
  });

  it('embeds no script-scheme link and a CSP that allows only the hashed report script', () => {
    expect(html).not.toMatch(/"(transcript|repro)":"javascript:/);
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(csp).not.toContain("unsafe-inline'; img"); // script-src no longer 'unsafe-inline'
    expect(csp.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('unsafe-inline');
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the crafted report in headless Chromium', () => {
  let context: BrowserContext;
  afterAll(async () => {
    await context?.close();
  });

  it('runs the report script but no injected script, and offers no script link', async () => {
    // An extra page built from the same HTML with an inline handler and an inline script added: the CSP must block both.
    const injected = html.replace('<main>', '<main><img src="x" onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>');
    await writeFile(join(dir, 'out', 'injected.html'), injected);
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    for (const name of ['index.html', 'injected.html']) {
      await page.goto(pathToFileURL(join(dir, 'out', name)).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 }); // the hashed script did run
      expect(await page.title()).not.toBe('pwned');
      // Open every cell's detail and read every link it offers.
      const cells = page.locator('table.matrix .cell[data-verdict]');
      const n = await cells.count();
      const hrefs: string[] = [];
      for (let i = 0; i < n; i++) {
        await cells.nth(i).click();
        hrefs.push(...(await page.locator('#detail a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))));
      }
      expect(hrefs.length).toBeGreaterThan(0);
      for (const h of hrefs) expect(h).not.toMatch(/^\s*(javascript|data|file|vbscript):/i);
      expect(await page.title()).not.toBe('pwned');
      expect(await page.locator('#summary .report-note').count()).toBeGreaterThan(0);
    }
    expect(dialogs).toEqual([]);
  }, 60_000);
});
