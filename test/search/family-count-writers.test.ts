import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type Dialect } from '../helpers/db.ts';
import { mulberry32 } from '../helpers/random.ts';
import { seedWorld } from '../helpers/world.ts';
import type { Database } from '../../src/db/connect.ts';

// The per-(technique, session) counts behind PaNOSC's technique counts (migrations 0012, 0014) are
// rows shared by every dataset of a session: writers into one session must neither deadlock nor
// hold each other up for a whole registration, and the counts must stay exact.
const FAMILIES = ['PaNET01188', 'PaNET01162', 'PaNET01280', 'PaNET01227', 'PaNET01196', 'PaNET01164'];

describe.each(dialects)(
  'technique family counts under concurrent dataset writers (%s)',
  (dialect: Dialect) => {
    let database: Database;
    const db = () => database.db;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
      await seedWorld(db());
    });
    afterAll(() => database.close());

    /** The stored counts against the same counts made from the datasets and the closure. */
    const mismatches = async () =>
      (
        await sql<{ technique_id: string; session_id: string; stored: number | null; actual: number | null }>`
        WITH actual AS (
          SELECT f.ancestor_id AS technique_id, d.session_id, count(*)::int AS n
          FROM dataset d CROSS JOIN LATERAL (SELECT DISTINCT a.ancestor_id FROM technique_ancestor a
            WHERE a.technique_id = ANY (d.techniques)) f
          GROUP BY 1, 2)
        SELECT coalesce(a.technique_id, c.technique_id) AS technique_id,
          coalesce(a.session_id, c.session_id) AS session_id, c.n AS stored, a.n AS actual
        FROM actual a FULL JOIN technique_family_count c
          ON c.technique_id = a.technique_id AND c.session_id = a.session_id
        WHERE c.n IS DISTINCT FROM a.n`.execute(db())
      ).rows;

    it('stays exact with many transactions adding, retagging, moving and deleting datasets at once', async () => {
      const rnd = mulberry32(2026);
      const techniques = () => [
        ...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => FAMILIES[Math.floor(rnd() * 6)]!)),
      ];
      const sessions = ['EMB', 'PUB'];
      // 8 writers, 15 transactions each: a new dataset, then its techniques shuffled, sometimes moved to
      // the other session, every third one deleted again.
      const writer = async (w: number) => {
        for (let i = 0; i < 15; i++) {
          const pid = `10.5072/fc.${w}.${i}`;
          const first = techniques();
          const second = techniques().reverse();
          const session = sessions[(w + i) % 2]!;
          await db()
            .transaction()
            .execute(async (tx) => {
              await sql`INSERT INTO dataset (pid, session_id, name, techniques)
              VALUES (${pid}, ${session}, ${pid}, ${first}::text[])`.execute(tx);
              await sql`UPDATE dataset SET techniques = ${second}::text[] WHERE pid = ${pid}`.execute(tx);
            });
          if (i % 4 === 1)
            await sql`UPDATE dataset SET session_id = ${sessions[(w + i + 1) % 2]!} WHERE pid = ${pid}`.execute(
              db(),
            );
          if (i % 3 === 2) await sql`DELETE FROM dataset WHERE pid = ${pid}`.execute(db());
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      const { n } = (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM dataset WHERE pid LIKE '10.5072/fc.%'`.execute(db())
      ).rows[0]!;
      expect(n).toBe(8 * 10);
      expect(await mismatches()).toEqual([]);
      const { total } = (
        await sql<{
          total: number;
        }>`SELECT coalesce(sum(n), 0)::int AS total FROM technique_family_count`.execute(db())
      ).rows[0]!;
      expect(total).toBeGreaterThan(80);
    });

    it('counts a dataset inserted and deleted with its session in one transaction not at all', async () => {
      const before = await mismatches();
      await db()
        .transaction()
        .execute(async (tx) => {
          await sql`INSERT INTO session (id, proposal_id, instrument_id, start_at, end_at, release_date)
          VALUES ('GONE', 'P-PUB', 'BL2', '2020-01-01', '2020-01-02', '2021-01-01')`.execute(tx);
          await sql`INSERT INTO dataset (pid, session_id, name, techniques)
          VALUES ('10.5072/gone', 'GONE', 'gone', '{PaNET01188}')`.execute(tx);
          await sql`DELETE FROM dataset WHERE session_id = 'GONE'`.execute(tx);
          await sql`DELETE FROM session WHERE id = 'GONE'`.execute(tx);
        });
      expect(before).toEqual([]);
      expect(await mismatches()).toEqual([]);
    });

    if (dialect === 'postgres') {
      it('lets a second writer into the same session go on while the first has not committed', async () => {
        // The first transaction stays open, as a registration copying its files would; the second,
        // with the same techniques in the other order, must not wait for it.
        const first = await database.pool.connect();
        const second = await database.pool.connect();
        try {
          await first.query('BEGIN');
          await first.query(
            `INSERT INTO dataset (pid, session_id, name, techniques) VALUES ('10.5072/w1', 'PUB', 'w1', $1)`,
            [['PaNET01188', 'PaNET01164']],
          );
          await second.query(`SET statement_timeout = '5s'`);
          await second.query(
            `INSERT INTO dataset (pid, session_id, name, techniques) VALUES ('10.5072/w2', 'PUB', 'w2', $1)`,
            [['PaNET01164', 'PaNET01188']],
          );
          await first.query('COMMIT');
        } finally {
          first.release();
          second.release();
        }
        expect(await mismatches()).toEqual([]);
      });
    }
  },
);
