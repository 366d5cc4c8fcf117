import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld, type World } from '../helpers/world.ts';
import { FIXTURES, tempRoot } from './trees.ts';

const files = [{ path: 'raw/a.h5', size: 10, sha256: 'a'.repeat(64) }];

describe.each(dialects)('POST /api/datasets (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  let root: ReturnType<typeof tempRoot>;
  let elsewhere: ReturnType<typeof tempRoot>;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    root = tempRoot();
    elsewhere = tempRoot('fb-elsewhere-');
    t = await startTestApp(dialect, { env: { FAIRBEAM_DATA_ROOTS: root.dir } });
    w = await seedWorld(t.services.database.db);
    for (const u of ['ada', 'eve', 'sam', 'dora']) cookies[u] = await t.login(u);
    const scan = path.join(root.dir, 'scan');
    fs.mkdirSync(scan);
    fs.copyFileSync(path.join(FIXTURES, 'APS_NXsas_hdf5_nexus-example.hdf5'), path.join(scan, 'saxs.nxs'));
    fs.writeFileSync(path.join(scan, 'broken.h5'), 'garbage');
    fs.writeFileSync(path.join(elsewhere.dir, 'x.txt'), 'x');
    fs.symlinkSync(elsewhere.dir, path.join(root.dir, 'link-out'));
  });
  afterAll(async () => {
    await t?.close();
    root?.remove();
    elsewhere?.remove();
  });

  const post = (payload: object, who?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      payload,
      headers:
        who === undefined
          ? {}
          : who.startsWith('fbk_')
            ? { authorization: `Bearer ${who}` }
            : { cookie: cookies[who]! },
    });

  it('asks anonymous callers to log in', async () => {
    const res = await post({ session: 'PUB', name: 'x', files });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthenticated');
  });

  it('lets the API key of the session instrument register files', async () => {
    const res = await post(
      {
        session: 'EMB',
        name: 'from_bl1',
        title: 'BL1 scan',
        techniques: ['PaNET01164'],
        parameters: [{ name: 'photon_energy', value: 12.4, unit: 'keV' }],
        files,
      },
      w.bl1Key,
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ registered: 1, bytes: 10, errors: [] });
    const ds = await t.app.inject({
      url: `/api/datasets/${encodeURIComponent(res.json().pid)}`,
      headers: { cookie: cookies.ada! },
    });
    expect(ds.json()).toMatchObject({ name: 'from_bl1', title: 'BL1 scan', fileCount: 1, size: 10 });
    expect(ds.json().parameters[0]).toMatchObject({ name: 'photon_energy', unit: 'keV', siUnit: 'J' });
  });

  it('answers 200 with the same pid when the dataset is registered again', async () => {
    const a = await post({ session: 'EMB', name: 'again', files }, w.bl1Key);
    const b = await post(
      { session: 'EMB', name: 'again', files: [...files, { path: 'raw/b.h5', size: 5 }] },
      w.bl1Key,
    );
    expect([a.statusCode, b.statusCode]).toEqual([201, 200]);
    expect(b.json().pid).toBe(a.json().pid);
    const list = await t.app.inject({
      url: `/api/datasets/${encodeURIComponent(a.json().pid)}/files`,
      headers: { cookie: cookies.sam! },
    });
    expect(list.json().items.map((f: { path: string }) => f.path)).toEqual(['raw/a.h5', 'raw/b.h5']);
  });

  it('refuses an API key of another instrument with 403, and 404 where it cannot see the session', async () => {
    const other = await post({ session: 'PUB', name: 'x', files }, w.bl1Key);
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('forbidden_instrument');
    const hidden = await post({ session: 'EMB', name: 'x', files }, w.bl2Key);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().code).toBe('session_not_found');
  });

  it('refuses members and outsiders, and lets staff and data managers register', async () => {
    expect((await post({ session: 'EMB', name: 'x', files }, 'ada')).statusCode).toBe(403);
    expect((await post({ session: 'EMB', name: 'x', files }, 'eve')).statusCode).toBe(404);
    expect((await post({ session: 'PUB', name: 'x', files }, 'eve')).statusCode).toBe(403);
    expect((await post({ session: 'EMB', name: 'by_staff', files }, 'sam')).statusCode).toBe(201);
    expect((await post({ session: 'PUB', name: 'by_dm', files }, 'dora')).statusCode).toBe(201);
    expect((await post({ session: 'NOPE', name: 'x', files }, 'sam')).statusCode).toBe(404);
  });

  it('scans an announced directory under a data root, extracting NeXus metadata', async () => {
    const res = await post(
      { session: 'EMB', name: 'scanned', directory: path.join(root.dir, 'scan') },
      w.bl1Key,
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      registered: 2,
      errors: [{ path: 'broken.h5', reason: expect.stringMatching(/not an HDF5 file/) }],
    });
    const ds = (
      await t.app.inject({
        url: `/api/datasets/${encodeURIComponent(body.pid)}`,
        headers: { cookie: cookies.sam! },
      })
    ).json();
    expect(ds.title).toBe('NeXus NXsas example');
    expect(ds.techniques.map((x: { id: string }) => x.id)).toContain('PaNET01124');
    expect(
      ds.parameters.find((p: { name: string }) => p.name === 'instrument.detector.distance'),
    ).toMatchObject({ value: 540.8, unit: 'mm', siValue: 0.5408, siUnit: 'm' });
  });

  it.each([
    ['a relative directory', 'scan', 400, 'invalid_directory'],
    ['a directory with ..', '/tmp/../etc', 400, 'invalid_directory'],
    ['a directory outside the data roots', '/etc', 403, 'directory_outside_data_roots'],
    ['a symlink under a root leading outside', 'LINK', 403, 'directory_outside_data_roots'],
    ['a missing directory', 'MISSING', 400, 'directory_not_found'],
  ])('refuses %s', async (_what, dir, status, code) => {
    const directory =
      dir === 'LINK'
        ? path.join(root.dir, 'link-out')
        : dir === 'MISSING'
          ? path.join(root.dir, 'nope')
          : dir;
    const res = await post({ session: 'EMB', name: 'bad_dir', directory }, w.bl1Key);
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
  });

  it.each(['../escape.h5', 'raw/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', 'a/', 'x/..', '.', 'a/./b'])(
    'refuses the file path %j',
    async (p) => {
      const res = await post({ session: 'EMB', name: 'bad_path', files: [{ path: p, size: 1 }] }, w.bl1Key);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invalid_file_path');
      expect(res.json().details[0].pointer).toBe('/files/0/path');
    },
  );

  it('rejects bad bodies with stable codes', async () => {
    const cases: [object, number, string][] = [
      [{ session: 'EMB', name: 'x' }, 400, 'files_or_directory_required'],
      [{ session: 'EMB', name: 'x', files, extra: 1 }, 400, 'validation_failed'],
      [{ session: 'EMB', name: 'x', files: [{ path: 'a', size: -1 }] }, 400, 'validation_failed'],
      [
        { session: 'EMB', name: 'x', files: [{ path: 'a', size: 1, sha256: 'xyz' }] },
        400,
        'validation_failed',
      ],
      [
        {
          session: 'EMB',
          name: 'x',
          files: [
            { path: 'a', size: 1 },
            { path: 'a', size: 2 },
          ],
        },
        400,
        'duplicate_file_path',
      ],
      [{ session: 'EMB', name: 'x', sample: 'NOPE', files }, 422, 'sample_not_found'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body, w.bl1Key);
      expect([res.statusCode, res.json().code], JSON.stringify(body)).toEqual([status, code]);
    }
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      payload: '{',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.bl1Key}` },
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('audits registrations', async () => {
    const res = await t.app.inject({
      url: '/api/audit?action=dataset.register',
      headers: { cookie: await t.login('root') },
    });
    expect(res.json().items.some((e: { actor: string }) => e.actor === 'apikey:bl1-software')).toBe(true);
  });
});
