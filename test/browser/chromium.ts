import fs from 'node:fs';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ensurePortalBuilt } from './portal-server.ts';
import { PASSWORD } from '../helpers/world.ts';

// Set-up shared by the browser tests: Debian's chromium driven through playwright-core.

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing; CI must run the browser tests (apt-get install -y chromium)`);
}
/** Appended to a describe title so that a skipped run says why. */
export const SKIP_REASON = haveChromium
  ? ''
  : ` (SKIPPED: ${CHROMIUM} not installed; apt-get install -y chromium)`;
/** expect.poll options; generous because vitest workers, Chromium and the app share a small machine. */
export const POLL = { timeout: 15_000, interval: 50 };

/**
 * Keeps a full-page picture of what a test saw in /tmp/NAME.png, for people looking at the portal. It is
 * not one of the test's checks: on a loaded machine Chromium can take longer than any sensible timeout
 * to paint a long page, so a picture not taken in 30 s is reported on stderr, not failed.
 */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  try {
    await page.screenshot({
      path: `/tmp/${name}.png`,
      fullPage: true,
      animations: 'disabled',
      timeout: 30_000,
    });
  } catch (err) {
    console.warn(`screenshot ${name} not taken: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Headless Chromium without sandbox, GPU or any background traffic of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Builds the portal (when stale) while Chromium starts. The app reads dist/web when it is built, so
 * callers start it only after this resolves.
 */
export async function launchWithPortal(): Promise<Browser> {
  const [, browser] = await Promise.all([ensurePortalBuilt(), launchChromium()]);
  return browser;
}

// playwright-core has no auto-retrying expect; vitest's expect.poll retries until the page settles.

/** The trimmed text of the first match (undefined while there is none), polled until the assertion holds. */
export const pollText = (l: Locator, poll = POLL) =>
  expect.poll(async () => ((await l.count()) ? (await l.first().textContent())?.trim() : undefined), poll);

/** The number of matches, polled until the assertion holds. */
export const pollCount = (l: Locator, poll = POLL) => expect.poll(() => l.count(), poll);

/**
 * A new browser profile on the portal at `baseURL`, logged in as `username` through the API (the
 * session cookie lands in the profile); the profile joins `contexts`, which the test closes at the end.
 */
export async function pageAs(
  browser: Browser,
  baseURL: string,
  contexts: BrowserContext[],
  username: string,
  { height = 900, acceptDownloads = false, timeout = 15_000 } = {},
): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1280, height },
    acceptDownloads,
  });
  contexts.push(context);
  const res = await context.request.post('/api/login', { data: { username, password: PASSWORD } });
  expect(res.status(), await res.text()).toBe(200);
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  return page;
}

/**
 * Closes what a browser test opened, in order: its profiles, the browser, the portal server, then
 * removes its temporary directory. Any part may be missing (a beforeAll that failed half-way).
 */
export async function closeBrowserTest(parts: {
  contexts?: BrowserContext[];
  browser?: Browser;
  server?: { close(): Promise<void> };
  dir?: string;
}): Promise<void> {
  for (const c of parts.contexts ?? []) await c.close().catch(() => {});
  await parts.browser?.close();
  await parts.server?.close();
  if (parts.dir) fs.rmSync(parts.dir, { recursive: true, force: true });
}
