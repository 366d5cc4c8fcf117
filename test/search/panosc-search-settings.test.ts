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
        const { rows } = await sql<Record<string, string>>`SELECT
            current_setting('transaction_read_only') AS read_only,
            current_setting('statement_timeout') AS timeout, current_setting('jit') AS jit,
            current_setting('work_mem') AS work_mem,
            current_setting('max_parallel_workers_per_gather') AS workers,
            now() = statement_timestamp() AS own_transaction`.execute(db);
        return rows[0];
      });
      expect(settings).toEqual({
        read_only: 'on',
        timeout: '15s',
        jit: 'off',
        work_mem: '32MB',
        workers: '0',
        own_transaction: true,
      });
      // The application's own pool is untouched.
      const { rows } = await sql<{
        ro: string;
      }>`SELECT current_setting('transaction_read_only') AS ro`.execute(database.db);
      expect(rows[0]!.ro).toBe('off');
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
