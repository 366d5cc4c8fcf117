import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapPglite, type Database, type Db } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { dialects, openOwnDatabase, postgresDatabase, type Dialect } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

/** The counts as the API returns them, computed from the events themselves. */
async function recount(db: Db, logbookId: string) {
  const r = await sql<Record<string, string | number>>`SELECT
      count(*) FILTER (WHERE deleted_at IS NULL) AS events,
      count(*) FILTER (WHERE deleted_at IS NULL AND kind = 'annotation') AS annotation,
      count(*) FILTER (WHERE deleted_at IS NULL AND kind = 'notification') AS notification,
      count(*) FILTER (WHERE deleted_at IS NULL AND kind = 'broadcast') AS broadcast,
      count(*) FILTER (WHERE deleted_at IS NULL AND parent_id IS NOT NULL) AS comments,
      count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted
    FROM logbook_event WHERE logbook_id = ${logbookId}`.execute(db);
  return Object.fromEntries(Object.entries(r.rows[0]!).map(([k, v]) => [k, Number(v)]));
}

describe.each(dialects)('logbook counts on %s', (dialect) => {
  let t: LogbookTestApp;
  let emb: string;
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    emb = await t.logbookOf('EMB');
  });
  afterAll(() => t.close());

  const counts = async (id: string) =>
    (await t.app.inject({ url: `/api/logbooks/${id}`, headers: { cookie: t.cookies.sam } })).json().counts;

  it('keeps the counts of posts, retries, comments and deletes equal to the events', async () => {
    const key = t.bearer(t.world.bl1Key);
    const first = (await t.post(emb, note('valve opened'), key)).json();
    const keyed = { ...key, 'idempotency-key': randomUUID() };
    await t.post(emb, note('valve closed'), keyed);
    await t.post(emb, note('valve closed'), keyed); // a retry: stored once
    const clientId = randomUUID();
    await t.post(emb, note('pump on', { clientId }), key);
    await t.post(emb, note('pump on', { clientId }), key); // a retry by clientId
    const batch = await t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${emb}/events:batch`,
      payload: { events: [note('a'), note('b'), note('c')] },
      headers: key,
    });
    expect(batch.statusCode).toBe(201);
    const mine = (await t.post(emb, note('sample looks fine'), { cookie: t.cookies.ada })).json();
    const reply = (
      await t.post(
        emb,
        { parentId: first.id, content: { format: 'plainText', text: 'why?' } },
        { cookie: t.cookies.bob },
      )
    ).json();
    expect(await counts(emb)).toEqual({
      events: 8,
      annotation: 2,
      notification: 6,
      broadcast: 0,
      comments: 1,
      deleted: 0,
    });
    for (const [e, cookie] of [
      [mine, t.cookies.ada],
      [reply, t.cookies.bob],
    ] as const) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/events/${e.id}`,
        headers: { cookie, 'if-match': `"${e.revision}"` },
      });
      expect(res.statusCode).toBe(200);
    }
    const after = await counts(emb);
    expect(after).toEqual({
      events: 6,
      annotation: 0,
      notification: 6,
      broadcast: 0,
      comments: 0,
      deleted: 2,
    });
    expect(after).toEqual(await recount(t.services.database.db, emb));
  });

  it('counts broadcasts in the facility logbook', async () => {
    const res = await t.app.inject({ url: '/api/facilities/TF/logbook', headers: { cookie: t.cookies.sam } });
    const facility = res.json().id as string;
    expect((await t.post(facility, note('beam down at 14:00'), { cookie: t.cookies.sam })).statusCode).toBe(
      201,
    );
    expect(await counts(facility)).toMatchObject({ events: 1, broadcast: 1 });
    expect(await counts(facility)).toEqual(await recount(t.services.database.db, facility));
  });
});

/** An empty database (no migrations) of its own; close() throws it away. */
async function emptyDatabase(dialect: Dialect): Promise<Database> {
  if (dialect === 'pglite') return wrapPglite(await PGlite.create());
  return openOwnDatabase(await postgresDatabase('fairbeam_counts', { migrated: false }), 2);
}

describe.each(dialects)('migration 0009 on %s', (dialect) => {
  let database: Database;
  beforeAll(async () => {
    database = await emptyDatabase(dialect);
  });
  afterAll(() => database.close());

  it('backfills the counts of logbooks that have events and adds the category index', async () => {
    const db = database.db;
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0009'));
    const { error } = await new Migrator({
      db,
      provider: { getMigrations: async () => before },
      migrationTableName: 'fairbeam_migration',
      migrationLockTableName: 'fairbeam_migration_lock',
      allowUnorderedMigrations: true,
    }).migrateToLatest();
    expect(error).toBeUndefined();
    await sql`INSERT INTO facility VALUES ('F', 'Facility')`.execute(db);
    await sql`INSERT INTO instrument (id, name, facility) VALUES ('I', 'Instrument', 'F')`.execute(db);
    await sql`INSERT INTO proposal (id, title) VALUES ('P', 'Proposal')`.execute(db);
    await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date)
      VALUES ('S', 'P', 'I', now(), now(), now() + interval '1 year')`.execute(db);
    const full = randomUUID();
    const empty = randomUUID();
    await sql`INSERT INTO logbook (id, scope, session_id, last_seq) VALUES (${full}, 'session', 'S', 30)`.execute(
      db,
    );
    await sql`INSERT INTO logbook (id, scope, facility) VALUES (${empty}, 'facility', 'F')`.execute(db);
    // 30 events: every 3rd an annotation, every 5th a comment on the first, every 10th deleted.
    await sql`INSERT INTO logbook_event (id, logbook_id, seq, kind, category, source, occurred_at, received_at,
        parent_id, content_format, content_text, content_html, plain_text, deleted_at)
      SELECT gen_random_uuid(), ${full}::uuid, i, CASE WHEN i % 3 = 0 THEN 'annotation' ELSE 'notification' END,
        'info', 'x', now(), now(), NULL, 'plainText', 'e' || i, '<p>e</p>', 'e',
        CASE WHEN i % 10 = 0 THEN now() END
      FROM generate_series(1, 30) i`.execute(db);
    await sql`UPDATE logbook_event e SET parent_id = (SELECT id FROM logbook_event WHERE seq = 1)
      WHERE seq % 5 = 0`.execute(db);
    await migrateToLatest(db);
    const rows = await db
      .selectFrom('logbook')
      .select([
        'id',
        'live_events',
        'live_annotations',
        'live_notifications',
        'live_broadcasts',
        'live_comments',
        'deleted_events',
      ])
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    // live: 27 (10, 20, 30 deleted); annotations 3,6,...,27 without 30: 9; comments 5,15,25.
    expect(byId.get(full)).toMatchObject({
      live_events: 27,
      live_annotations: 9,
      live_notifications: 18,
      live_broadcasts: 0,
      live_comments: 3,
      deleted_events: 3,
    });
    expect(byId.get(empty)).toMatchObject({ live_events: 0, deleted_events: 0 });
    const index = await sql`SELECT 1 FROM pg_indexes WHERE indexname = 'logbook_event_category_idx'`.execute(
      db,
    );
    expect(index.rows).toHaveLength(1);
  });
});
