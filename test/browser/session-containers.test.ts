import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
import { ingest, tempDir, writeDataset } from '../tape/setup.ts';
import { packTree } from '../../src/archive/packing/pack.ts';
import { recordPack } from '../../src/archive/packs/record.ts';

// The session page in a real Chromium: after `archive pack --session EMB` (its library calls here),
// a data manager sees the recorded containers and own tape files there; a member of the session
// sees the page without them (the API would refuse them anyway).

if (!haveChromium)
  console.warn(
    `session containers browser test skipped: ${CHROMIUM} not installed (apt-get install -y chromium)`,
  );

describe.skipIf(!haveChromium)(`session containers on the session page${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;
  let root: string;
  let out: string;
  let containers: string[];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchWithPortal();
    server = await startPortalServer();
    root = tempDir('fb-session-containers-ui-');
    const db = server.database.db;
    const dir = writeDataset(path.join(root, 'data'), 6, 30_000).dir;
    await ingest(db, dir);
    out = path.join(root, 'out');
    const settings = { targetSize: 20_000, largeFileThreshold: 20_000 };
    const result = await packTree({ root: dir, outDir: out, session: 'EMB', workers: 1, ...settings });
    await recordPack(db, result, settings);
    containers = result.containers.map((c) => c.name);
  }, 120_000);

  afterAll(async () => {
    await closeBrowserTest({ contexts, browser, server, dir: root });
  });

  const asUser = (username: string) => pageAs(browser, server.url, contexts, username);

  it("shows a data manager the session's containers and own tape files", async () => {
    const page = await asUser('dora');
    await page.goto('/sessions/EMB');
    const rows = page.getByTestId('session-container');
    await pollCount(rows).toBe(containers.length);
    expect(containers.length).toBeGreaterThan(1);
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(containers);
    // The six registered small files are spread over the containers; large.bin goes whole.
    const perContainer = await page.getByTestId('session-container-datafiles').allTextContents();
    expect(perContainer.reduce((n, t) => n + Number(t), 0)).toBe(6);
    await pollText(page.getByTestId('session-own-tape-file')).toBe(
      'large.bin30.0 kBabove the large-file threshold',
    );
    await pollText(page.getByTestId('session-pack').locator('p').first()).toContain(`packed into ${out}`);
    await keepScreenshot(page, 'fairbeam-session-containers');
  });

  it('shows a member of the session the page without the archive section', async () => {
    const page = await asUser('ada');
    await page.goto('/sessions/EMB');
    await pollCount(page.getByTestId('dataset-list')).toBe(1);
    expect(await page.getByTestId('session-containers').count()).toBe(0);
  });
});
