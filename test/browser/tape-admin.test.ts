import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  CHROMIUM,
  closeBrowserTest,
  haveChromium,
  keepScreenshot,
  launchWithPortal,
  pageAs,
  pollCount,
  pollText,
  SKIP_REASON,
} from './chromium.ts';
import { startPortalServer, type PortalServer } from './portal-server.ts';
import { LibraryRegistry } from '../../src/archive/workflow/libraries.ts';
import { injectFaults } from '../../src/archive/tape/faults.ts';
import type { MountedDrive } from '../../src/archive/tape/library.ts';

// The operators' tape page in a real Chromium against the real app: a data manager configures a
// virtual library through the admin API, watches it on the page (which refreshes by itself), and
// queues an archive run from the page; an ordinary user gets neither the page nor its nav entry.

if (!haveChromium)
  console.warn(`tape admin browser test skipped: ${CHROMIUM} not installed (apt-get install -y chromium)`);

const POLL = { timeout: 15_000, interval: 100 };
const GB = 1e9;

describe.skipIf(!haveChromium)(`tape admin page in a real browser${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;
  let libraryRoot: string;
  const contexts: BrowserContext[] = [];
  const mounted: { library: LibraryRegistry; drive: MountedDrive }[] = [];

  beforeAll(async () => {
    browser = await launchWithPortal();
    server = await startPortalServer();
    libraryRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-vtl-'));
  });

  afterAll(async () => {
    for (const m of mounted)
      await (await m.library.get(server.database.db, 'vtl')).unmount(m.drive).catch(() => {});
    await closeBrowserTest({ contexts, browser, server, dir: libraryRoot });
  });

  /** A fresh browser profile logged in as `username` (the API's cookie lands in the context). */
  const asUser = (username: string) => pageAs(browser, server.url, contexts, username);

  const text = (l: Locator) => pollText(l, POLL);
  const count = (l: Locator) => pollCount(l, POLL);

  async function api(page: Page, method: 'put' | 'post' | 'patch', url: string, data: unknown) {
    const res = await page.request[method](url, { data });
    expect(res.status(), `${method} ${url}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  }

  it('lets a data manager configure a library, watch drives and cartridges, and queue an archive run', async () => {
    const page = await asUser('dora');
    await api(page, 'put', '/api/admin/tape/libraries/vtl', {
      kind: 'virtual',
      root: libraryRoot,
      generation: 'lto8',
      drives: 2,
      slots: 20,
    });
    await api(page, 'put', '/api/admin/tape/pools/first', { library: 'vtl', copy: 1 });
    await api(page, 'put', '/api/admin/tape/pools/second', { library: 'vtl', copy: 2 });
    await api(page, 'post', '/api/admin/tape/cartridges', { pool: 'first', barcodes: ['A00001', 'A00002'] });
    await api(page, 'post', '/api/admin/tape/cartridges', { pool: 'second', barcodes: ['B00001'] });
    await api(page, 'patch', '/api/admin/archive/policy', { enabled: true, minAgeDays: 30, minBytes: null });
    // What the archive workflow records after writing to A00001 and hitting a bad block on it.
    await server.database.db
      .updateTable('tape_cartridge')
      .set({ used: 4800 * GB, errors: 2, last_error: 'medium error reading tape file 3' })
      .where('barcode', '=', 'A00001')
      .execute();

    await page.goto('/');
    await page.getByTestId('nav-tape').click();
    await expect.poll(() => page.url(), POLL).toMatch(/\/admin\/tape$/);
    const cartridges = page.getByTestId('tape-cartridge');
    await count(cartridges).toBe(3);
    const a1 = page.locator('[data-testid=tape-cartridge][data-barcode=A00001]');
    // LTO-8 holds 12 TB native: 4.8 TB is 40 %.
    await expect
      .poll(() => a1.getByTestId('tape-cartridge-fill').getAttribute('aria-valuenow'), POLL)
      .toBe('40');
    await expect.poll(() => a1.textContent(), POLL).toContain('4.8 TB / 12.0 TB (40.0 %)');
    const b1Fill = page
      .locator('[data-testid=tape-cartridge][data-barcode=B00001]')
      .getByTestId('tape-cartridge-fill');
    expect(await b1Fill.getAttribute('aria-valuenow')).toBe('0');
    await expect.poll(() => a1.textContent(), POLL).toContain('medium error reading tape file 3');
    await text(page.locator('[data-testid=tape-pool][data-pool=second] td').nth(1)).toBe('2');
    await text(page.getByTestId('tape-policy-enabled')).toBe(
      'Scheduled archiving is on: datasets with every file on disk, older than 30 days.',
    );
    const drives = page.getByTestId('tape-drive');
    await count(drives).toBe(2);
    await text(
      page.locator('[data-testid=tape-drive][data-drive=drive0]').getByTestId('tape-drive-loaded'),
    ).toBe('—');

    // The page refreshes by itself: a cartridge mounted by another process (a worker here), a failed
    // drive and a newly registered cartridge all show up without a reload.
    const registry = new LibraryRegistry();
    const library = await registry.get(server.database.db, 'vtl');
    mounted.push({ library: registry, drive: await library.mount('B00001') });
    injectFaults(libraryRoot, { failedDrives: ['drive1'] });
    await api(page, 'post', '/api/admin/tape/cartridges', { pool: 'second', barcodes: ['B00002'] });
    await text(
      page.locator('[data-testid=tape-drive][data-drive=drive0]').getByTestId('tape-drive-loaded'),
    ).toBe('B00001');
    await text(page.locator('[data-testid=tape-drive][data-drive=drive1] .state')).toBe('failed');
    await count(cartridges).toBe(4);
    await text(page.getByTestId('tape-cartridge-total')).toBe('4');

    // Recalls as the scheduler leaves them: one waiting, one given up after both copies failed.
    const [fileId] = Object.values(server.world.files);
    await server.database.db
      .insertInto('recall')
      .values([
        { datafile_id: fileId!, actor: 'user:dora' },
        {
          datafile_id: fileId!,
          actor: 'user:dora',
          state: 'failed',
          attempts: 2,
          error: 'sha256 mismatch on copy 1 and copy 2',
        },
      ])
      .execute();
    const recalls = page.getByTestId('tape-recall');
    await count(recalls).toBe(2);
    await text(page.locator('[data-testid=tape-recall][data-state=failed]')).toContain(
      'sha256 mismatch on copy 1 and copy 2',
    );
    await text(page.locator('[data-testid=tape-recall][data-state=queued] .state')).toBe('queued');
    await text(page.getByTestId('tape-recalls-waiting')).toBe('1');

    // An archive request from the page for a dataset that does not exist: the API's message is shown.
    await page.getByLabel('Dataset PID').first().fill('10.5072/no-such-dataset');
    await page.getByRole('button', { name: 'Queue archive' }).click();
    await text(page.getByTestId('tape-archive-error').locator('p').first()).toBe(
      'No dataset "10.5072/no-such-dataset"',
    );
    await text(page.getByTestId('tape-archive-error').locator('code')).toBe('dataset_not_found');

    // A real one: the run appears in the queue and in the status counts.
    const pid = server.world.pids.PUB;
    await page.getByLabel('Dataset PID').first().fill(pid);
    await page.getByRole('button', { name: 'Queue archive' }).click();
    await expect
      .poll(() => page.getByTestId('tape-archive-done').textContent(), POLL)
      .toMatch(new RegExp(`^Archive run \\d+ for ${pid.replace(/[.]/g, '\\.')}: pack\\.$`));
    const run = page.locator(`[data-testid=tape-run][data-dataset="${pid}"]`);
    await count(run).toBe(1);
    await expect.poll(() => run.getAttribute('data-step'), POLL).toBe('pack');
    await text(page.getByTestId('tape-active-runs')).toBe('1 archive run in progress');
    const queued = await server.database.db
      .selectFrom('archive_run')
      .select(['dataset_pid', 'step', 'actor'])
      .execute();
    expect(queued).toEqual([{ dataset_pid: pid, step: 'pack', actor: 'user:dora' }]);

    // Restoring a dataset whose files are all on disk queues nothing, and says so.
    await page.getByTestId('tape-restore-form').getByLabel('Dataset PID').fill(pid);
    await page.getByRole('button', { name: 'Queue restore' }).click();
    await text(page.getByTestId('tape-restore-done')).toBe(
      'Nothing to recall: the files are on disk already.',
    );
    await keepScreenshot(page, 'fairbeam-tape-admin');
  });

  it('gives ordinary users and staff neither the page nor its nav entry', async () => {
    for (const username of ['eve', 'sam']) {
      const page = await asUser(username);
      await page.goto('/admin/tape');
      await page.getByTestId('not-found').waitFor();
      await page.getByTestId('current-user').waitFor();
      expect(await page.getByTestId('nav-tape').count()).toBe(0);
      expect(await page.getByTestId('tape-page').count()).toBe(0);
    }
    // The API refuses the ordinary user as well, with a JSON error.
    const eve = await asUser('eve');
    const res = await eve.request.get('/api/admin/tape/status');
    expect(res.status()).toBe(403);
    expect(await res.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });
});
