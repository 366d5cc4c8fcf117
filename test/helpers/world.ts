import type { Db } from '../../src/db/connect.ts';
import { importCatalogue } from '../../src/catalogue/import/run.ts';
import { upsertLocalUser } from '../../src/auth/users.ts';
import { createApiKey } from '../../src/auth/api-keys.ts';

export const PASSWORD = 'correct horse battery';
export const NOW = new Date('2026-06-01T00:00:00Z');

/**
 * A small catalogue for policy tests, at NOW = 2026-06-01:
 * - EMB (proposal P-EMB on BL1): ended 2026-01-05, embargoed until 2029; members ada (PI), bob.
 * - PUB (proposal P-PUB on BL2): ended 2020-01-05, public since 2023; member ada.
 * Users: ada, bob (members), eve (no membership), sam (staff), dora (data_manager), root (admin).
 * API keys: bl1Key for BL1 (EMB's instrument), bl2Key for BL2.
 */
export async function seedWorld(db: Db) {
  await importCatalogue(
    db,
    {
      facility: { name: 'TF', fullName: 'Test Facility' },
      instruments: [
        { id: 'BL1', name: 'Beamline 1', techniques: ['PaNET01164'] },
        { id: 'BL2', name: 'Beamline 2', techniques: ['PaNET01188'] },
      ],
      users: ['ada', 'bob', 'eve', 'sam', 'dora', 'root'].map((username) => ({
        username,
        fullName: username.toUpperCase(),
      })),
      proposals: [
        {
          id: 'P-EMB',
          title: 'Embargoed lysozyme study',
          summary: 'secret',
          members: [{ username: 'ada', role: 'principal_investigator' }],
          sessions: [
            {
              id: 'EMB',
              instrument: 'BL1',
              start: '2026-01-01T00:00:00Z',
              end: '2026-01-05T00:00:00Z',
              members: [
                { username: 'ada', role: 'principal_investigator' },
                { username: 'bob', role: 'collaborator' },
              ],
              samples: [{ id: 'S1', name: 'secret sample' }],
              datasets: [
                {
                  name: 'emb_scan',
                  sample: 'S1',
                  techniques: ['PaNET01164'],
                  parameters: [{ name: 'photon_energy', value: 12.4, unit: 'keV' }],
                  files: [{ path: 'emb/data.h5', size: 100 }],
                },
              ],
            },
          ],
        },
        {
          id: 'P-PUB',
          title: 'Public saxs study',
          summary: 'open',
          members: [{ username: 'ada', role: 'principal_investigator' }],
          sessions: [
            {
              id: 'PUB',
              instrument: 'BL2',
              start: '2020-01-01T00:00:00Z',
              end: '2020-01-05T00:00:00Z',
              members: [{ username: 'ada', role: 'principal_investigator' }],
              samples: [{ id: 'S2', name: 'open sample' }],
              datasets: [
                {
                  name: 'pub_scan',
                  sample: 'S2',
                  techniques: ['PaNET01188'],
                  parameters: [{ name: 'wavelength', value: 1, unit: 'angstrom' }],
                  files: [
                    { path: 'pub/data.h5', size: 200 },
                    { path: 'pub/more.h5', size: 300 },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
    { doiPrefix: '10.5072', embargoYears: 3 },
  );
  for (const [username, role] of [
    ['ada', null],
    ['bob', null],
    ['eve', null],
    ['sam', 'staff'],
    ['dora', 'data_manager'],
    ['root', 'admin'],
  ] as const) {
    await upsertLocalUser(db, { username, password: PASSWORD, role });
  }
  const bl1Key = (await createApiKey(db, 'bl1-software', 'BL1')).key;
  const bl2Key = (await createApiKey(db, 'bl2-software', 'BL2')).key;
  const pids = Object.fromEntries(
    (await db.selectFrom('dataset').select(['pid', 'session_id']).execute()).map((d) => [
      d.session_id,
      d.pid,
    ]),
  ) as Record<'EMB' | 'PUB', string>;
  const files = Object.fromEntries(
    (await db.selectFrom('datafile').select(['id', 'path']).execute()).map((f) => [f.path, f.id]),
  ) as Record<string, number>;
  const samples = Object.fromEntries(
    (await db.selectFrom('sample').select(['id', 'session_id']).execute()).map((s) => [s.session_id, s.id]),
  ) as Record<'EMB' | 'PUB', number>;
  return { bl1Key, bl2Key, pids, files, samples };
}
export type World = Awaited<ReturnType<typeof seedWorld>>;
