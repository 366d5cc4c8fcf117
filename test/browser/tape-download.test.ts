import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  closeBrowserTest,
  haveChromium,
  launchWithPortal,
  pageAs,
  pollText,
  SKIP_REASON,
} from './chromium.ts';
import { startPortalServer, type PortalServer } from './portal-server.ts';
import { configureTape, ingest, sha256, tempDir, writeDataset } from '../tape/setup.ts';
import { createTapeContext, type TapeContext } from '../../src/archive/workflow/context.ts';
import { advanceRun, requestArchive } from '../../src/archive/workflow/runs.ts';
import { drainRecalls } from '../../src/archive/workflow/scheduler.ts';

// A dataset archived to two tape copies and released from disk, opened in Chromium: "Download" of a
// file that is only on tape asks for it (202), says it is being restored, and saves the bytes once
// the recall has brought them back.

const POLL = { timeout: 30_000, interval: 100 };

describe.skipIf(!haveChromium)(`download of a file on tape from the dataset page${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;
  let root: string;
  let files: Map<string, Buffer>;
  let pid: string;
  let tape: TapeContext;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    root = tempDir('fb-portal-tape-');
    const data = path.join(root, 'data');
    let dir: string;
    ({ dir, files } = writeDataset(data, 4, 300 * 1024, 'tape_scan'));
    browser = await launchWithPortal();
    server = await startPortalServer({ FAIRBEAM_DATA_ROOTS: data });
    const db = server.database.db;
    pid = await ingest(db, dir);
    await configureTape(db, path.join(root, 'vtl'));
    tape = createTapeContext(db, { home: path.join(root, 'home'), dataRoots: [data] });
    const run = await requestArchive(db, pid, { actor: 'test', release: true });
    expect(await advanceRun(tape, run.id)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'large.bin'))).toBe(false);
  }, 120_000);

  afterAll(async () => {
    await closeBrowserTest({ contexts, browser, server, dir: root });
  });

  const asUser = (username: string) =>
    pageAs(browser, server.url, contexts, username, { height: 1000, acceptDownloads: true, timeout: 30_000 });

  it('says the file is being restored from tape, waits for the recall, then downloads it byte for byte', async () => {
    const page = await asUser('ada');
    const asked: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/datafiles/') || r.url().includes('/api/downloads/'))
        asked.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`/datasets/${encodeURIComponent(pid)}`);
    const row = page.getByTestId('file-row').filter({ hasText: 'large.bin' });
    await pollText(row.locator('.state'), POLL).toBe('On tape only');

    await row.getByTestId('file-download').click();
    const status = row.getByTestId('file-download-status');
    await pollText(status, POLL).toContain('Being restored from tape');
    // Polled while the file is still on tape: the status stays, nothing is saved.
    await expect
      .poll(() => asked.filter((a) => /^200 \/api\/downloads\/[0-9a-f-]+$/.test(a)).length, POLL)
      .toBeGreaterThan(1);
    expect(await status.textContent()).toContain('Being restored from tape');

    const saved = page.waitForEvent('download', { timeout: 30_000 });
    const [batch] = await drainRecalls(tape);
    expect(batch).toMatchObject({ total: 1, done: 1, failed: 0 });
    const download = await saved;
    expect(download.suggestedFilename()).toBe('large.bin');
    expect(new URL(download.url()).pathname).toMatch(/^\/api\/downloads\/[0-9a-f-]+\/content$/);
    const bytes = fs.readFileSync((await download.path())!);
    expect(sha256(bytes)).toBe(sha256(files.get('large.bin')!));
    await pollText(status, POLL).toBe('Download started.');
    expect(asked[0]).toMatch(/^202 \/api\/datafiles\/\d+\/content$/);
  });

  it('"Download all (zip)" of a dataset with files on tape waits for their recall, then saves the whole zip', async () => {
    const page = await asUser('ada');
    await page.goto(`/datasets/${encodeURIComponent(pid)}`);
    const zip = page.getByTestId('dataset-download-zip');
    await zip.click();
    const status = page.getByTestId('dataset-download-zip-status');
    // large.bin came back in the test above: the other four are still on tape.
    await pollText(status, POLL).toContain('Being restored from tape (4 of 5 files');
    const saved = page.waitForEvent('download', { timeout: 30_000 });
    const [batch] = await drainRecalls(tape);
    expect(batch).toMatchObject({ total: 4, done: 4, failed: 0 });
    const download = await saved;
    expect(download.suggestedFilename()).toMatch(/\.zip$/);
    const out = path.join(root, 'unzipped');
    execFileSync('unzip', ['-q', (await download.path())!, '-d', out]);
    const unpacked = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(unpacked).toHaveLength(files.size);
    for (const e of unpacked) {
      const full = path.join(e.parentPath, e.name);
      const rel = path.relative(out, full).split(path.sep).slice(-1)[0]!;
      const original = [...files].find(([p]) => p.endsWith(rel))!;
      expect(sha256(fs.readFileSync(full)), full).toBe(sha256(original[1]));
    }
    await pollText(status, POLL).toBe('Download started.');
  });
});
