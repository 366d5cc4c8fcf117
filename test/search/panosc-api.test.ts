import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { panoscUrl, seedSearchWorld, type SearchWorld } from './world.ts';

describe.each(dialects)('PaNOSC search API endpoints (%s)', (dialect) => {
  let t: TestApp;
  let w: SearchWorld;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedSearchWorld(t.services.database.db);
  });
  afterAll(() => t.close());
  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('lists public datasets as a bare JSON array in PaNOSC shape', async () => {
    const res = await get(panoscUrl('datasets'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/json/);
    const body = res.json();
    expect(Array.isArray(body)).toBe(true);
    expect(body.map((d: { pid: string }) => d.pid).sort()).toEqual(
      [w.pids.hax_1, w.pids.pub_scan, w.pids.xas_1, w.pids.xas_2].sort(),
    );
    for (const d of body) {
      expect(Object.keys(d).sort()).toEqual(['creationDate', 'isPublic', 'pid', 'size', 'title']);
      expect(d.isPublic).toBe(true);
    }
    expect(body.find((d: { pid: string }) => d.pid === w.pids.xas_1)).toMatchObject({
      title: 'Copper K-edge scan',
      size: 300,
    });
  });

  it('counts public datasets, documents and instruments as {count}', async () => {
    expect((await get(panoscUrl('datasets/count'))).json()).toEqual({ count: 4 });
    expect((await get(panoscUrl('documents/count'))).json()).toEqual({ count: 3 });
    expect((await get(panoscUrl('instruments/count'))).json()).toEqual({ count: 3 });
    expect(
      (await get(panoscUrl('datasets/count', { where: { title: { ilike: 'copper%' } } }))).json(),
    ).toEqual({ count: 2 });
  });

  it('accepts collection names in any case', async () => {
    const lower = (await get(panoscUrl('datasets'))).json();
    expect((await get(panoscUrl('Datasets'))).json()).toEqual(lower);
    expect((await get(panoscUrl('DATASETS/Count'))).json()).toEqual({ count: 4 });
    expect((await get(panoscUrl('Instruments/BL3'))).json()).toEqual({
      pid: 'BL3',
      name: 'Spectroscopy beamline',
      facility: 'TF',
    });
  });

  it('finds a dataset by a DOI pid with %2F-encoded or plain slashes', async () => {
    const encoded = await get(`/panosc/api/Datasets/${encodeURIComponent(w.pids.xas_1)}`);
    expect(encoded.statusCode).toBe(200);
    expect(encoded.json()).toMatchObject({ pid: w.pids.xas_1, title: 'Copper K-edge scan', isPublic: true });
    const plain = await get(`/panosc/api/datasets/${w.pids.xas_1}`);
    expect(plain.json()).toEqual(encoded.json());
  });

  it('reads encoded pids and mixed-case paths everywhere: %2F, %2f, /Files, /Documents, /Instruments/Count', async () => {
    const pid = w.pids.xas_1;
    const upper = encodeURIComponent(pid);
    const lower = upper.replace(/%2F/g, '%2f');
    expect(upper).toContain('%2F');
    const files = await get(`/panosc/api/DataSets/${upper}/Files`);
    expect(files.statusCode).toBe(200);
    expect(files.json().map((f: { name: string }) => f.name)).toEqual(['file1.h5', 'file2.h5']);
    expect((await get(`/panosc/api/datasets/${lower}/files`)).json()).toEqual(files.json());
    expect((await get(`/panosc/api/datasets/${lower}`)).json()).toMatchObject({ pid });
    const doc = await get(
      `/panosc/api/Documents/10.5072%2ffb.xas?filter=${encodeURIComponent('{"include":["datasets"]}')}`,
    );
    expect(doc.statusCode).toBe(200);
    expect(
      doc
        .json()
        .datasets.map((d: { pid: string }) => d.pid)
        .sort(),
    ).toEqual([w.pids.xas_1, w.pids.xas_2].sort());
    expect((await get('/panosc/api/Instruments/Count')).json()).toEqual({ count: 3 });
    expect(
      (await get('/panosc/api/documents/COUNT?where=' + encodeURIComponent('{"type":"proposal"}'))).json(),
    ).toEqual({
      count: 3,
    });
  });

  it('finds a document by its DOI, or by its session id when it has none', async () => {
    const byDoi = await get(`/panosc/api/documents/${encodeURIComponent('10.5072/fb.xas')}`);
    expect(byDoi.statusCode).toBe(200);
    expect(byDoi.json()).toMatchObject({
      pid: '10.5072/fb.xas',
      doi: '10.5072/fb.xas',
      type: 'proposal',
      title: 'Copper oxidation studied by x-ray absorption',
      isPublic: true,
      license: 'CC-BY-4.0',
      startDate: '2019-03-01T00:00:00.000Z',
      endDate: '2019-03-04T00:00:00.000Z',
    });
    expect(byDoi.json().keywords).toEqual(['x-ray absorption', 'x-ray absorption spectroscopy']);
    expect((await get('/panosc/api/documents/HAX')).json()).toMatchObject({
      pid: 'HAX',
      doi: null,
      title: 'Hard x-ray photoelectron spectroscopy of oxides',
    });
  });

  it('lists the files of a public dataset with name, path and size', async () => {
    const res = await get(`/panosc/api/datasets/${encodeURIComponent(w.pids.xas_1)}/files`);
    expect(res.statusCode).toBe(200);
    expect(
      res.json().map((f: { name: string; path: string; size: number }) => [f.name, f.path, f.size]),
    ).toEqual([
      ['file1.h5', 'xas/file1.h5', 100],
      ['file2.h5', 'xas/file2.h5', 200],
    ]);
    const limited = await get(
      panoscUrl(`datasets/${encodeURIComponent(w.pids.xas_1)}/files`, { filter: { limit: 1, skip: 1 } }),
    );
    expect(limited.json().map((f: { name: string }) => f.name)).toEqual(['file2.h5']);
  });

  it('answers 404 with a JSON error for unknown pids and routes', async () => {
    const res = await get(`/panosc/api/datasets/${encodeURIComponent('10.5072/nope')}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'dataset_not_found' });
    expect((await get('/panosc/api/samples')).statusCode).toBe(404);
    expect((await get(`/panosc/api/datasets/${encodeURIComponent('10.5072/nope')}/files`)).statusCode).toBe(
      404,
    );
  });

  it('sends open CORS headers and answers preflight requests', async () => {
    const res = await get(panoscUrl('datasets'));
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const bad = await get(panoscUrl('datasets', { filter: '{oops' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe('*');
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/panosc/api/Datasets',
      headers: {
        origin: 'https://portal.example.org',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'accept',
      },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toContain('GET');
    expect(pre.headers['access-control-allow-headers']).toBe('accept');
    // Every kind of answer carries it: counts, single items, 404s.
    for (const url of [
      '/panosc/api/documents/count',
      `/panosc/api/Datasets/${encodeURIComponent(w.pids.xas_1)}`,
      `/panosc/api/datasets/${encodeURIComponent('10.5072/nope')}`,
      '/panosc/api/nothing-here',
    ]) {
      const r = await get(url);
      expect([200, 404]).toContain(r.statusCode);
      expect(r.headers['access-control-allow-origin'], url).toBe('*');
    }
  });

  it('lists instruments with their facility, and their public datasets on request', async () => {
    const res = await get(panoscUrl('instruments', { filter: { include: ['datasets'], order: 'pid ASC' } }));
    const body = res.json();
    expect(body.map((i: { pid: string }) => i.pid)).toEqual(['BL1', 'BL2', 'BL3']);
    expect(body[0]).toMatchObject({ pid: 'BL1', name: 'Beamline 1', facility: 'TF', datasets: [] });
    expect(body[2].datasets.map((d: { pid: string }) => d.pid).sort()).toEqual(
      [w.pids.hax_1, w.pids.xas_1, w.pids.xas_2].sort(),
    );
  });
});
