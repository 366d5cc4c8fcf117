import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { ingest, tempDir, writeDataset } from './setup.ts';

describe.each(dialects)('tape admin API (%s)', (dialect) => {
  let t: TestApp;
  let root: string;
  let pid: string;
  const cookies: Record<string, string> = {};
  const call = (method: 'GET' | 'PUT' | 'POST' | 'PATCH', url: string, who?: string, payload?: unknown) =>
    t.app.inject({ method, url, payload: payload as object, headers: who ? { cookie: cookies[who]! } : {} });

  beforeAll(async () => {
    root = tempDir('fb-tape-api-');
    const data = path.join(root, 'data');
    t = await startTestApp(dialect, {
      env: { FAIRBEAM_DATA_ROOTS: data, FAIRBEAM_HOME: path.join(root, 'home') },
    });
    await seedWorld(t.services.database.db);
    pid = await ingest(t.services.database.db, writeDataset(data, 5, 1000).dir);
    for (const u of ['ada', 'sam', 'dora']) cookies[u] = await t.login(u);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('lets a data manager configure a library, pools, cartridges and the policy', async () => {
    const vtl = path.join(root, 'vtl');
    expect(
      (await call('PUT', '/api/admin/tape/libraries/vtl', 'dora', { kind: 'virtual', root: vtl, drives: 2 }))
        .statusCode,
    ).toBe(200);
    expect(
      (await call('PUT', '/api/admin/tape/pools/A', 'dora', { library: 'vtl', copy: 1 })).statusCode,
    ).toBe(200);
    expect(
      (await call('PUT', '/api/admin/tape/pools/B', 'dora', { library: 'vtl', copy: 2 })).statusCode,
    ).toBe(200);
    const carts = await call('POST', '/api/admin/tape/cartridges', 'dora', {
      pool: 'A',
      barcodes: ['A00001', 'A00002'],
      capacity: 1e9,
    });
    expect(carts.statusCode).toBe(200);
    await call('POST', '/api/admin/tape/cartridges', 'dora', { pool: 'B', barcodes: ['B00001'] });
    const policy = await call('PATCH', '/api/admin/archive/policy', 'dora', {
      enabled: true,
      minAgeDays: 10,
      release: true,
    });
    expect(policy.json()).toMatchObject({ enabled: true, minAgeDays: 10, release: true });

    const list = (await call('GET', '/api/admin/tape/cartridges', 'sam')).json();
    expect(
      list.map((c: { barcode: string; pool: string; copy: number }) => [c.barcode, c.pool, c.copy]),
    ).toEqual([
      ['A00001', 'A', 1],
      ['A00002', 'A', 1],
      ['B00001', 'B', 2],
    ]);
    expect(list[0]).toMatchObject({
      capacity: 1e9,
      used: 0,
      fill: 0,
      errors: 0,
      state: 'available',
      inUseBy: null,
    });
    const status = (await call('GET', '/api/admin/tape/status', 'sam')).json();
    expect(status.libraries).toEqual([
      { name: 'vtl', kind: 'virtual', root: vtl, cartridges: 3, pools: ['A', 'B'] },
    ]);
    const drives = (await call('GET', '/api/admin/tape/drives', 'sam')).json();
    expect(drives.map((d: { name: string }) => d.name)).toEqual(['drive0', 'drive1']);
    expect((await call('GET', '/api/admin/tape/queue', 'sam')).json().counts).toEqual({
      queued: 0,
      running: 0,
      done: 0,
      failed: 0,
    });
  });

  it('queues archive requests and answers archive status', async () => {
    const res = await call('POST', '/api/admin/archive/requests', 'dora', { dataset: pid });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ datasetPid: pid, step: 'pack' });
    // Asking again gives the same active run.
    expect((await call('POST', '/api/admin/archive/requests', 'dora', { dataset: pid })).json().id).toBe(
      res.json().id,
    );
    const files = (await call('GET', `/api/admin/archive/datasets/${encodeURIComponent(pid)}`, 'sam')).json();
    expect(files).toHaveLength(6);
    expect(files[0]).toMatchObject({ state: 'online', copies: [] });
    const release = await call(
      'POST',
      `/api/admin/archive/datasets/${encodeURIComponent(pid)}/release`,
      'dora',
    );
    expect(release.json()).toMatchObject({ released: 0 });
    expect(release.json().refused).toHaveLength(6);
  });

  it('refuses outsiders and bad input with JSON errors and stable codes', async () => {
    expect((await call('GET', '/api/admin/tape/status')).json().code).toBe('unauthenticated');
    const forbidden = await call('GET', '/api/admin/tape/status', 'ada');
    expect([forbidden.statusCode, forbidden.json().code]).toEqual([403, 'forbidden']);
    const staff = await call('PUT', '/api/admin/tape/pools/C', 'sam', { library: 'vtl', copy: 1 });
    expect([staff.statusCode, staff.json().code]).toEqual([403, 'forbidden']);
    const relative = await call('PUT', '/api/admin/tape/libraries/x', 'dora', {
      kind: 'virtual',
      root: 'relative/dir',
    });
    expect([relative.statusCode, relative.json().code]).toEqual([400, 'invalid_tape_config']);
    const noLib = await call('PUT', '/api/admin/tape/pools/C', 'dora', { library: 'nope', copy: 1 });
    expect([noLib.statusCode, noLib.json().code]).toEqual([404, 'tape_library_not_found']);
    const noPool = await call('POST', '/api/admin/tape/cartridges', 'dora', {
      pool: 'nope',
      barcodes: ['X1'],
    });
    expect([noPool.statusCode, noPool.json().code]).toEqual([404, 'tape_pool_not_found']);
    const badBarcode = await call('POST', '/api/admin/tape/cartridges', 'dora', {
      pool: 'A',
      barcodes: ['bad code'],
    });
    expect([badBarcode.statusCode, badBarcode.json().code]).toEqual([400, 'invalid_tape_config']);
    const noDataset = await call('POST', '/api/admin/archive/requests', 'dora', { dataset: '10.5072/none' });
    expect([noDataset.statusCode, noDataset.json().code]).toEqual([404, 'dataset_not_found']);
    const empty = await call('POST', '/api/admin/restore', 'dora', {});
    expect([empty.statusCode, empty.json().code]).toEqual([400, 'empty_restore']);
  });

  it('registers a barcode given twice in one request once, instead of failing with a 500', async () => {
    const vtl = path.join(root, 'vtl');
    await call('PUT', '/api/admin/tape/libraries/vtl', 'dora', { kind: 'virtual', root: vtl, drives: 2 });
    await call('PUT', '/api/admin/tape/pools/A', 'dora', { library: 'vtl', copy: 1 });
    const twice = await call('POST', '/api/admin/tape/cartridges', 'dora', {
      pool: 'A',
      barcodes: ['A00009', 'A00009'],
    });
    expect([twice.statusCode, twice.json()]).toEqual([200, { ok: true }]);
    const list = (await call('GET', '/api/admin/tape/cartridges', 'sam')).json();
    expect(list.filter((c: { barcode: string }) => c.barcode === 'A00009')).toHaveLength(1);
  });
});
