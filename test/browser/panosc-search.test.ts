import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/clock.ts';
import type { Database } from '../../src/db/connect.ts';
import { freshDatabase } from '../helpers/db.ts';
import { NOW } from '../helpers/world.ts';
import { seedSearchWorld, type SearchWorld } from '../search/world.ts';
import { haveChromium, launchWithPortal, POLL, SKIP_REASON } from './chromium.ts';
import { WEB_ROOT } from './portal-server.ts';

// The portal's search page in a real Chromium against the real app over the search world (public
// XAS, HAX and PUB sessions; EMB embargoed): free text with scores, technique, parameter range in units.

describe.skipIf(!haveChromium)(`portal search page (PaNOSC API) in a real browser${SKIP_REASON}`, () => {
  let browser: Browser;
  let app: FastifyInstance;
  let database: Database;
  let world: SearchWorld;
  let home: string;
  let url: string;

  beforeAll(async () => {
    browser = await launchWithPortal();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-search-'));
    database = await freshDatabase('pglite');
    world = await seedSearchWorld(database.db);
    app = await buildApp(
      { config: loadConfig({ FAIRBEAM_HOME: home }), database, clock: fixedClock(NOW) },
      { webRoot: WEB_ROOT },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }
  /** The pids listed once the page has settled (no spinner), in display order. */
  const results = (page: Page) =>
    expect.poll(async () => {
      if (await page.getByTestId('loading').count()) return 'loading';
      return page
        .getByTestId('search-result')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-pid')));
    }, POLL);

  it('finds public datasets by free text, best score first, and never embargoed ones', async () => {
    const page = await newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByTestId('search-q').fill('copper');
    await page.getByRole('button', { name: 'Search' }).click();
    await results(page).toHaveLength(2);
    const scores = await page.getByTestId('search-score').allTextContents();
    expect(scores[0]!.trim()).toBe('100%');
    expect(scores.map((s) => Number(s.replace('%', '')))).toEqual(
      scores.map((s) => Number(s.replace('%', ''))).sort((a, b) => b - a),
    );
    expect(await page.getByTestId('list-count').textContent()).toBe('2 datasets');
    expect(page.url()).toContain('q=copper');

    await page.getByTestId('search-q').fill('lysozyme');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByTestId('empty').count(), POLL).toBe(1);
    expect(await page.content()).not.toContain(world.pids.emb_scan);
  });

  it('narrows by technique (with PaNET sub-techniques) and by a parameter range in another unit', async () => {
    const page = await newPage();
    await page.goto('/search');
    await page.getByLabel('Technique').selectOption({ label: 'x-ray absorption' });
    await page.getByRole('button', { name: 'Search' }).click();
    // xas_2 is tagged "x-ray absorption spectroscopy", a sub-technique of x-ray absorption.
    await results(page).toEqual(expect.arrayContaining([world.pids.xas_1, world.pids.xas_2]));
    await results(page).toHaveLength(2);

    // 8.98 keV is above 8000 eV; 950 eV is not.
    await page.getByLabel('Parameter').fill('photon_energy');
    await page.getByLabel('From').fill('8000');
    await page.getByLabel('Unit').fill('eV');
    await page.getByRole('button', { name: 'Search' }).click();
    await results(page).toEqual([world.pids.xas_1]);
    expect(await page.getByTestId('search-parameter').allTextContents()).toEqual([
      'photon_energy = 8.98 keV',
    ]);

    // Temperatures below 0 °C, with every technique: only hax_1 (80 K).
    await page.getByLabel('Technique').selectOption({ label: 'All techniques' });
    await page.getByLabel('Parameter').fill('temperature');
    await page.getByLabel('From').fill('');
    await page.getByLabel('To').fill('0');
    await page.getByLabel('Unit').fill('°C');
    await page.getByRole('button', { name: 'Search' }).click();
    await results(page).toEqual([world.pids.hax_1]);

    await page.getByRole('link', { name: 'Oxide interface survey' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).first().textContent(), POLL)
      .toContain('Oxide interface survey');
  });

  it('restores a search from its URL and says when a bound is not a number', async () => {
    const page = await newPage();
    await page.goto('/search?q=oxide&param=temperature&max=100&unit=K');
    await results(page).toEqual([world.pids.hax_1]);
    expect(await page.getByTestId('search-q').inputValue()).toBe('oxide');
    await page.goto('/search?param=temperature&min=abc&unit=K');
    await expect.poll(() => page.getByTestId('error').count(), POLL).toBe(1);
    expect(await page.getByTestId('error').textContent()).toMatch(/From "abc" is not a number/);
  });
});
