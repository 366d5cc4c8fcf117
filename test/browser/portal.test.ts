import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  CHROMIUM,
  closeBrowserTest,
  haveChromium,
  keepScreenshot,
  launchWithPortal,
  pollCount,
  pollText,
  SKIP_REASON,
} from './chromium.ts';
import { startPortalServer, type PortalServer } from './portal-server.ts';
import { PASSWORD } from '../helpers/world.ts';

// The portal driven in a real (headless) Chromium against the real app and a seeded database:
// the embargo policy must hold end to end, through the login form, cookies and client-side routing.

if (!haveChromium)
  console.warn(`portal browser test skipped: ${CHROMIUM} not installed (apt-get install -y chromium)`);

describe.skipIf(!haveChromium)(`portal in a real browser${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // Chromium starts while vite builds; the app needs dist/web at build time, so it comes after.
    browser = await launchWithPortal();
    server = await startPortalServer();
  });

  afterAll(async () => {
    await closeBrowserTest({ contexts, browser, server });
  });

  /** A fresh browser profile (no cookies) per test, so tests do not depend on each other. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  const visible = (l: Locator) => l.first().waitFor({ state: 'visible' });

  const sessionRow = (page: Page, id: string) =>
    page.locator(`[data-testid=session-row][data-session-id="${id}"]`);

  async function logInThroughForm(page: Page, username: string, password = PASSWORD) {
    await page.goto('/');
    await page.getByTestId('login-link').click();
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  it('shows public sessions but not embargoed ones to anonymous visitors', async () => {
    const page = await newPage();
    await page.goto('/sessions');
    await pollText(sessionRow(page, 'PUB').getByTestId('badge-public')).toBe('Public · CC-BY-4.0');
    await pollCount(page.getByTestId('session-row')).toBe(1);
    expect(await sessionRow(page, 'EMB').count()).toBe(0);
    await visible(page.getByTestId('login-link'));
  });

  it('lets a member log in through the form and see the embargoed session and a dataset with units', async () => {
    const page = await newPage();
    await logInThroughForm(page, 'ada');
    await pollText(page.getByTestId('current-user')).toContain('ADA');
    await pollText(page.getByTestId('count-sessions')).toMatch(/^2\s*sessions$/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
    await visible(sessionRow(page, 'EMB'));
    await visible(sessionRow(page, 'PUB'));
    await sessionRow(page, 'EMB').getByRole('link').click();

    await page.waitForURL(/\/sessions\/EMB$/);
    await pollText(page.getByTestId('session-title')).toBe('Embargoed lysozyme study');
    await pollText(page.getByTestId('session-page').getByTestId('badge-embargoed')).toMatch(
      /^Embargoed until \d+ \w+ 2029$/,
    );
    await pollText(page.getByTestId('members-table')).toContain('Principal investigator');

    await page.getByTestId('dataset-row').getByRole('link').click();
    await pollText(page.getByTestId('dataset-pid')).toBe(server.world.pids.EMB);
    await pollText(page.getByTestId('dataset-session-link')).toBe('Embargoed lysozyme study');
    const energy = page.getByTestId('parameter-row').filter({ hasText: 'photon_energy' });
    await pollText(energy).toContain('12.4');
    expect(await energy.getByTestId('parameter-unit').textContent()).toBe('keV');
    expect(await energy.locator('td').last().textContent()).toMatch(/10.*J$/); // SI value in joules
    await pollText(page.getByTestId('file-row')).toMatch(/^emb\/data\.h5\s*100 B/);
    await keepScreenshot(page, 'fairbeam-portal-dataset');
  });

  it('hides the embargoed session again after logging out with the button', async () => {
    const page = await newPage();
    await logInThroughForm(page, 'ada');
    await visible(page.getByTestId('current-user'));
    await page.goto('/sessions');
    await visible(sessionRow(page, 'EMB'));

    await page.getByTestId('logout-button').click();
    await visible(page.getByTestId('login-link'));
    await visible(sessionRow(page, 'PUB'));
    expect(await sessionRow(page, 'EMB').count()).toBe(0);

    await page.goto('/sessions/EMB');
    await pollText(page.getByTestId('not-found')).toContain('was not found');
    expect(await page.getByText('Embargoed lysozyme study').count()).toBe(0);
  });

  it('tells the user when the password is wrong and stays logged out', async () => {
    const page = await newPage();
    await logInThroughForm(page, 'ada', 'not the password');
    await pollText(page.getByTestId('login-error')).toBe('Unknown user name or wrong password.');
    await visible(page.getByTestId('login-link'));
    expect(await page.getByTestId('current-user').count()).toBe(0);
  });

  it('opens a dataset page from a direct link although its pid contains a slash and a dot', async () => {
    const page = await newPage();
    const pid = server.world.pids.PUB;
    const res = await page.goto(`/datasets/${encodeURIComponent(pid)}`);
    expect(res?.status()).toBe(200);
    await pollText(page.getByTestId('dataset-pid')).toBe(pid);
    await pollCount(page.getByTestId('file-row')).toBe(2);
    expect(await page.getByTestId('parameter-unit').allTextContents()).toEqual(['angstrom']);
  });

  it('shows a not-found page for unknown portal routes and keeps API 404s as JSON', async () => {
    const page = await newPage();
    await page.goto('/no/such/page');
    await visible(page.getByTestId('not-found'));
    const api = await page.request.get('/api/no-such-route');
    expect(api.status()).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'route_not_found' });
    const panosc = await page.request.get('/panosc/api/no-such-route', { headers: { accept: 'text/html' } });
    expect(panosc.status()).toBe(404);
    expect(panosc.headers()['content-type']).toMatch(/json/);
  });
});
