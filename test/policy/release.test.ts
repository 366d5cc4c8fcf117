import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld, type World } from '../helpers/world.ts';
import { auditOf, EMB_DOI, EMB_RELEASE, getJson, PUB_DOI, releasePassAt } from './helpers.ts';

describe.each(dialects)('embargo release job (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  beforeEach(async () => {
    t = await startTestApp(dialect);
    w = await seedWorld(t.services.database.db);
  });
  afterEach(() => t.close());

  const anonymousSees = async () => {
    const sessions = await getJson(t, '/api/sessions?count=true');
    const datasets = await getJson(t, '/api/datasets?count=true');
    const one = await getJson(t, '/api/sessions/EMB');
    const dataset = await getJson(t, `/api/datasets/${encodeURIComponent(w.pids.EMB)}`);
    return {
      sessions: sessions.body.items!.map((s) => s.id),
      sessionTotal: sessions.body.total,
      datasetTotal: datasets.body.total,
      sessionStatus: one.status,
      datasetStatus: dataset.status,
    };
  };

  it('gives ended sessions a DOI at import: <prefix>/<facility>.<session id>', async () => {
    const rows = await t.services.database.db
      .selectFrom('session')
      .select(['id', 'doi'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { id: 'EMB', doi: EMB_DOI },
      { id: 'PUB', doi: PUB_DOI },
    ]);
    const ada = await t.login('ada');
    expect((await getJson(t, '/api/sessions/EMB', ada)).body.doi).toBe(EMB_DOI);
  });

  it('keeps an embargoed session hidden from anonymous users until its release date, then opens it', async () => {
    await releasePassAt(t, '2029-01-04T23:59:59Z');
    expect(await anonymousSees()).toEqual({
      sessions: ['PUB'],
      sessionTotal: 1,
      datasetTotal: 1,
      sessionStatus: 404,
      datasetStatus: 404,
    });

    t.clock.set(EMB_RELEASE); // public by the SQL predicate already, before any job runs
    expect(await anonymousSees()).toEqual({
      sessions: ['EMB', 'PUB'],
      sessionTotal: 2,
      datasetTotal: 2,
      sessionStatus: 200,
      datasetStatus: 200,
    });

    const run = await releasePassAt(t, '2029-01-05T00:10:00Z');
    expect(run.released).toEqual(['EMB']);
    const emb = (await getJson(t, '/api/sessions/EMB')).body;
    expect(emb).toMatchObject({
      isPublic: true,
      releasedAt: '2029-01-05T00:10:00.000Z',
      license: 'CC-BY-4.0',
    });
  });

  it('releases, publishes the DOI and audits once, however often it runs', async () => {
    const db = t.services.database.db;
    const first = await releasePassAt(t, '2026-06-01T00:00:00Z');
    // PUB was public at import (past release date): released and published; EMB gets its draft.
    expect(first.released).toEqual(['PUB']);
    expect(first.dois.registered).toEqual([
      { doi: EMB_DOI, state: 'draft' },
      { doi: PUB_DOI, state: 'findable' },
    ]);
    expect(await db.selectFrom('local_doi').select(['doi', 'state']).orderBy('doi').execute()).toEqual([
      { doi: EMB_DOI, state: 'draft' },
      { doi: PUB_DOI, state: 'findable' },
    ]);

    const release = await releasePassAt(t, '2029-01-05T00:15:00Z');
    expect(release.released).toEqual(['EMB']);
    expect(release.dois).toEqual({ registered: [{ doi: EMB_DOI, state: 'findable' }], failed: [] });
    const local = await db
      .selectFrom('local_doi')
      .selectAll()
      .where('doi', '=', EMB_DOI)
      .executeTakeFirstOrThrow();
    expect(local).toMatchObject({ state: 'findable', url: `${t.services.config.baseUrl}/doi/${EMB_DOI}` });

    const again = await releasePassAt(t, '2029-01-05T00:30:00Z');
    expect(again).toEqual({ released: [], draftDois: [], dois: { registered: [], failed: [] } });
    expect(await auditOf(t, 'session.release', 'EMB')).toHaveLength(1);
    expect((await auditOf(t, 'doi.publish', 'EMB')).map((a) => a.details)).toEqual([
      { doi: EMB_DOI, registrar: 'local', from: 'draft', to: 'findable' },
    ]);
    expect(await auditOf(t, 'doi.draft', 'EMB')).toHaveLength(1);
  });

  it('gives a session its draft DOI only once it has ended', async () => {
    const db = t.services.database.db;
    await db
      .insertInto('session')
      .values({
        id: 'Late Run/1',
        proposal_id: 'P-EMB',
        instrument_id: 'BL1',
        start_at: '2026-07-01T00:00:00Z',
        end_at: '2026-07-03T00:00:00Z',
        release_date: '2029-07-03T00:00:00Z',
      })
      .execute();
    expect((await releasePassAt(t, '2026-07-02T00:00:00Z')).draftDois).toEqual([]);
    expect((await releasePassAt(t, '2026-07-03T00:00:00Z')).draftDois).toEqual(['10.5072/tf.late-run-1']);
    expect(
      await db
        .selectFrom('doi_registration')
        .select(['target_state', 'registered_state'])
        .where('session_id', '=', 'Late Run/1')
        .executeTakeFirstOrThrow(),
    ).toEqual({
      target_state: 'draft',
      registered_state: 'draft',
    });
  });

  it('gives sessions whose ids sanitise alike distinct, stable DOIs', async () => {
    const db = t.services.database.db;
    for (const id of ['X y', 'x-Y']) {
      await db
        .insertInto('session')
        .values({
          id,
          proposal_id: 'P-EMB',
          instrument_id: 'BL1',
          start_at: '2026-02-01T00:00:00Z',
          end_at: '2026-02-02T00:00:00Z',
          release_date: '2029-02-02T00:00:00Z',
        })
        .execute();
    }
    const dois = (await releasePassAt(t, '2026-06-02T00:00:00Z')).draftDois;
    expect(dois).toHaveLength(2);
    expect(new Set(dois).size).toBe(2);
    expect(dois[0]).toBe('10.5072/tf.x-y');
    expect(dois[1]).toMatch(/^10\.5072\/tf\.x-y\.[0-9a-f]{8}$/);
    expect((await releasePassAt(t, '2026-06-03T00:00:00Z')).draftDois).toEqual([]);
  });
});
