import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld } from '../helpers/world.ts';
import { importCatalogue } from '../../src/catalogue/import/run.ts';
import { getJson, releasePassAt } from './helpers.ts';

/** EMB as the user office exports it: no release date, so the default (end + 3 years) applies. */
const userOfficeExport = {
  proposals: [
    {
      id: 'P-EMB',
      title: 'Embargoed lysozyme study',
      sessions: [
        {
          id: 'EMB',
          instrument: 'BL1',
          start: '2026-01-01T00:00:00Z',
          end: '2026-01-05T00:00:00Z',
          members: [{ username: 'ada', role: 'principal_investigator' }],
        },
      ],
    },
  ],
};

describe.each(dialects)('re-importing the user office export (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('keeps an approved embargo extension: the session stays closed until the new date', async () => {
    t.clock.set(NOW);
    const [ada, dora] = [await t.login('ada'), await t.login('dora')];
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/sessions/EMB/policy-requests',
      headers: { cookie: ada },
      payload: { kind: 'extension', releaseDate: '2030-01-05T00:00:00Z', reason: 'patent pending' },
    });
    expect(asked.statusCode).toBe(201);
    const approved = await t.app.inject({
      method: 'POST',
      url: `/api/policy-requests/${asked.json().id}/approve`,
      headers: { cookie: dora },
    });
    expect(approved.statusCode).toBe(200);

    // The nightly import runs again with the export, which knows nothing of the extension.
    await importCatalogue(t.services.database.db, userOfficeExport, {
      doiPrefix: '10.5072',
      embargoYears: 3,
      now: NOW,
    });
    const session = await t.services.database.db
      .selectFrom('session')
      .select('release_date')
      .where('id', '=', 'EMB')
      .executeTakeFirstOrThrow();
    expect(session.release_date.toISOString()).toBe('2030-01-05T00:00:00.000Z');
    // After the old release date but before the extended one: still embargoed, through the job too.
    const pass = await releasePassAt(t, '2029-06-01T00:00:00Z');
    expect(pass.released).not.toContain('EMB');
    expect((await getJson(t, '/api/sessions/EMB')).status).toBe(404);
  });
});
