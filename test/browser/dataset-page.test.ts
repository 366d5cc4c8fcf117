import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  closeBrowserTest,
  haveChromium,
  keepScreenshot,
  launchWithPortal,
  pollText,
  SKIP_REASON,
} from './chromium.ts';
import { startPortalServer, type PortalServer } from './portal-server.ts';
import { registerDataset } from '../../src/ingest/registration.ts';
import { FIXTURES, tempRoot } from '../ingest/trees.ts';

// A dataset registered from real files through the real ingest code, opened in Chromium: NeXus
// metadata and parameters with units, downloads that arrive byte for byte, and the @h5web preview.

const POLL = { timeout: 30_000, interval: 100 };
const NXS = 'APS_NXsas_hdf5_nexus-example.hdf5';
/** Larger than the 128 MiB the preview used to download whole before it read with Range requests. */
const BIG_FRAMES = 36; // of 1024 × 1024 float32: 144 MiB

/** A NeXus file of BIG_FRAMES detector frames (NXentry → NXdata, signal "frames"), written by h5py. */
function writeBigNexus(file: string) {
  const script = `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'w') as f:
    entry = f.create_group('entry'); entry.attrs['NX_class'] = 'NXentry'; entry.attrs['default'] = 'data'
    data = entry.create_group('data'); data.attrs['NX_class'] = 'NXdata'; data.attrs['signal'] = 'frames'
    frames = data.create_dataset('frames', shape=(${BIG_FRAMES}, 1024, 1024), dtype='float32', chunks=(1, 1024, 1024))
    frames.attrs['units'] = 'counts'
    ramp = np.add.outer(np.arange(1024), np.arange(1024)).astype('float32')
    for i in range(${BIG_FRAMES}):
        frames[i] = ramp + i
`;
  execFileSync('/usr/bin/python3', ['-c', script, file]);
}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!haveChromium)(`dataset page with real files${SKIP_REASON}`, () => {
  let server: PortalServer;
  let browser: Browser;
  let root: ReturnType<typeof tempRoot>;
  let pid: string;
  let embargoedFileId: number;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    root = tempRoot('fb-portal-data-');
    const dir = path.join(root.dir, 'pub_scan');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(FIXTURES, NXS), path.join(dir, 'sample.nxs'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'beam stable, 200 mA\n');
    writeBigNexus(path.join(dir, 'tomo_big.nxs'));
    browser = await launchWithPortal();
    server = await startPortalServer({ FAIRBEAM_DATA_ROOTS: root.dir });
    const result = await registerDataset(
      server.database.db,
      { sessionId: 'PUB', name: 'saxs_run', directory: dir },
      { dataRoots: [root.dir], doiPrefix: '10.5072', actor: 'test' },
    );
    expect(result.errors).toEqual([]);
    pid = result.pid;
    const embargoed = path.join(root.dir, 'emb_scan');
    fs.mkdirSync(embargoed);
    fs.copyFileSync(path.join(FIXTURES, NXS), path.join(embargoed, 'secret.nxs'));
    const emb = await registerDataset(
      server.database.db,
      { sessionId: 'EMB', name: 'emb_run', directory: embargoed },
      { dataRoots: [root.dir], doiPrefix: '10.5072', actor: 'test' },
    );
    embargoedFileId = (
      await server.database.db
        .selectFrom('datafile')
        .select('id')
        .where('dataset_pid', '=', emb.pid)
        .executeTakeFirstOrThrow()
    ).id;
  });

  afterAll(async () => {
    await closeBrowserTest({ contexts, browser, server });
    root?.remove();
  });

  async function openDataset(): Promise<Page> {
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 1000 },
      acceptDownloads: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`/datasets/${encodeURIComponent(pid)}`);
    return page;
  }
  const text = (l: Locator) => pollText(l, POLL);

  async function download(page: Page, trigger: Locator): Promise<string> {
    const [d] = await Promise.all([page.waitForEvent('download'), trigger.click()]);
    return (await d.path())!;
  }

  it('shows the metadata and parameters read from the NeXus file, with units as given and in SI', async () => {
    const page = await openDataset();
    await text(page.getByTestId('dataset-facts')).toContain('NXsas');
    const distance = page.getByTestId('parameter-row').filter({ hasText: /distance/ });
    await text(distance).toContain('540.8');
    expect(await distance.first().getByTestId('parameter-unit').textContent()).toBe('mm');
    expect(await distance.first().locator('td').last().textContent()).toMatch(/0\.5408\s*m$/);
  });

  it('downloads a single file and the whole dataset byte for byte', async () => {
    const page = await openDataset();
    const row = page.getByTestId('file-row').filter({ hasText: 'sample.nxs' });
    const nxs = fs.readFileSync(await download(page, row.getByTestId('file-download')));
    expect(sha256(nxs)).toBe(sha256(fs.readFileSync(path.join(FIXTURES, NXS))));
    const zip = await download(page, page.getByTestId('dataset-download-zip'));
    const member = (name: string) =>
      execFileSync('unzip', ['-p', zip, `saxs_run/${name}`], { maxBuffer: 1 << 26 });
    expect(sha256(member('sample.nxs'))).toBe(sha256(nxs));
    expect(member('notes.txt').toString()).toBe('beam stable, 200 mA\n');
  });

  it('renders the NeXus file in the @h5web preview', async () => {
    const page = await openDataset();
    const frame = page.frameLocator('[data-testid=hdf5-preview-frame]');
    const entry = frame.getByRole('treeitem', { name: /entry/ }).first();
    await entry.waitFor({ state: 'visible', timeout: 30_000 });
    // NXentry → NXdata default plot: @h5web draws the 3-D frames as a heatmap on a WebGL canvas
    await frame.getByText('frames (counts)').waitFor({ state: 'visible' });
    expect(await frame.locator('canvas').count()).toBeGreaterThan(0);
    await keepScreenshot(page, 'fairbeam-dataset-preview');
  });

  it('previews a file larger than 128 MiB by reading only parts of it with Range requests', async () => {
    const db = server.database.db;
    const big = await db
      .selectFrom('datafile')
      .select(['id', 'size'])
      .where('dataset_pid', '=', pid)
      .where('path', '=', 'tomo_big.nxs')
      .executeTakeFirstOrThrow();
    expect(big.size).toBeGreaterThan(128 * 1024 * 1024);
    const page = await openDataset();
    await page.getByRole('button', { name: 'Preview tomo_big.nxs' }).click();
    const frame = page.frameLocator('[data-testid=hdf5-preview-frame]');
    await frame
      .getByRole('treeitem', { name: /entry/ })
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 });
    // The NXdata default: a heatmap of the first 1024 × 1024 frame, on a WebGL canvas.
    await frame.getByText('frames (counts)').waitFor({ state: 'visible', timeout: 60_000 });
    await expect.poll(() => frame.locator('canvas').count(), POLL).toBeGreaterThan(0);
    await pollText(frame.getByTestId('preview-transfer'), POLL).toMatch(/range requests/);
    await keepScreenshot(page, 'fairbeam-dataset-preview-big');

    // What the server sent for this file, from its audit log (one entry per request).
    const sent = await sql<{ status: number; bytes: number }>`
      SELECT (details->>'status')::int AS status, (details->>'bytes')::bigint AS bytes
      FROM audit_log WHERE action = 'download.file' AND target = ${`datafile:${big.id}`}`.execute(db);
    const bytes = sent.rows.reduce((s, r) => s + Number(r.bytes), 0);
    expect(sent.rows.length).toBeGreaterThan(1);
    expect(new Set(sent.rows.map((r) => r.status))).toEqual(new Set([206]));
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024); // at least the frame on show
    expect(bytes).toBeLessThan(big.size / 10);
  });

  it('refuses to preview a file of an embargoed session to an anonymous visitor, reading none of it', async () => {
    const page = await openDataset();
    await page.goto(`/preview/?file=${embargoedFileId}&name=secret.nxs`);
    await pollText(page.getByRole('alert'), POLL).toBe(
      `The preview failed: No datafile "${embargoedFileId}"`,
    );
    const sent = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log
      WHERE action = 'download.file' AND target = ${`datafile:${embargoedFileId}`}`.execute(
      server.database.db,
    );
    expect(sent.rows[0]!.n).toBe(0);
  });
});
