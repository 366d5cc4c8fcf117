import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { panoscUrl, seedSearchWorld, type SearchWorld } from './world.ts';

describe.each(dialects)('PaNOSC search and the embargo (%s)', (dialect) => {
  let t: TestApp;
  let w: SearchWorld;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedSearchWorld(t.services.database.db);
  });
  afterAll(() => t.close());
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });

  it('never shows the embargoed session EMB: not in lists, counts, by pid, through includes or text', async () => {
    const everything = JSON.stringify([
      (
        await get(
          panoscUrl('datasets', {
            filter: { include: ['documents', 'parameters', 'files', 'samples', 'techniques', 'instrument'] },
          }),
        )
      ).json(),
      (
        await get(panoscUrl('documents', { filter: { include: ['datasets', 'members', 'parameters'] } }))
      ).json(),
      (
        await get(
          panoscUrl('instruments', {
            filter: { include: [{ relation: 'datasets', scope: { include: ['parameters', 'documents'] } }] },
          }),
        )
      ).json(),
    ]);
    for (const secret of [
      w.pids.emb_scan,
      'EMB',
      '10.5072/fb.emb',
      'Embargoed lysozyme study',
      'secret sample',
      'emb/data.h5',
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect((await get(panoscUrl('datasets', { query: 'lysozyme' }))).json()).toEqual([]);
    expect((await get(panoscUrl('documents', { query: 'lysozyme embargoed' }))).json()).toEqual([]);
    expect((await get(panoscUrl('datasets/count', { where: { pid: w.pids.emb_scan } }))).json()).toEqual({
      count: 0,
    });
    expect((await get(panoscUrl('documents/count', { query: 'lysozyme' }))).json()).toEqual({ count: 0 });
    expect((await get(`/panosc/api/datasets/${encodeURIComponent(w.pids.emb_scan)}`)).statusCode).toBe(404);
    expect((await get(`/panosc/api/datasets/${encodeURIComponent(w.pids.emb_scan)}/files`)).statusCode).toBe(
      404,
    );
    expect((await get(`/panosc/api/documents/${encodeURIComponent('10.5072/fb.emb')}`)).statusCode).toBe(404);
    expect((await get('/panosc/api/documents/EMB')).statusCode).toBe(404);
    const energy = {
      include: [
        { relation: 'parameters', scope: { where: { name: 'photon_energy', value: 12.4, unit: 'keV' } } },
      ],
    };
    expect((await get(panoscUrl('datasets', { filter: energy }))).json()).toEqual([]);
  });

  it('stays anonymous even for members, staff and facility-wide API keys', async () => {
    const staff = await t.login('sam');
    const res = await get(panoscUrl('datasets/count'), { cookie: staff });
    expect(res.json()).toEqual({ count: 4 });
    expect(
      (
        await get(`/panosc/api/datasets/${encodeURIComponent(w.pids.emb_scan)}`, {
          cookie: await t.login('ada'),
        })
      ).statusCode,
    ).toBe(404);
  });

  it('shows a session once its embargo ends', async () => {
    t.clock.set('2029-02-01T00:00:00Z');
    try {
      expect((await get(panoscUrl('datasets/count'))).json()).toEqual({ count: 5 });
      expect(
        (await get(panoscUrl('datasets', { query: 'lysozyme' }))).json().map((d: { pid: string }) => d.pid),
      ).toEqual([w.pids.emb_scan]);
    } finally {
      t.clock.set('2026-06-01T00:00:00Z');
    }
  });
});

