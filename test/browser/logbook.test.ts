import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffWords } from 'diff';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { closeBrowserTest, haveChromium, launchWithPortal, POLL, pollText, SKIP_REASON } from './chromium.ts';
import { startPortalServer, type PortalServer } from './portal-server.ts';
import { PASSWORD } from '../helpers/world.ts';
import { CORPUS } from '../logbook/xss-corpus.ts';

// The logbook page in a real (headless) Chromium against the real app: live updates over SSE,
// commenting, editing with If-Match (and a conflicting edit), history with the word diff, and the
// XSS corpus rendered without anything executing.

describe.skipIf(!haveChromium)(`logbook page in a real browser${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;
  let logbookId: string;
  let adaCookie: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchWithPortal();
    server = await startPortalServer();
    adaCookie = await login('ada');
    const lb = await server.app.inject({ url: '/api/sessions/EMB/logbook', headers: { cookie: adaCookie } });
    logbookId = lb.json().id;
  });

  afterAll(async () => {
    await closeBrowserTest({ contexts, browser, server });
  });

  async function login(username: string): Promise<string> {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username, password: PASSWORD },
    });
    const cookie = res.cookies.find((c) => c.name === 'fairbeam_session');
    if (!cookie) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
    return `fairbeam_session=${cookie.value}`;
  }

  /** A browser profile logged in as ada (her session cookie), with dialogs and errors recorded. */
  async function adaPage(): Promise<{ page: Page; dialogs: string[]; pageErrors: string[] }> {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const [name, value] = adaCookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const dialogs: string[] = [];
    const pageErrors: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { page, dialogs, pageErrors };
  }

  const visible = (l: Locator) => l.first().waitFor({ state: 'visible' });
  const eventWithText = (page: Page, s: string) => page.getByTestId('event').filter({ hasText: s });

  function postAsSoftware(body: unknown) {
    return server.app.inject({
      method: 'POST',
      url: `/api/logbooks/${logbookId}/events`,
      payload: body as object,
      headers: { authorization: `Bearer ${server.world.bl1Key}` },
    });
  }

  it('shows an event posted by the beamline software live, then comment, edit (with a conflict) and history', async () => {
    const { page, pageErrors } = await adaPage();
    await page.goto('/sessions/EMB');
    await page.getByTestId('logbook-link').click();
    await page.waitForURL(/\/sessions\/EMB\/logbook$/);
    await pollText(page.getByTestId('live-status')).toBe('Live');

    // Posted through the API while the page is open: it must appear without a reload.
    const navigations: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));
    const posted = await postAsSoftware({
      content: { format: 'plainText', text: 'Energy scan finished at 12.4 keV' },
      tags: ['scan'],
    });
    expect(posted.statusCode).toBe(201);
    const event = eventWithText(page, 'Energy scan finished at 12.4 keV');
    await visible(event);
    expect(navigations).toEqual([]);
    expect(await event.getAttribute('data-seq')).toBe(String(posted.json().seq));
    expect(await event.getByTestId('edit-button').count()).toBe(0); // notifications are immutable

    // Comment on it.
    await event.getByTestId('comment-button').click();
    await event.getByTestId('comment-text').fill('Peak looks sharp at the first energy');
    await event.getByTestId('comment-submit').click();
    await pollText(event.getByTestId('comment').getByTestId('event-content')).toBe(
      'Peak looks sharp at the first energy',
    );
    const commentId = (await event.getByTestId('comment').getAttribute('data-event-id'))!;
    const comment = page.locator(`[data-testid=comment][data-event-id="${commentId}"]`);
    await pollText(comment.getByTestId('event-author')).toBe('ada');

    // Edit it; meanwhile another tab of ada's saves first, so the save gets 412 and shows that text.
    await comment.getByTestId('edit-button').click();
    await comment.getByTestId('edit-text').fill('Peak looks very sharp at the first energy');
    const other = await server.app.inject({
      method: 'PATCH',
      url: `/api/events/${commentId}`,
      payload: { content: { format: 'plainText', text: 'Peak looks sharp at the first energy, see plot' } },
      headers: { cookie: adaCookie, 'if-match': '"1"' },
    });
    expect(other.statusCode).toBe(200);
    await comment.getByTestId('edit-save').click();
    await pollText(comment.getByTestId('edit-conflict-text')).toBe(
      'Peak looks sharp at the first energy, see plot',
    );
    // The draft is kept; saving again replaces revision 2 knowingly.
    expect(await comment.getByTestId('edit-text').inputValue()).toBe(
      'Peak looks very sharp at the first energy',
    );
    await comment.getByTestId('edit-save').click();
    await pollText(comment.getByTestId('event-content')).toBe('Peak looks very sharp at the first energy');
    await pollText(comment.getByTestId('edited-marker')).toBe('edited by ada');

    // History: three revisions, and the word diff between the last two.
    await comment.getByTestId('history-button').click();
    const history = comment.getByTestId('history');
    await expect.poll(() => history.getByTestId('history-revision').count(), POLL).toBe(3);
    const diff = history.getByTestId('diff');
    const r1 = 'Peak looks sharp at the first energy';
    const r2 = 'Peak looks sharp at the first energy, see plot';
    const r3 = 'Peak looks very sharp at the first energy';
    const marked = (a: string, b: string) => ({
      ins: diffWords(a, b)
        .filter((p) => p.added)
        .map((p) => p.value),
      del: diffWords(a, b)
        .filter((p) => p.removed)
        .map((p) => p.value),
    });
    const shown = async () => ({
      ins: await diff.locator('ins').allTextContents(),
      del: await diff.locator('del').allTextContents(),
    });
    await expect.poll(shown, POLL).toEqual(marked(r2, r3));
    expect(marked(r2, r3).ins.join('')).toContain('very');
    expect(marked(r2, r3).del.join('')).toContain('see plot');
    // Comparing the first with the last.
    await history.getByTestId('diff-from').selectOption('1');
    await expect.poll(shown, POLL).toEqual(marked(r1, r3));
    expect(marked(r1, r3).del).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('filters by category, searches with highlighted snippets, and soft-deletes an annotation', async () => {
    await postAsSoftware({
      content: { format: 'plainText', text: 'Detector error 42: timeout' },
      category: 'error',
    });
    const { page } = await adaPage();
    await page.goto('/sessions/EMB/logbook');
    await pollText(page.getByTestId('live-status')).toBe('Live');

    await page.getByTestId('logbook-category').selectOption('error');
    await page.waitForURL(/category=error/);
    await expect
      .poll(() => page.getByTestId('event').allTextContents(), POLL)
      .toEqual([expect.stringContaining('Detector error 42')]);
    expect(await page.getByTestId('export-pdf').getAttribute('href')).toBe(
      `/api/logbooks/${logbookId}/export?format=pdf&category=error`,
    );

    await page.getByTestId('logbook-category').selectOption('');
    await page.getByTestId('logbook-q').fill('timeouts');
    await page.getByTestId('logbook-q').press('Enter');
    const hit = page.getByTestId('event-snippet');
    await pollText(hit).toContain('Detector error 42');
    expect(await hit.locator('mark').allTextContents()).toEqual(['timeout']);

    // Write an annotation in markdown, then delete it (a soft delete: it leaves the timeline).
    await page.getByTestId('logbook-q').fill('');
    await page.getByTestId('logbook-q').press('Enter');
    await page.getByTestId('annotation-text').fill('Sample **two** mounted');
    await page.getByTestId('annotation-submit').click();
    const note = eventWithText(page, 'Sample two mounted');
    await pollText(note.locator('[data-testid=event-content] strong')).toBe('two');
    await note.getByTestId('delete-button').click();
    await note.getByTestId('delete-confirm').click();
    await expect.poll(() => eventWithText(page, 'Sample two mounted').count(), POLL).toBe(0);
  });

  it('renders the XSS corpus (as HTML, markdown and in search snippets) without running any of it', async () => {
    // Each payload twice: as is (alert → a dialog) and setting a flag on window, so neither can hide.
    const payloads = CORPUS.flatMap((p) => [p, p.replaceAll('alert(1)', 'window.__xss=1')]);
    const events = payloads.flatMap((p, i) => [
      { content: { format: 'html', text: `xss${i} ${p}` } },
      { content: { format: 'markdown', text: `xss${i} [link](javascript:alert(1)) ${p}` } },
    ]);
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/logbooks/${logbookId}/events:batch`,
      payload: { events },
      headers: { authorization: `Bearer ${server.world.bl1Key}` },
    });
    expect(res.statusCode).toBe(201);

    const { page, dialogs, pageErrors } = await adaPage();
    const executed = () => page.evaluate(() => (window as unknown as { __xss?: number }).__xss);
    // Elements and attributes the allow-list forbids, inside rendered event content or snippets.
    const forbiddenInContent = () =>
      page.evaluate(() =>
        [
          ...document.querySelectorAll(
            ['event-content', 'event-snippet']
              .flatMap((id) =>
                [
                  'script',
                  'iframe',
                  'object',
                  'embed',
                  'svg',
                  'math',
                  'form',
                  'input',
                  'style',
                  'link',
                  'meta',
                  'base',
                ].map((tag) => `[data-testid=${id}] ${tag}`),
              )
              .join(', '),
          ),
          ...[
            ...document.querySelectorAll('[data-testid=event-content] *, [data-testid=event-snippet] *'),
          ].filter((e) =>
            [...e.attributes].some(
              (a) =>
                a.name.startsWith('on') ||
                a.name === 'style' ||
                /^\s*(javascript|vbscript|data):/i.test(a.value),
            ),
          ),
        ].map((e) => e.outerHTML),
      );
    await page.goto('/sessions/EMB/logbook');
    await visible(eventWithText(page, `xss${payloads.length - 1} `));
    // Load every page of the timeline, so that all payloads are in the DOM at once.
    while (await page.getByTestId('load-older').count()) {
      await page.getByTestId('load-older').click();
      await page.waitForFunction(() => !document.querySelector('[data-testid=load-older]:disabled'));
    }
    await expect
      .poll(() => page.locator('[data-testid=event-content]').count(), POLL)
      .toBeGreaterThanOrEqual(events.length);
    await page.waitForTimeout(500); // time for any image error or timer to fire
    expect(await executed()).toBeUndefined();
    expect(await forbiddenInContent()).toEqual([]);

    // The same payloads in search snippets (escaped text with <mark>).
    await page.goto(`/sessions/EMB/logbook?q=alert`);
    await visible(page.getByTestId('event-snippet'));
    expect(await page.getByTestId('event-snippet').locator('mark').count()).toBeGreaterThan(0);
    await page.waitForTimeout(500);
    expect(await executed()).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);

    // Control: the same kind of payload put into the page unsanitised does run here (no CSP or
    // other guard hides it), so the checks above would have seen one that slipped through.
    await page.evaluate(() => {
      const div = document.createElement('div');
      div.innerHTML = '<img src=x onerror="window.__xss=1">';
      document.body.append(div);
    });
    await expect.poll(executed, POLL).toBe(1);
    expect(await forbiddenInContent()).toEqual([]);
  });
});
