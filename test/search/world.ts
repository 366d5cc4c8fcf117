import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import { importCatalogue } from '../../src/catalogue/import/run.ts';
import { seedWorld } from '../helpers/world.ts';

/**
 * seedWorld (embargoed EMB with photon_energy 12.4 keV, public PUB with SAXS) plus public sessions
 * made for search: x-ray absorption on copper (XAS, with a DOI) and hard x-ray photoelectron
 * spectroscopy (HAX), with parameters in mixed units (keV/eV, K/°C, nm/µm) and named people.
 */
export async function seedSearchWorld(db: Db) {
  const world = await seedWorld(db);
  await importCatalogue(
    db,
    {
      facility: { name: 'TF', fullName: 'Test Facility' },
      instruments: [{ id: 'BL3', name: 'Spectroscopy beamline', techniques: ['PaNET01227'] }],
      users: [
        {
          username: 'chad',
          fullName: 'James Chadwick',
          affiliation: 'Cavendish Laboratory',
          orcid: '0000-0002-1825-0097',
        },
        { username: 'marie', fullName: 'Marie Curie', affiliation: 'Institut du Radium' },
      ],
      proposals: [
        {
          id: 'P-XAS',
          title: 'Copper oxidation studied by x-ray absorption',
          summary: 'XANES of copper catalysts under reaction conditions',
          sessions: [
            {
              id: 'XAS',
              instrument: 'BL3',
              start: '2019-03-01T00:00:00Z',
              end: '2019-03-04T00:00:00Z',
              members: [
                { username: 'chad', role: 'principal_investigator' },
                { username: 'marie', role: 'collaborator' },
              ],
              samples: [{ id: 'S-CU', name: 'solid copper cylinder' }],
              datasets: [
                {
                  name: 'xas_1',
                  title: 'Copper K-edge scan',
                  sample: 'S-CU',
                  techniques: ['PaNET01227'],
                  parameters: [
                    { name: 'photon_energy', value: 8.98, unit: 'keV' },
                    { name: 'temperature', value: 300, unit: 'K' },
                    { name: 'sample_state', value: 'solid' },
                    { name: 'chemical_formula', value: 'Cu' },
                  ],
                  files: [
                    { path: 'xas/file1.h5', size: 100 },
                    { path: 'xas/file2.h5', size: 200 },
                  ],
                },
                {
                  name: 'xas_2',
                  title: 'Copper L-edge scan',
                  techniques: ['PaNET01196'],
                  parameters: [
                    { name: 'photon_energy', value: 950, unit: 'eV' },
                    { name: 'temperature', value: 25, unit: '°C' },
                  ],
                  files: [{ path: 'xas/file3.h5', size: 300 }],
                },
              ],
            },
          ],
        },
        {
          id: 'P-HAX',
          title: 'Hard x-ray photoelectron spectroscopy of oxides',
          summary: 'Buried interfaces in oxide heterostructures',
          sessions: [
            {
              id: 'HAX',
              instrument: 'BL3',
              start: '2020-06-01T00:00:00Z',
              end: '2020-06-03T00:00:00Z',
              members: [{ username: 'marie', role: 'principal_investigator' }],
              datasets: [
                {
                  name: 'hax_1',
                  title: 'Oxide interface survey',
                  techniques: ['PaNET01103'],
                  parameters: [
                    { name: 'photon_energy', value: 6, unit: 'keV' },
                    { name: 'temperature', value: 80, unit: 'K' },
                    { name: 'wavelength', value: 1.05, unit: 'um' },
                  ],
                  files: [{ path: 'hax/survey.h5', size: 50 }],
                },
              ],
            },
          ],
        },
      ],
    },
    { doiPrefix: '10.5072', embargoYears: 3 },
  );
  await sql`UPDATE session SET doi = '10.5072/fb.xas' WHERE id = 'XAS'`.execute(db);
  await sql`UPDATE session SET doi = '10.5072/fb.emb' WHERE id = 'EMB'`.execute(db);
  await sql`UPDATE session SET doi = NULL WHERE id = 'HAX'`.execute(db); // a document without DOI: pid = session id
  const pids = Object.fromEntries(
    (await db.selectFrom('dataset').select(['pid', 'name']).execute()).map((d) => [d.name, d.pid]),
  ) as Record<'emb_scan' | 'pub_scan' | 'xas_1' | 'xas_2' | 'hax_1', string>;
  return { ...world, pids };
}
export type SearchWorld = Awaited<ReturnType<typeof seedSearchWorld>>;

/** `GET /panosc/api/<path>` with `filter` (object → JSON) and other query parameters. */
export function panoscUrl(path: string, params: Record<string, unknown> = {}): string {
  const qs = Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
  return `/panosc/api/${path}${qs ? `?${qs}` : ''}`;
}

/** `GET /panosc/api/<path>` through `app.inject`, expecting 200 (the body shown otherwise); its JSON. */
export async function panoscGet<T>(
  app: FastifyInstance,
  path: string,
  params: Record<string, unknown> = {},
): Promise<T> {
  const res = await app.inject({ method: 'GET', url: panoscUrl(path, params) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as T;
}