describe.each(dialects)('PaNOSC bad filters (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedSearchWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['malformed JSON', 'datasets', { filter: '{"where": ' }, /not valid JSON/],
    ['a filter that is not an object', 'datasets', { filter: '[1,2]' }, /must be a JSON object/],
    ['an unknown filter key', 'datasets', { filter: { wehre: {} } }, /unknown key "wehre"/],
    [
      'an unknown relation',
      'datasets',
      { filter: { include: [{ relation: 'proposals' }] } },
      /unknown relation "proposals" of Dataset/,
    ],
    [
      'an unknown nested relation',
      'documents',
      { filter: { include: [{ relation: 'datasets', scope: { include: ['authors'] } }] } },
      /unknown relation "authors"/,
    ],
    [
      'an unknown operator',
      'datasets',
      { filter: { where: { title: { regexp: '^a' } } } },
      /unknown operator "regexp"/,
    ],
    [
      'an unknown field',
      'datasets',
      { filter: { where: { colour: 'red' } } },
      /unknown field "colour" of Dataset/,
    ],
    ['a relation used as a field', 'datasets', { filter: { where: { techniques: 'x' } } }, /is a relation/],
    ['a negative limit', 'datasets', { filter: { limit: -1 } }, /limit must be a non-negative integer/],
    ['a non-integer limit', 'datasets', { filter: { limit: 2.5 } }, /limit must be a non-negative integer/],
    ['a text limit', 'documents', { filter: { limit: 'ten' } }, /limit must be a non-negative integer/],
    ['a negative skip', 'datasets', { filter: { skip: -5 } }, /skip must be a non-negative integer/],
    [
      'like on a number',
      'datasets',
      { filter: { where: { size: { like: '1%' } } } },
      /operator "like" does not apply/,
    ],
    [
      'a non-numeric comparison',
      'datasets',
      { filter: { where: { size: { gt: 'big' } } } },
      /must be a number/,
    ],
    ['a bad date', 'datasets', { filter: { where: { creationDate: { gt: 'yesterday' } } } }, /ISO 8601 date/],
    [
      'between with three values',
      'datasets',
      { filter: { where: { size: { between: [1, 2, 3] } } } },
      /two values/,
    ],
    [
      'a huge inq list',
      'datasets',
      { filter: { where: { pid: { inq: Array.from({ length: 1001 }, (_, i) => `p${i}`) } } } },
      /at most 1000/,
    ],
    ['an empty and', 'datasets', { filter: { where: { and: [] } } }, /non-empty array/],
    ['an unknown order field', 'datasets', { filter: { order: 'colour DESC' } }, /unknown field "colour"/],
    ['an unreadable order', 'datasets', { filter: { order: 'title sideways' } }, /cannot read/],
    ['an unknown output field', 'datasets', { filter: { fields: ['colour'] } }, /unknown field "colour"/],
    ['a repeated filter parameter', 'datasets', { filter: '{}&filter={}' }, /more than once|must be string/],
    ['a malformed count where', 'datasets/count', { where: '{' }, /where is not valid JSON/],
    [
      'a LIKE pattern ending in an escape',
      'datasets',
      { filter: { where: { title: { like: 'abc\\' } } } },
      /escape character/,
    ],
  ];

  it.each(cases)('answers 400 naming the problem for %s', async (_name, path, params, message) => {
    const url =
      params.filter === '{}&filter={}' ? '/panosc/api/datasets?filter={}&filter={}' : panoscUrl(path, params);
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().code).toMatch(/invalid_filter|validation_failed/);
    expect(res.json().message).toMatch(message);
  });

  it('refuses absurdly deep nesting of includes and conditions', async () => {
    let scope: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++)
      scope = { include: [{ relation: 'datasets', scope: { include: [{ relation: 'documents', scope }] } }] };
    const deepInclude = await t.app.inject({ method: 'GET', url: panoscUrl('documents', { filter: scope }) });
    expect(deepInclude.statusCode).toBe(400);
    expect(deepInclude.json().message).toMatch(/nested deeper than 5/);
    let where: Record<string, unknown> = { title: 'x' };
    for (let i = 0; i < 20; i++) where = { or: [where] };
    const deepWhere = await t.app.inject({
      method: 'GET',
      url: panoscUrl('datasets', { filter: { where } }),
    });
    expect(deepWhere.statusCode).toBe(400);
    expect(deepWhere.json().message).toMatch(/nested deeper than 10/);
  });

  it('caps limits above 1000 instead of failing', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: panoscUrl('datasets', { filter: { limit: 1_000_000 } }),
    });
    expect(res.statusCode).toBe(200);
  });
});
