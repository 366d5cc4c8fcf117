import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchWithPortal, POLL, SKIP_REASON } from '../browser/chromium.ts';
import { WEB_ROOT } from '../browser/portal-server.ts';
import { startOidcWorld, type OidcWorld } from './oidc-world.ts';

// Single sign-on end to end: a real OpenID Connect provider (oidc-provider) and fairbeam on
// loopback, a real headless Chromium clicking "Log in with Test IdP", signing in on the provider's
// page and landing back in the portal as the linked fairbeam user.

describe.skipIf(!haveChromium)(`OIDC login in a real browser${SKIP_REASON}`, () => {
  let w: OidcWorld;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchWithPortal();
    w = await startOidcWorld(
      'pglite',
      [
        {
          sub: 'idp-7f3a',
          login: 'ada.lovelace',
          password: 'analytical engine',
          email: 'ada@tf.example',
          emailVerified: true,
          name: 'Ada Lovelace',
        },
      ],
      { webRoot: WEB_ROOT },
    );
    await w.services.database.db
      .updateTable('app_user')
      .set({ email: 'ada@tf.example' })
      .where('username', '=', 'ada')
      .execute();
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: w.url });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  async function toProviderForm(page: Page) {
    await page.goto('/login?next=%2Fsessions%2FEMB');
    const sso = page.getByTestId('oidc-login');
    await expect.poll(() => sso.textContent(), POLL).toBe('Log in with Test IdP');
    await sso.click();
    await page.waitForURL((u) => u.origin === w.provider.issuer && u.pathname.startsWith('/interaction/'));
  }

  it('logs in through the identity provider and lands on the embargoed session as the linked user', async () => {
    const page = await newPage();
    await toProviderForm(page);
    await page.getByLabel('Login').fill('ada.lovelace');
    await page.getByLabel('Secret').fill('analytical engine');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL(`${w.url}/sessions/EMB`);
    await expect.poll(() => page.getByTestId('current-user').textContent(), POLL).toContain('ADA');
    // EMB is embargoed: only a member (ada) sees it.
    await expect
      .poll(() => page.getByTestId('session-title').textContent(), POLL)
      .toBe('Embargoed lysozyme study');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'fairbeam_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });
    expect(cookies.find((c) => c.name === 'fairbeam_oidc')).toBeUndefined();
    const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
    expect(me).toMatchObject({ kind: 'user', username: 'ada' });
    const link = await w.services.database.db
      .selectFrom('oidc_identity')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(link).toMatchObject({ issuer: w.provider.issuer, subject: 'idp-7f3a' });
    await page.context().close();
  });

  it('comes back to the login page with a message when the user cancels at the provider', async () => {
    const page = await newPage();
    await toProviderForm(page);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(
      (u) => u.pathname === '/login' && u.searchParams.get('oidc_error') === 'oidc_access_denied',
    );
    await expect.poll(() => page.getByTestId('oidc-error').textContent(), POLL).toContain('cancelled');
    expect(await page.getByTestId('current-user').count()).toBe(0);
    await page.context().close();
  });
});
