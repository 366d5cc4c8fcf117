import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, openOwnDatabase, postgresDatabase } from '../helpers/db.ts';
import type { Database } from '../../src/db/connect.ts';
import { runSearch } from '../../src/search/panosc/service.ts';

// What runSearch guarantees whatever a search sends: on PostgreSQL every statement is read-only and
// cancelled past the timeout (settings of the search pool's connections, no transaction around
// them); on both engines PostgreSQL's complaints about a user's values become 4xx/503, not 500.
describe.each(dialects)('PaNOSC search settings (%s)', (dialect) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(dialect);
  });
  afterAll(() => database.close());

  it('answers a value PostgreSQL cannot evaluate with 400 invalid_filter', async () => {
    await expect(runSearch(database, (db) => sql`SELECT 1 / 0`.execute(db))).rejects.toMatchObject({
      code: 'invalid_filter',
      status: 400,
    });
  });

  if (dialect === 'postgres') {
    it('runs each statement read-only with the timeout, no JIT and no parallel workers', async () => {
      const settings = await runSearch(database, async (db) => {
        const { rows } = await sql<Record<string, string> & { at: Date }>`SELECT
            current_setting('transaction_read_only') AS read_only,
            current_setting('statement_timeout') AS timeout, current_setting('jit') AS jit,
            current_setting('work_mem') AS work_mem,
            current_setting('max_parallel_workers_per_gather') AS workers,
            current_setting('plan_cache_mode') AS plans, now() AS at`.execute(db);
        await sql`SELECT pg_sleep(0.01)`.execute(db);
        // A statement of its own transaction: now() moves on (inside one transaction it would not).
        const later = await sql<{ at: Date }>`SELECT now() AS at`.execute(db);
        const { at, ...rest } = rows[0]!;
        return { ...rest, own_transaction: later.rows[0]!.at.getTime() > at.getTime() };
      });
      expect(settings).toEqual({
        read_only: 'on',
        timeout: '15s',
        jit: 'off',
        work_mem: '32MB',
        workers: '0',
        plans: 'force_custom_plan',
        own_transaction: true,
      });
      // The application's own pool is untouched.
      const { rows } = await sql<{
        ro: string;
      }>`SELECT current_setting('transaction_read_only') AS ro`.execute(database.db);
      expect(rows[0]!.ro).toBe('off');
    });

    it('prepares each statement once per connection and plans it for its values', async () => {
      const prepared = await runSearch(database, async (db) => {
        for (const n of [1, 2, 3]) await sql`SELECT ${n}::int + 1 AS probe_x`.execute(db);
        const { rows } = await sql<{ n: number; calls: number }>`SELECT count(*)::int AS n,
            coalesce(sum(generic_plans + custom_plans), 0)::int AS calls
          FROM pg_prepared_statements WHERE statement LIKE '%probe_x%' AND statement NOT LIKE '%pg_prepared%'`.execute(
          db,
        );
        return rows[0];
      });
      expect(prepared).toEqual({ n: 1, calls: 3 });
    });

    it('keeps at most 100 prepared statements per connection, dropping the least recently used', async () => {
      const probe = (db: typeof database.db, name: string, i: number) =>
        sql`SELECT ${i}::int AS ${sql.raw(name)}`.execute(db);
      const left = await runSearch(database, async (db) => {
        await probe(db, 'probe_first', 0);
        for (let i = 0; i < 90; i++) await probe(db, `probe_${i}`, i);
        // Used again: the same statement, now the most recent, so it outlives the 60 next ones.
        await probe(db, 'probe_first', 1);
        for (let i = 90; i < 150; i++) await probe(db, `probe_${i}`, i);
        const { rows } = await sql<{ statement: string; calls: number }>`SELECT statement,
            (generic_plans + custom_plans)::int AS calls FROM pg_prepared_statements`.execute(db);
        return rows;
      });
      const calls = (name: string) => left.find((r) => r.statement.endsWith(` AS ${name}`))?.calls;
      expect(left.length).toBeLessThanOrEqual(100);
      expect(calls('probe_first')).toBe(2);
      expect(calls('probe_149')).toBe(1);
      expect(calls('probe_0')).toBeUndefined();
      expect(calls('probe_50')).toBeUndefined();
    });

    it('prepares a statement again when a schema change alters its result', async () => {
      await sql`CREATE TABLE probe_shape (a int)`.execute(database.db);
      await sql`INSERT INTO probe_shape VALUES (1)`.execute(database.db);
      const read = () =>
        runSearch(database, async (db) => {
          const { rows } = await sql<
            Record<string, number>
          >`SELECT * FROM probe_shape WHERE a = ${1}`.execute(db);
          return rows;
        });
      expect(await read()).toEqual([{ a: 1 }]);
      await sql`ALTER TABLE probe_shape ADD COLUMN b int DEFAULT 2`.execute(database.db);
      expect(await read()).toEqual([{ a: 1, b: 2 }]);
    });

    it('leaves the two-word function its cached generic plans whatever the session says', async () => {
      const { rows } = await sql<{ config: string[] }>`SELECT proconfig AS config FROM pg_proc
        WHERE proname = 'fairbeam_best_datasets_2'`.execute(database.db);
      expect(rows).toEqual([{ config: ['plan_cache_mode=auto'] }]);
    });

    it('keeps the settings when the database URL brings options of its own', async () => {
      const own = await postgresDatabase();
      const u = new URL(own.url);
      u.searchParams.set('options', '-c lock_timeout=1234');
      const other = openOwnDatabase({ url: u.toString(), drop: own.drop }, 2);
      try {
        const { rows } = await runSearch(other, (db) =>
          sql<Record<string, string>>`SELECT current_setting('lock_timeout') AS lock,
            current_setting('transaction_read_only') AS read_only`.execute(db),
        );
        expect(rows[0]).toEqual({ lock: '1234ms', read_only: 'on' });
      } finally {
        await other.close();
      }
    });

    it('cannot write, even when asked to', async () => {
      const write = (db: typeof database.db) =>
        sql`INSERT INTO facility (name, full_name) VALUES ('RO', 'read-only probe')`.execute(db);
      await expect(runSearch(database, write)).rejects.toMatchObject({ code: '25006' });
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM facility WHERE name = 'RO'`.execute(database.db);
      expect(rows[0]!.n).toBe(0);
    });

    it('cancels a statement past the timeout and answers 503 search_timeout', async () => {
      const started = performance.now();
      await expect(
        runSearch(database, (db) => sql`SELECT pg_sleep(5)`.execute(db), 200),
      ).rejects.toMatchObject({ code: 'search_timeout', status: 503 });
      expect(performance.now() - started).toBeLessThan(4000);
      // The connection serves the next search normally.
      const { rows } = await runSearch(database, (db) => sql<{ x: number }>`SELECT 1 AS x`.execute(db), 200);
      expect(rows).toEqual([{ x: 1 }]);
    });
  }
});
