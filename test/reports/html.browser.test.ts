// index.html in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): it renders
// without network, the matrix has one cell per result, filters work, a failing case's detail opens with
// expected vs actual, the timing plot and the transcript. A screenshot is kept in reports/ as an artifact.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { writeHtmlReport } from '../../harness/reports/html.ts';
import type { ResultsDocument } from '../../harness/reports/results.ts';
import { synthResults } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../../reports/', import.meta.url));

describe.skipIf(!HAVE_CHROMIUM)(
  `HTML report in headless Chromium${HAVE_CHROMIUM ? '' : ' (skipped: /usr/bin/chromium is not installed; apt-get install -y chromium)'}`,
  () => {
    let dir: string;
    let context: BrowserContext;
    let page: Page;
    let docs: ResultsDocument[];
    const pageErrors: string[] = [];
    const requests: string[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'iii-conf-html-'));
      docs = [await synthResults(join(dir, 'v1'), ['--repeat', '2']), await synthResults(join(dir, 'v2'), [], '2.0.0')];
      await writeHtmlReport(join(dir, 'index.html'), [
        { doc: docs[0] as ResultsDocument, dir: join(dir, 'v1') },
        { doc: docs[1] as ResultsDocument, dir: join(dir, 'v2') },
      ]);
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
        viewport: { width: 1400, height: 900 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(join(dir, 'index.html')).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('renders from the one file, with no script error and no network request', () => {
      expect(pageErrors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    });

    it('has one matrix cell per result, one column per implementation', async () => {
      const results = docs.reduce((n, d) => n + d.runs.reduce((m, r) => m + r.cases.length, 0), 0);
      expect(results).toBe(20);
      expect(await page.locator('table.matrix .cell[data-verdict]').count()).toBe(results);
      expect(await page.locator('table.matrix th.impl').allTextContents()).toEqual(['synthetic-sdk 1.0.0', 'synthetic-sdk 2.0.0']);
      expect(await page.locator('.cell[data-verdict="FAIL"][data-status="regression"]').count()).toBeGreaterThan(0);
      // Each column shows its own document: v1 ran twice (flaky), v2 once (passed its single run).
      expect(await page.locator('.cell[data-col="0-0"][data-id="sdk.synth.flaky"]').textContent()).toContain('~');
      expect(await page.locator('.cell[data-col="1-0"][data-id="sdk.synth.flaky"]').getAttribute('data-verdict')).toBe('PASS');
    });

    it('filters by verdict and by level', async () => {
      const visibleRows = () => page.locator('tr.case-row:visible').count();
      expect(await visibleRows()).toBe(10);
      await page.locator('input[data-filter="verdicts"][value="PASS"]').uncheck();
      // Rows whose every cell passed disappear (passes, backoff-within-envelope); the flaky row still failed once.
      expect(await visibleRows()).toBe(8);
      await page.locator('input[data-filter="verdicts"][value="PASS"]').check();
      await page.locator('input[data-filter="levels"][value="MUST"]').uncheck();
      expect(await page.locator('tr.case-row:visible').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual([
        'sdk.synth.info-note',
        'sdk.synth.should-fails',
      ]);
      await page.locator('input[data-filter="levels"][value="MUST"]').check();
      await page.fill('#text-filter', 'backoff');
      expect(await visibleRows()).toBe(2);
      await page.fill('#text-filter', '');
    });

    it("opens a failing case's detail: expected vs actual, timing plot per attempt, transcript, rerun command", async () => {
      await page.locator('.cell[data-id="sdk.synth.fails"]').first().click();
      const detail = page.locator('#detail');
      await detail.waitFor({ state: 'visible' });
      expect(await detail.locator('h2').textContent()).toBe('sdk.synth.fails');
      expect(await detail.locator('pre.expected').textContent()).toContain('"invocation_failed"');
      expect(await detail.locator('pre.actual').textContent()).toContain('"result": null');
      expect(await detail.locator('.seq-row .seq-arrow').count()).toBe(4);
      expect(await detail.locator('.cmd code').first().textContent()).toBe('npx --no iii-conformance sdk node --case sdk.synth.fails --seed 7');
      expect(page.url()).toContain('#case=');

      await page.locator('.cell[data-id="sdk.synth.backoff-too-early"]').first().click();
      const plot = detail.locator('svg.timing-plot');
      await plot.waitFor();
      // Two repeats x three attempts: six measured dots, two of them failing.
      expect(await plot.locator('circle.measured').count()).toBe(6);
      expect(await plot.locator('circle.measured[data-verdict="FAIL"]').count()).toBe(2);
      expect(await detail.locator('table.timings tbody tr').count()).toBe(3);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'html-report.png') });
      await page.keyboard.press('Escape');
      await detail.waitFor({ state: 'hidden' });
    });

    it('opens a case from a shared link (#case=...)', async () => {
      const key = '1-0:sdk.synth.undecided';
      await page.goto(`${pathToFileURL(join(dir, 'index.html')).href}#case=${encodeURIComponent(key)}`);
      await page.waitForSelector('#detail:not([hidden])');
      expect(await page.locator('#detail .d-impl').textContent()).toContain('synthetic-sdk 2.0.0');
      expect(await page.locator('#detail .status').textContent()).toContain('undecided');
    });
  },
);
