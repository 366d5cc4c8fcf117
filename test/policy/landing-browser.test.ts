import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchWithPortal, SKIP_REASON } from '../browser/chromium.ts';
import { startPortalServer, type PortalServer } from '../browser/portal-server.ts';
import { PASSWORD } from '../helpers/world.ts';
import { EMB_DOI, LANDING_ORCID, PUB_DOI } from './helpers.ts';

// DOI landing pages as a browser renders them (the page is server-side HTML, no portal code), and
// the same URL asked for each machine format from the browser's own HTTP stack.

describe.skipIf(!haveChromium)(`DOI landing pages in a real browser${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchWithPortal();
    server = await startPortalServer();
    // Ada gets her full name and ORCID the way the user office sends them (admin import).
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'root', password: PASSWORD },
    });
    const cookie = `fairbeam_session=${login.cookies.find((c) => c.name === 'fairbeam_session')!.value}`;
    const imported = await server.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: { cookie },
      payload: { users: [{ username: 'ada', fullName: 'Ada Lovelace', orcid: LANDING_ORCID }] },
    });
    expect(imported.statusCode, imported.body).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(doi: string): Promise<{ page: Page; errors: string[] }> {
    const page = await (await browser.newContext({ baseURL: server.url })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Resources that fail to load are named by URL; a browser's own favicon probe is not the page's.
    page.on(
      'response',
      (r) =>
        r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`),
    );
    const res = await page.goto(`/doi/${doi}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toMatch(/^text\/html/);
    return { page, errors };
  }

  it('shows a public session: title, people with ORCID, licence, citations, datasets with downloads, embedded JSON-LD', async () => {
    const { page, errors } = await open(PUB_DOI);
    expect(await page.locator('h1').textContent()).toBe('Public saxs study');
    expect(await page.title()).toContain(PUB_DOI);
    expect(await page.locator('.badge').textContent()).toBe('Open data · CC-BY-4.0');
    const orcid = page.locator('.people a.orcid');
    expect(await orcid.getAttribute('href')).toBe(`https://orcid.org/${LANDING_ORCID}`);
    expect(await page.locator('#cite-apa').textContent()).toContain(`https://doi.org/${PUB_DOI}`);
    expect(await page.locator('#cite-datacite').textContent()).toContain('Test Facility');
    const download = page.locator('ul.files a[download]').first();
    expect(await download.getAttribute('href')).toMatch(/\/api\/datafiles\/\d+\/content$/);
    expect(await page.locator('table').textContent()).toContain('pub_scan');
    const jsonLd = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!);
    expect(jsonLd).toMatchObject({ '@type': 'Dataset', name: 'Public saxs study' });
    expect(JSON.stringify(jsonLd)).toContain(PUB_DOI);
    expect(errors).toEqual([]);

    // Each export link leads to its format.
    const links = await page
      .locator('.formats a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links).toHaveLength(5);
    for (const href of links) expect((await page.request.get(href)).status()).toBe(200);
  });

  it('answers every machine format by Accept from the browser, and the DataCite XML names the DOI', async () => {
    const { page } = await open(PUB_DOI);
    const types: Record<string, RegExp> = {
      'application/vnd.datacite.datacite+json': /"doi":\s*"10\.5072\/tf\.pub"/i,
      'application/vnd.datacite.datacite+xml':
        /<identifier identifierType="DOI">10\.5072\/tf\.pub<\/identifier>/i,
      'application/ld+json': /"@type":\s*"Dataset"/,
      'application/x-bibtex': /^@misc\{/m,
      'application/x-research-info-systems': /^TY {2}- DATA/m,
    };
    for (const [type, body] of Object.entries(types)) {
      const res = await page.request.get(`/doi/${PUB_DOI}`, { headers: { accept: type } });
      expect(res.status(), type).toBe(200);
      expect(res.headers()['content-type'], type).toContain(type);
      expect(await res.text(), type).toMatch(body);
    }
  });

  it('shows only the public DOI metadata of an embargoed session, no data', async () => {
    const { page, errors } = await open(EMB_DOI);
    expect(await page.locator('h1').textContent()).toBe('Embargoed lysozyme study');
    expect(await page.locator('.badge').textContent()).toBe('Embargoed until 2029-01-05');
    expect(await page.locator('body').textContent()).toContain('under embargo until 2029-01-05');
    expect(await page.locator('ul.files').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain('emb_scan');
    expect(await page.locator('body').textContent()).not.toContain('secret');
    expect(errors).toEqual([]);
  });
});
