import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { panoscGet, panoscUrl, seedSearchWorld, type SearchWorld } from './world.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(dialects)('PaNOSC filters (%s)', (dialect) => {
  let t: TestApp;
  let w: SearchWorld;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedSearchWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  const list = (path: string, params: Record<string, unknown>) => panoscGet<Json[]>(t.app, path, params);
  const pidsOf = (items: Json[]) => items.map((d) => d.pid).sort();
  const names = (...keys: (keyof SearchWorld['pids'])[]) => keys.map((k) => w.pids[k]).sort();
  const params = (name: string, value: Json | number | string, unit?: string) => ({
    include: [
      {
        relation: 'parameters',
        scope: { where: { and: [{ name }, { value }, ...(unit ? [{ unit }] : [])] } },
      },
    ],
  });

  describe('where', () => {
    it('filters on fields with eq, neq, like, ilike, inq, nin, gt/lt and between', async () => {
      expect(pidsOf(await list('datasets', { filter: { where: { title: 'Copper K-edge scan' } } }))).toEqual(
        names('xas_1'),
      );
      expect(pidsOf(await list('datasets', { filter: { where: { title: { like: 'Copper%' } } } }))).toEqual(
        names('xas_1', 'xas_2'),
      );
      expect(pidsOf(await list('datasets', { filter: { where: { title: { ilike: '%SURVEY' } } } }))).toEqual(
        names('hax_1'),
      );
      expect(pidsOf(await list('datasets', { filter: { where: { size: { gt: 250 } } } }))).toEqual(
        names('xas_1', 'xas_2', 'pub_scan'),
      );
      expect(
        pidsOf(await list('datasets', { filter: { where: { size: { between: [100, 300] } } } })),
      ).toEqual(names('xas_1', 'xas_2'));
      expect(
        pidsOf(
          await list('datasets', { filter: { where: { pid: { inq: [w.pids.xas_1, w.pids.emb_scan] } } } }),
        ),
      ).toEqual(names('xas_1'));
      expect(
        pidsOf(
          await list('datasets', {
            filter: { where: { pid: { nin: [w.pids.xas_1, w.pids.xas_2] }, title: { neq: 'pub_scan' } } },
          }),
        ),
      ).toEqual(names('hax_1'));
      expect(
        pidsOf(
          await list('datasets', {
            filter: { where: { or: [{ title: 'Oxide interface survey' }, { size: { lt: 60 } }] } },
          }),
        ),
      ).toEqual(names('hax_1'));
    });

    it('filters documents by type, dates and keywords', async () => {
      expect(
        pidsOf(
          await list('documents', {
            filter: { where: { type: 'proposal', startDate: { lt: '2019-12-31' } } },
          }),
        ),
      ).toEqual(['10.5072/fb.xas']);
      expect(
        pidsOf(await list('documents', { filter: { where: { keywords: 'x-ray absorption' } } })),
      ).toEqual(['10.5072/fb.xas']);
      expect(
        (await list('documents', { filter: { where: { keywords: { ilike: '%photoelectron%' } } } })).map(
          (d) => d.pid,
        ),
      ).toEqual(['HAX']);
    });

    it('outputs and orders documents by their keywords, with or without a text query', async () => {
      // Arrays sort element by element, a prefix first (keywords are plain ASCII here).
      const byKeywords = (x: Json, y: Json) => {
        const [a, b] = [x.keywords as string[], y.keywords as string[]];
        for (let i = 0; i < Math.min(a.length, b.length); i++)
          if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
        return a.length - b.length;
      };
      for (const query of [undefined, 'x-ray']) {
        const asc = await list('documents', {
          ...(query ? { query } : {}),
          filter: { order: 'keywords ASC', fields: ['pid', 'keywords'] },
        });
        const desc = await list('documents', {
          ...(query ? { query } : {}),
          filter: { order: 'keywords DESC', fields: ['pid', 'keywords'] },
        });
        expect(asc.length).toBeGreaterThanOrEqual(2);
        expect(asc).toEqual([...asc].sort(byKeywords));
        expect(desc).toEqual([...asc].reverse());
        expect(asc.find((d) => d.pid === '10.5072/fb.xas')!.keywords).toEqual([
          'x-ray absorption',
          'x-ray absorption spectroscopy',
        ]);
      }
    });

    it('orders, limits, skips and selects fields', async () => {
      const all = await list('datasets', { filter: { order: 'size DESC', fields: ['pid', 'size'] } });
      expect(all.map((d) => d.size)).toEqual([500, 300, 300, 50]);
      expect(Object.keys(all[0]!).sort()).toEqual(['pid', 'size']);
      const page = await list('datasets', { filter: { order: ['size DESC', 'pid ASC'], limit: 2, skip: 1 } });
      expect(page.map((d) => d.size)).toEqual([300, 300]);
    });
  });

  describe('include', () => {
    it('returns datasets whose technique matches (reference: x-ray absorption)', async () => {
      const res = await list('datasets', {
        filter: { include: [{ relation: 'techniques', scope: { where: { name: 'x-ray absorption' } } }] },
      });
      // xas_2 is tagged "x-ray absorption spectroscopy", a PaNET descendant of "x-ray absorption".
      expect(pidsOf(res)).toEqual(names('xas_1', 'xas_2'));
      expect(res.find((d) => d.pid === w.pids.xas_1)!.techniques).toEqual([
        {
          pid: 'http://purl.org/pan-science/PaNET/PaNET01227',
          panetId: 'http://purl.org/pan-science/PaNET/PaNET01227',
          name: 'x-ray absorption',
        },
      ]);
    });

    it('expands a technique to its PaNET descendants through the equivalence hierarchy', async () => {
      const xray = {
        include: [{ relation: 'techniques', scope: { where: { name: 'x-ray probe-based techniques' } } }],
      };
      expect(pidsOf(await list('datasets', { filter: xray }))).toEqual(
        names('hax_1', 'pub_scan', 'xas_1', 'xas_2'),
      );
      const hard = {
        include: [
          {
            relation: 'techniques',
            scope: { where: { pid: 'http://purl.org/pan-science/PaNET/PaNET01013' } },
          },
        ],
      };
      expect(pidsOf(await list('datasets', { filter: hard }))).toEqual(names('hax_1'));
      const byId = {
        include: [{ relation: 'techniques', scope: { where: { pid: { inq: ['PaNET01188'] } } } }],
      };
      expect(pidsOf(await list('datasets', { filter: byId }))).toEqual(names('pub_scan'));
      const neutron = {
        include: [{ relation: 'techniques', scope: { where: { name: 'neutron probe-based techniques' } } }],
      };
      expect(await list('datasets', { filter: neutron })).toEqual([]);
    });

    it('matches parameters in the reference form (photon energy 880-990 eV)', async () => {
      const res = await list('datasets', { filter: params('photon_energy', { between: [880, 990] }, 'eV') });
      expect(pidsOf(res)).toEqual(names('xas_2'));
      expect(res[0]!.parameters).toEqual([
        { id: expect.any(String), name: 'photon_energy', value: 950, unit: 'eV' },
      ]);
    });

    it('compares values after conversion to SI: eV against keV', async () => {
      const inline = {
        include: [
          {
            relation: 'parameters',
            scope: { where: { name: 'photon_energy', value: { gt: 8000 }, unit: 'eV' } },
          },
        ],
      };
      const res = await list('datasets', { filter: inline });
      // 8.98 keV matches; 6 keV does not; the embargoed 12.4 keV never shows.
      expect(pidsOf(res)).toEqual(names('xas_1'));
      expect(res[0]!.parameters).toEqual([
        { id: expect.any(String), name: 'photon_energy', value: 8.98, unit: 'keV' },
      ]);
      expect(pidsOf(await list('datasets', { filter: params('photon_energy', 8980, 'eV') }))).toEqual(
        names('xas_1'),
      );
      expect(
        pidsOf(await list('datasets', { filter: params('photon_energy', { lte: 0.009 }, 'MeV') })),
      ).toEqual(names('hax_1', 'xas_1', 'xas_2'));
    });

    it('compares temperatures across kelvin and degrees Celsius', async () => {
      // xas_1 300 K = 26.85 °C, xas_2 25 °C, hax_1 80 K = -193.15 °C.
      expect(
        pidsOf(await list('datasets', { filter: params('temperature', { lt: 26 }, 'celsius') })),
      ).toEqual(names('hax_1', 'xas_2'));
      expect(pidsOf(await list('datasets', { filter: params('temperature', { gte: 298.15 }, 'K') }))).toEqual(
        names('xas_1', 'xas_2'),
      );
      expect(
        pidsOf(await list('datasets', { filter: params('wavelength', { between: [1000, 1100] }, 'nm') })),
      ).toEqual(names('hax_1'));
    });

    it('ANDs several parameter conditions, each matched by its own parameter', async () => {
      const both = {
        include: [
          {
            relation: 'parameters',
            scope: {
              where: {
                and: [
                  { name: 'photon_energy', value: { lt: 10 }, unit: 'keV' },
                  { name: 'temperature', value: { gt: 200 }, unit: 'K' },
                ],
              },
            },
          },
        ],
      };
      const res = await list('datasets', { filter: both });
      expect(pidsOf(res)).toEqual(names('xas_1', 'xas_2'));
      expect(res[0]!.parameters.map((p: Json) => p.name)).toEqual(['photon_energy', 'temperature']);
    });

    it('matches text parameters with or/and (reference: solid sample containing copper)', async () => {
      const where = {
        or: [
          { and: [{ name: 'sample_state' }, { value: 'solid' }] },
          { and: [{ name: 'chemical_formula' }, { value: 'Cu' }] },
        ],
      };
      const res = await list('datasets', {
        filter: { include: [{ relation: 'parameters', scope: { where } }] },
      });
      expect(pidsOf(res)).toEqual(names('xas_1'));
      expect(res[0]!.parameters.map((p: Json) => [p.name, p.value])).toEqual([
        ['chemical_formula', 'Cu'],
        ['sample_state', 'solid'],
      ]);
    });

    it('matches files by text (reference: file1)', async () => {
      const res = await list('datasets', {
        filter: { include: [{ relation: 'files', scope: { where: { text: 'file1' } } }] },
      });
      expect(pidsOf(res)).toEqual(names('xas_1'));
      expect(res[0]!.files.map((f: Json) => f.name)).toEqual(['file1.h5']);
    });

    it('applies inner-join semantics at two levels: documents → members → person', async () => {
      const filter = {
        where: { type: 'proposal' },
        include: [
          { relation: 'datasets' },
          {
            relation: 'members',
            scope: {
              where: { role: 'principal investigator' },
              include: [{ relation: 'person', scope: { where: { fullName: 'James Chadwick' } } }],
            },
          },
        ],
      };
      const res = await list('documents', { filter });
      expect(res.map((d) => d.pid)).toEqual(['10.5072/fb.xas']);
      expect(res[0]!.members).toEqual([
        {
          id: expect.any(String),
          role: 'principal investigator',
          person: { id: '0000-0002-1825-0097', fullName: 'James Chadwick', orcid: '0000-0002-1825-0097' },
        },
      ]);
      expect(pidsOf(res[0]!.datasets)).toEqual(names('xas_1', 'xas_2'));
    });

    it('applies inner-join semantics at two levels: documents → datasets → samples and techniques', async () => {
      const filter = {
        include: [
          {
            relation: 'datasets',
            scope: {
              include: [
                { relation: 'samples', scope: { where: { name: 'solid copper cylinder' } } },
                { relation: 'techniques', scope: { where: { name: 'x-ray absorption' } } },
              ],
            },
          },
        ],
      };
      const res = await list('documents', { filter });
      expect(res.map((d) => d.pid)).toEqual(['10.5072/fb.xas']);
      expect(pidsOf(res[0]!.datasets)).toEqual(names('xas_1'));
      expect(res[0]!.datasets[0].samples.map((s: Json) => s.name)).toEqual(['solid copper cylinder']);
      expect(res[0]!.datasets[0].techniques.map((s: Json) => s.name)).toEqual(['x-ray absorption']);
    });

    it('filters documents through their datasets parameters (reference: wavelength 1000-1100 nm)', async () => {
      const nested = {
        include: [
          {
            relation: 'datasets',
            scope: { include: [params('wavelength', { between: [1000, 1100] }, 'nm').include[0]] },
          },
        ],
      };
      const res = await list('documents', { filter: nested });
      expect(res.map((d) => d.pid)).toEqual(['HAX']);
      expect(res[0]!.datasets[0].parameters).toEqual([
        { id: expect.any(String), name: 'wavelength', value: 1.05, unit: 'um' },
      ]);
      const direct = await list('documents', {
        filter: params('wavelength', { between: [1000, 1100] }, 'nm'),
      });
      expect(direct.map((d) => d.pid)).toEqual(['HAX']);
      expect(direct[0]!.parameters.map((p: Json) => p.value)).toEqual([1.05]);
    });

    it('includes single relations as objects and many as arrays, with scope limit/order', async () => {
      const res = await list(`datasets`, {
        filter: {
          where: { pid: w.pids.xas_1 },
          include: [
            'instrument',
            'documents',
            { relation: 'parameters', scope: { order: 'name DESC', limit: 2 } },
          ],
        },
      });
      expect(res[0]!.instrument).toEqual({ pid: 'BL3', name: 'Spectroscopy beamline', facility: 'TF' });
      expect(res[0]!.documents.map((d: Json) => d.pid)).toEqual(['10.5072/fb.xas']);
      expect(res[0]!.parameters.map((p: Json) => p.name)).toEqual(['temperature', 'sample_state']);
    });
  });

  describe('include (acceptance details)', () => {
    it('returns documents whose datasets have a file matching text (reference: file1)', async () => {
      const res = await list('documents', {
        filter: {
          include: [
            {
              relation: 'datasets',
              scope: { include: [{ relation: 'files', scope: { where: { text: 'file1' } } }] },
            },
          ],
        },
      });
      expect(res.map((d) => d.pid)).toEqual(['10.5072/fb.xas']);
      // Only the dataset holding file1 is listed, and only that file under it.
      expect(pidsOf(res[0]!.datasets)).toEqual(names('xas_1'));
      expect(res[0]!.datasets[0].files.map((f: Json) => f.name)).toEqual(['file1.h5']);
    });

    it('lists every dataset with its techniques when the include has no scope (reference: empty scope)', async () => {
      const res = await list('datasets', { filter: { include: [{ relation: 'techniques' }] } });
      expect(pidsOf(res)).toEqual(names('hax_1', 'pub_scan', 'xas_1', 'xas_2'));
      const byPid = Object.fromEntries(res.map((d) => [d.pid, d.techniques.map((x: Json) => x.name)]));
      expect(byPid[w.pids.xas_2]).toEqual(['x-ray absorption spectroscopy']);
      expect(byPid[w.pids.pub_scan]).toEqual(['small angle x-ray scattering']);
    });

    it('drops a parent when the second level of its include finds nothing, at every level', async () => {
      // instruments → datasets → parameters: BL3 has datasets, but only hax_1 has a wavelength.
      const instruments = await list('instruments', {
        filter: {
          include: [
            {
              relation: 'datasets',
              scope: { include: [params('wavelength', { between: [1000, 1100] }, 'nm').include[0]] },
            },
          ],
        },
      });
      expect(instruments.map((i) => i.pid)).toEqual(['BL3']);
      expect(pidsOf(instruments[0]!.datasets)).toEqual(names('hax_1'));
      // The first level matches (a principal investigator), the second does not (no such person).
      const nobody = await list('documents', {
        filter: {
          include: [
            {
              relation: 'members',
              scope: {
                where: { role: 'principal investigator' },
                include: [{ relation: 'person', scope: { where: { fullName: 'Lise Meitner' } } }],
              },
            },
          ],
        },
      });
      expect(nobody).toEqual([]);
      // A second-level include without a where restricts nothing.
      const all = await list('documents', {
        filter: { include: [{ relation: 'members', scope: { include: ['person'] } }] },
      });
      expect(all.map((d) => d.pid).sort()).toEqual(['10.5072/fb.xas', 'HAX', expect.any(String)].sort());
    });

    it('ANDs parameter conditions in the reference form, each needing a parameter of its own', async () => {
      const both = (a: Json, b: Json) => ({
        include: [{ relation: 'parameters', scope: { where: { and: [{ and: a }, { and: b }] } } }],
      });
      const energy = [{ name: 'photon_energy' }, { value: { gt: 5000 } }, { unit: 'eV' }];
      const cold = [{ name: 'temperature' }, { value: { lt: -100 } }, { unit: '°C' }];
      const long = [{ name: 'wavelength' }, { value: { gt: 1 } }, { unit: 'um' }];
      expect(pidsOf(await list('datasets', { filter: both(energy, cold) }))).toEqual(names('hax_1'));
      const res = await list('datasets', { filter: both(cold, long) });
      expect(pidsOf(res)).toEqual(names('hax_1'));
      expect(res[0]!.parameters.map((p: Json) => p.name)).toEqual(['temperature', 'wavelength']);
      // xas_1 has 8.98 keV and 300 K, but not both conditions: the first alone is not enough.
      const warm = [{ name: 'temperature' }, { value: { lt: -100 } }, { unit: 'K' }];
      expect(await list('datasets', { filter: both(energy, warm) })).toEqual([]);
      // One parameter cannot satisfy two names at once: no dataset has a parameter called both.
      const inOne = {
        include: [
          {
            relation: 'parameters',
            scope: { where: { and: [{ name: 'photon_energy' }, { name: 'temperature' }] } },
          },
        ],
      };
      expect(await list('datasets', { filter: inOne })).toEqual([]);
    });

    it('converts units both ways: keV against eV, °C and degC against K', async () => {
      // xas_2 is stored as 950 eV.
      expect(pidsOf(await list('datasets', { filter: params('photon_energy', { lt: 1 }, 'keV') }))).toEqual(
        names('xas_2'),
      );
      expect(pidsOf(await list('datasets', { filter: params('photon_energy', 0.95, 'keV') }))).toEqual(
        names('xas_2'),
      );
      // xas_1 is 300 K = 26.85 °C; xas_2 25 °C = 298.15 K; hax_1 80 K.
      expect(pidsOf(await list('datasets', { filter: params('temperature', { gt: 26 }, '°C') }))).toEqual(
        names('xas_1'),
      );
      expect(pidsOf(await list('datasets', { filter: params('temperature', 25, 'degC') }))).toEqual(
        names('xas_2'),
      );
      expect(pidsOf(await list('datasets', { filter: params('temperature', 298.15, 'K') }))).toEqual(
        names('xas_2'),
      );
      expect(
        pidsOf(await list('datasets', { filter: params('temperature', { between: [-200, -150] }, '°C') })),
      ).toEqual(names('hax_1'));
      // Units of another dimension never match: an energy asked for in kelvin finds nothing.
      expect(await list('datasets', { filter: params('photon_energy', { gt: 0 }, 'K') })).toEqual([]);
    });
  });

  describe('query', () => {
    it('scores matches in (0, 1], best first, and drops non-matching items', async () => {
      const res = await list('datasets', { query: 'copper' });
      expect(pidsOf(res)).toEqual(names('xas_1', 'xas_2'));
      for (const d of res) (expect(d.score).toBeGreaterThan(0), expect(d.score).toBeLessThanOrEqual(1));
      expect(res[0]!.score).toBe(1);
      const two = await list('datasets', { query: 'oxide survey copper' });
      expect(two.map((d) => d.score)).toEqual([...two.map((d) => d.score)].sort((a, b) => b - a));
      expect(two[0]!.pid).toBe(w.pids.hax_1); // two of three words
    });

    it('paginates after scoring', async () => {
      const all = await list('datasets', { query: 'scan x-ray copper' });
      expect(all.length).toBeGreaterThanOrEqual(3);
      const second = await list('datasets', { query: 'scan x-ray copper', filter: { limit: 1, skip: 1 } });
      expect(second).toEqual([all[1]]);
      const count = await t.app.inject({
        method: 'GET',
        url: panoscUrl('datasets/count', { query: 'scan x-ray copper' }),
      });
      expect(count.json()).toEqual({ count: all.length });
    });

    it('scores over all matches before paging: pages put together give the full list, scores unchanged', async () => {
      const q = 'copper oxide survey x-ray';
      const all = await list('datasets', { query: q });
      expect(all.length).toBeGreaterThanOrEqual(3);
      // Ordered by score, not by pid; the best match scores exactly 1.
      expect(all.map((d) => d.score)).toEqual([...all.map((d) => d.score)].sort((a, b) => b - a));
      expect(all[0]!.score).toBe(1);
      const pages: Json[] = [];
      for (let skip = 0; skip < all.length + 1; skip += 2)
        pages.push(...(await list('datasets', { query: q, filter: { limit: 2, skip } })));
      expect(pages).toEqual(all);
    });

    it('drops items that match the filter but not the query, and combines query with includes', async () => {
      const filter = {
        include: [{ relation: 'techniques', scope: { where: { name: 'x-ray probe-based techniques' } } }],
      };
      const res = await list('datasets', { query: 'copper', filter });
      expect(pidsOf(res)).toEqual(names('xas_1', 'xas_2'));
      for (const d of res) (expect(d.score).toBeGreaterThan(0), expect(d.score).toBeLessThanOrEqual(1));
      const count = await t.app.inject({
        method: 'GET',
        url: panoscUrl('datasets/count', { query: 'copper', filter }),
      });
      expect(count.json()).toEqual({ count: 2 });
      expect(await list('datasets', { query: 'zeolite', filter })).toEqual([]);
      expect(await list('documents', { query: 'zeolite' })).toEqual([]);
      expect(await list('instruments', { query: 'zeolite' })).toEqual([]);
    });

    it('lets order override the score order, and scores documents and instruments', async () => {
      const byTitle = await list('datasets', { query: 'copper', filter: { order: 'title DESC' } });
      expect(byTitle.map((d) => d.title)).toEqual(['Copper L-edge scan', 'Copper K-edge scan']);
      const docs = await list('documents', { query: 'photoelectron' });
      expect(docs.map((d) => [d.pid, d.score])).toEqual([['HAX', 1]]);
      expect((await list('instruments', { query: 'spectroscopy' })).map((i) => i.pid)).toEqual(['BL3']);
      expect(await list('datasets', { query: 'the of' })).toEqual([]);
    });
  });
});
