import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld, type World } from '../helpers/world.ts';
import { FIXTURES, tempRoot } from '../ingest/trees.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const NXS = 'APS_NXsas_hdf5_nexus-example.hdf5';

describe.each(dialects)('downloads (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  let root: ReturnType<typeof tempRoot>;
  let outside: ReturnType<typeof tempRoot>;
  let work: ReturnType<typeof tempRoot>;
  let embPid: string;
  let pubPid: string;
  const ids: Record<string, number> = {};
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    root = tempRoot();
    outside = tempRoot('fb-outside-');
    work = tempRoot('fb-unpack-');
    t = await startTestApp(dialect, { env: { FAIRBEAM_DATA_ROOTS: root.dir } });
    w = await seedWorld(t.services.database.db);
    for (const u of ['ada', 'bob', 'eve', 'sam', 'root']) cookies[u] = await t.login(u);
    const emb = path.join(root.dir, 'emb');
    fs.mkdirSync(path.join(emb, 'sub'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, NXS), path.join(emb, 'sample.nxs'));
    fs.writeFileSync(path.join(emb, 'sub', 'grüße €.txt'), 'unicode name\n');
    fs.writeFileSync(path.join(emb, 'empty.dat'), '');
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      headers: { authorization: `Bearer ${w.bl1Key}` },
      payload: { session: 'EMB', name: 'emb_ingested', directory: emb },
    });
    embPid = reg.json().pid;
    const pub = path.join(root.dir, 'pub');
    fs.mkdirSync(pub);
    fs.writeFileSync(path.join(pub, 'open.txt'), 'public data\n');
    fs.writeFileSync(path.join(outside.dir, 'secret.txt'), 'SECRET\n');
    fs.symlinkSync(path.join(outside.dir, 'secret.txt'), path.join(pub, 'escape.txt'));
    // Registered from a file list: the catalogue names escape.txt, but its bytes lie outside the roots.
    const reg2 = await t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      headers: { cookie: cookies.sam! },
      payload: {
        session: 'PUB',
        name: 'pub_listed',
        directory: pub,
        files: [
          { path: 'open.txt', size: 12 },
          { path: 'escape.txt', size: 7 },
        ],
      },
    });
    pubPid = reg2.json().pid;
    for (const f of await t.services.database.db
      .selectFrom('datafile')
      .select(['id', 'path'])
      .where('dataset_pid', 'in', [embPid, pubPid])
      .execute())
      ids[f.path] = f.id;
  });
  afterAll(async () => {
    await t?.close();
    for (const d of [root, outside, work]) d?.remove();
  });

  const get = (url: string, who?: string, headers: Record<string, string> = {}) =>
    t.app.inject({ url, headers: { ...headers, ...(who ? { cookie: cookies[who]! } : {}) } });
  const content = (p: string) => `/api/datafiles/${ids[p]}/content`;
  const nxsBytes = () => fs.readFileSync(path.join(FIXTURES, NXS));

  it('streams a file to a member with type, length, ETag and name', async () => {
    const res = await get(content('sample.nxs'), 'ada');
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(nxsBytes())).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'application/x-hdf5',
      'content-length': String(nxsBytes().length),
      'accept-ranges': 'bytes',
      etag: `"${sha(nxsBytes())}"`,
      'content-disposition': 'attachment; filename="sample.nxs"',
    });
  });

  it('names unicode files the RFC 5987 way', async () => {
    const res = await get(content('sub/grüße €.txt'), 'sam');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="gr__e _.txt"; filename*=UTF-8''gr%C3%BC%C3%9Fe%20%E2%82%AC.txt`,
    );
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('unicode name\n');
  });

  it('hides embargoed files from anonymous users and outsiders (404), not from staff', async () => {
    expect((await get(content('sample.nxs'))).statusCode).toBe(404);
    expect((await get(content('sample.nxs'), 'eve')).json().code).toBe('datafile_not_found');
    expect((await get(content('sample.nxs'), 'sam')).statusCode).toBe(200);
    const key = await t.app.inject({
      url: content('sample.nxs'),
      headers: { authorization: `Bearer ${w.bl2Key}` },
    });
    expect(key.statusCode).toBe(404);
    const own = await t.app.inject({
      url: content('sample.nxs'),
      headers: { authorization: `Bearer ${w.bl1Key}` },
    });
    expect(own.statusCode).toBe(200);
    expect((await get(content('open.txt'))).body).toBe('public data\n');
  });

  it('answers byte ranges with 206 and Content-Range', async () => {
    const all = nxsBytes();
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, all.length - 1],
      ['bytes=-16', all.length - 16, all.length - 1],
      [`bytes=10-${all.length + 50}`, 10, all.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(content('sample.nxs'), 'ada', { range });
      expect(res.statusCode, range).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${all.length}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.rawPayload.equals(all.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers 416 to unsatisfiable ranges and the whole file to several or malformed ones', async () => {
    const size = nxsBytes().length;
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const res = await get(content('sample.nxs'), 'ada', { range });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${size}`);
      expect(res.json().code).toBe('range_not_satisfiable');
    }
    for (const range of ['bytes=0-1,5-9', 'bytes=abc', 'items=0-5', 'bytes=9-1']) {
      const res = await get(content('sample.nxs'), 'ada', { range });
      expect(res.statusCode, range).toBe(200);
      expect(res.rawPayload.length).toBe(size);
    }
  });

  it('honours If-None-Match and a stale If-Range', async () => {
    const etag = `"${sha(nxsBytes())}"`;
    expect((await get(content('sample.nxs'), 'ada', { 'if-none-match': etag })).statusCode).toBe(304);
    const stale = await get(content('sample.nxs'), 'ada', { range: 'bytes=0-9', 'if-range': '"other"' });
    expect(stale.statusCode).toBe(200);
    expect((await get(content('sample.nxs'), 'ada', { 'if-none-match': `W/${etag}` })).statusCode).toBe(304);
    const fresh = await get(content('sample.nxs'), 'ada', { range: 'bytes=0-9', 'if-range': etag });
    expect([fresh.statusCode, fresh.rawPayload.length]).toEqual([206, 10]);
  });

  it('compares a weak ETag (a file registered without checksum) weakly, and never for If-Range', async () => {
    const weak = (await get(content('open.txt'), 'sam')).headers.etag as string;
    expect(weak).toMatch(/^W\/"12-\d+"$/);
    for (const tag of [weak, weak.slice(2)])
      expect((await get(content('open.txt'), 'sam', { 'if-none-match': tag })).statusCode, tag).toBe(304);
    const ranged = await get(content('open.txt'), 'sam', { range: 'bytes=0-3', 'if-range': weak });
    expect([ranged.statusCode, ranged.body]).toEqual([200, 'public data\n']);
  });

  it('answers HEAD with the headers of the file, without auditing it as a download', async () => {
    // Downloads are audited once their bytes have gone out, after the response: count until settled.
    const audited = async () =>
      (
        await t.services.database.db
          .selectFrom('audit_log')
          .select('action')
          .where('target', '=', `datafile:${ids['open.txt']}`)
          .execute()
      ).length;
    const settled = async (wanted?: number) => {
      let last = await audited();
      for (let i = 0; i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const now = await audited();
        if (now === last && (wanted === undefined || now === wanted)) return now;
        last = now;
      }
      return last;
    };
    const before = await settled();
    const head = await t.app.inject({
      method: 'HEAD',
      url: content('open.txt'),
      headers: { cookie: cookies.sam! },
    });
    expect([head.statusCode, head.headers['content-length'], head.body]).toEqual([200, '12', '']);
    expect(await settled()).toBe(before);
    expect((await get(content('open.txt'), 'sam')).statusCode).toBe(200);
    expect(await settled(before + 1)).toBe(before + 1);
  });

  it('never serves bytes from outside the data roots, nor files without a location', async () => {
    const esc = await get(content('escape.txt'), 'sam');
    expect(esc.statusCode).toBe(409);
    expect(esc.json().code).toBe('datafile_unavailable');
    expect(esc.body).not.toContain('SECRET');
    const seeded = await get(`/api/datafiles/${w.files['pub/data.h5']}/content`);
    expect(seeded.statusCode).toBe(409);
    const zip = await t.app.inject({
      method: 'POST',
      url: '/api/downloads',
      headers: { cookie: cookies.sam! },
      payload: { datasets: [pubPid] },
    });
    expect(zip.statusCode).toBe(409);
    expect(zip.body).not.toContain('SECRET');
  });

  const unpack = (buf: Buffer, format: 'zip' | 'tar') => {
    const dir = fs.mkdtempSync(path.join(work.dir, `${format}-`));
    const file = path.join(dir, `download.${format}`);
    fs.writeFileSync(file, buf);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    if (format === 'zip') execFileSync('unzip', ['-q', file, '-d', out]);
    else execFileSync('tar', ['-xf', file, '-C', out]);
    return out;
  };

  it.each(['zip', 'tar'] as const)(
    'streams a whole dataset as %s with every checksum intact',
    async (format) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/downloads',
        headers: { cookie: cookies.ada! },
        payload: { datasets: [embPid], format },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe(format === 'zip' ? 'application/zip' : 'application/x-tar');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="emb_ingested.${format}"`);
      const out = unpack(res.rawPayload, format);
      const rows = await t.services.database.db
        .selectFrom('datafile')
        .select(['path', 'sha256'])
        .where('dataset_pid', '=', embPid)
        .execute();
      expect(rows).toHaveLength(3);
      for (const r of rows)
        expect(sha(fs.readFileSync(path.join(out, 'emb_ingested', r.path))), r.path).toBe(r.sha256);
    },
  );

  it('zips single files of several datasets', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/downloads',
      headers: { cookie: cookies.ada! },
      payload: { files: [ids['sample.nxs'], ids['open.txt']] },
    });
    expect(res.statusCode).toBe(200);
    const out = unpack(res.rawPayload, 'zip');
    expect(fs.readFileSync(path.join(out, 'pub_listed', 'open.txt'), 'utf8')).toBe('public data\n');
    expect(fs.readFileSync(path.join(out, 'emb_ingested', 'sample.nxs')).equals(nxsBytes())).toBe(true);
  });

  it('refuses zips of embargoed data to outsiders and bad requests with stable codes', async () => {
    const post = (payload: object, who?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/downloads',
        payload,
        headers: who ? { cookie: cookies[who]! } : {},
      });
    expect((await post({ datasets: [embPid] })).json().code).toBe('dataset_not_found');
    expect((await post({ files: [ids['sample.nxs']] }, 'eve')).statusCode).toBe(404);
    expect((await post({}, 'ada')).json().code).toBe('empty_download');
    expect((await post({ datasets: [embPid], format: 'rar' }, 'ada')).json().code).toBe('validation_failed');
    expect((await post({ files: ['abc'] }, 'ada')).json().code).toBe('validation_failed');
  });

  it('answers 202 with a download id for files on tape; the status moves restoring → ready', async () => {
    const db = t.services.database.db;
    await db.updateTable('datafile').set({ state: 'offline' }).where('id', '=', ids['sample.nxs']!).execute();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/downloads',
      headers: { cookie: cookies.ada! },
      payload: { datasets: [embPid] },
    });
    expect(res.statusCode).toBe(202);
    const d = res.json();
    expect(d).toMatchObject({ status: 'restoring', format: 'zip', pending: [ids['sample.nxs']] });
    expect((await get(`/api/downloads/${d.id}`, 'ada')).json().status).toBe('restoring');
    expect((await get(`/api/downloads/${d.id}`, 'bob')).statusCode).toBe(404);
    expect((await get(`/api/downloads/${d.id}`, 'sam')).statusCode).toBe(200);
    expect((await get(`/api/downloads/${d.id}/content`, 'ada')).json().code).toBe('download_not_ready');
    const single = await get(content('sample.nxs'), 'ada');
    expect([single.statusCode, single.json().status]).toEqual([202, 'restoring']);
    await db.updateTable('datafile').set({ state: 'online' }).where('id', '=', ids['sample.nxs']!).execute();
    expect((await get(`/api/downloads/${d.id}`, 'ada')).json()).toMatchObject({
      status: 'ready',
      pending: [],
    });
    const zip = await get(`/api/downloads/${d.id}/content`, 'ada');
    expect(zip.statusCode).toBe(200);
    expect(
      fs
        .readFileSync(path.join(unpack(zip.rawPayload, 'zip'), 'emb_ingested', 'sample.nxs'))
        .equals(nxsBytes()),
    ).toBe(true);
    expect((await get('/api/downloads/not-an-id', 'ada')).statusCode).toBe(404);
  });

  it('zips a dataset from a plain GET link', async () => {
    const res = await get(`/api/datasets/${encodeURIComponent(embPid)}/download`, 'ada');
    expect(res.statusCode).toBe(200);
    expect(
      fs
        .readFileSync(path.join(unpack(res.rawPayload, 'zip'), 'emb_ingested', 'sample.nxs'))
        .equals(nxsBytes()),
    ).toBe(true);
    expect((await get(`/api/datasets/${encodeURIComponent(embPid)}/download?format=tar`)).statusCode).toBe(
      404,
    );
  });

  it('lists the HDF5 structure of a NeXus file for the preview, under the same policy', async () => {
    const res = await get(`/api/datafiles/${ids['sample.nxs']}/tree`, 'ada');
    expect(res.statusCode).toBe(200);
    const { root: tree } = res.json();
    const entry = tree.children.find((c: { name: string }) => c.name === 'entry');
    expect(entry).toMatchObject({ kind: 'group', attributes: { NX_class: 'NXentry' } });
    const find = (n: { path: string; children?: unknown[] }, p: string): any =>
      n.path === p ? n : (n.children ?? []).map((c) => find(c as never, p)).find(Boolean);
    expect(find(tree, '/entry/instrument/detector/distance')).toMatchObject({
      kind: 'dataset',
      shape: [1],
      value: [540.8],
      attributes: { units: 'mm' },
    });
    expect((await get(`/api/datafiles/${ids['sample.nxs']}/tree`, 'eve')).statusCode).toBe(404);
    const text = await get(`/api/datafiles/${ids['sub/grüße €.txt']}/tree`, 'ada');
    expect([text.statusCode, text.json().code]).toEqual([422, 'not_hdf5']);
  });

  it('writes every download into the audit log', async () => {
    const res = await get('/api/audit?limit=200', 'root');
    const actions = res.json().items.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'download.file user:ada',
        'download.archive user:ada',
        'download.request user:ada',
        'download.file anonymous',
      ]),
    );
  });
});
