import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  haveChromium,
  keepScreenshot,
  launchWithPortal,
  POLL,
  pollText,
  SKIP_REASON,
} from '../browser/chromium.ts';
import { startPortalServer, type PortalServer } from '../browser/portal-server.ts';
import { PASSWORD } from '../helpers/world.ts';
import { EMB_DOI } from './helpers.ts';

// The embargo workflow in the portal, in a real Chromium against the real app: the PI asks on the
// session page, a data manager decides from the queue or on the session page, and both see the
// history and the new policy state.

describe.skipIf(!haveChromium)(`embargo requests in the portal${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchWithPortal();
    server = await startPortalServer();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function loggedIn(username: string): Promise<Page> {
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto('/login');
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('current-user').waitFor();
    return page;
  }

  const rows = (page: Page) => page.getByTestId('policy-request');

  it('lets the PI ask, a data manager decide, and shows the policy state and history on the session page', async () => {
    // The PI sees the state and no history yet, and asks for an extension.
    const ada = await loggedIn('ada');
    await ada.goto('/sessions/EMB');
    await pollText(ada.getByTestId('policy-state')).toContain('Embargoed until 5 Jan 2029');
    await pollText(ada.getByTestId('policy-doi')).toBe(EMB_DOI);
    expect(await ada.getByTestId('policy-doi').getAttribute('href')).toBe(`https://doi.org/${EMB_DOI}`);
    await pollText(ada.getByTestId('policy-no-requests')).toContain('No embargo changes');
    await ada.getByLabel('New release date').fill('2030-01-05');
    await ada.getByLabel('Reason').fill('paper under review');
    await ada.getByRole('button', { name: 'Send request' }).click();
    await pollText(rows(ada).getByTestId('policy-request-status')).toBe('Pending');
    await pollText(rows(ada)).toContain('Embargo extension until 5 Jan 2030');
    await expect.poll(() => ada.getByTestId('policy-ask-form').count(), POLL).toBe(0); // one open request at a time
    // A collaborator sees the history but has no form; an outsider does not even see the session.
    const bob = await loggedIn('bob');
    await bob.goto('/sessions/EMB');
    await pollText(rows(bob).getByTestId('policy-request-status')).toBe('Pending');
    expect(await bob.getByTestId('policy-ask-form').count()).toBe(0);
    expect(await bob.getByTestId('decide-controls').count()).toBe(0);

    // The data manager finds it in the queue and approves it with a note.
    const dora = await loggedIn('dora');
    await dora.getByTestId('nav-policy-requests').click();
    await dora.waitForURL(/\/policy-requests$/);
    await pollText(rows(dora)).toContain('paper under review');
    await keepScreenshot(dora, 'fairbeam-policy-queue');
    await dora.getByPlaceholder('Note (optional)').fill('granted until the paper is out');
    await dora.getByRole('button', { name: 'Approve' }).click();
    await pollText(dora.getByTestId('policy-requests-page')).toContain('No requests are waiting');

    // The PI sees the decision and the new date.
    await ada.reload();
    await pollText(ada.getByTestId('policy-state')).toContain('Embargoed until 5 Jan 2030');
    await pollText(rows(ada).getByTestId('policy-request-status')).toBe('Approved');
    await pollText(rows(ada)).toContain('granted until the paper is out');
    await keepScreenshot(ada, 'fairbeam-session-policy');

    // Then an early release, approved by the data manager on the session page itself.
    await ada.getByLabel('an early release').check();
    await ada.getByLabel('Reason').fill('the paper is published');
    await ada.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => rows(ada).count(), POLL).toBe(2);
    await dora.goto('/sessions/EMB');
    await pollText(dora.locator('[data-testid=policy-request][data-status=pending]')).toContain(
      'Early release',
    );
    await dora.getByRole('button', { name: 'Approve' }).click();
    await pollText(dora.getByTestId('policy-state')).toContain('Public since 1 Jun 2026');
    await pollText(dora.getByTestId('policy-state')).toContain('CC-BY-4.0');

    // Now anyone sees the session, its state and DOI, but not the request history.
    const anon = await (await browser.newContext({ baseURL: server.url })).newPage();
    await anon.goto('/sessions/EMB');
    await pollText(anon.getByTestId('policy-state')).toContain('Public since 1 Jun 2026');
    expect(await anon.getByTestId('policy-requests').count()).toBe(0);
    await ada.reload();
    await pollText(ada.getByTestId('policy-state')).toContain('Public since');
    expect(await ada.getByTestId('policy-ask-form').count()).toBe(0);
    const audit = await server.app.inject({ url: '/api/sessions/EMB/policy-requests', headers: {} });
    expect(audit.statusCode).toBe(401);
  });
});
