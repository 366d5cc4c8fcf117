import PgBoss from 'pg-boss';
import type { Database } from '../db/connect.ts';

/**
 * pg-boss over our own pool, so the same code runs on PostgreSQL and on the embedded PGlite (whose
 * single connection the pool serialises). Jobs live in the `pgboss` schema next to the catalogue.
 */
export function createBoss(database: Database, opts: { schedule?: boolean } = {}): PgBoss {
  const boss = new PgBoss({
    db: { executeSql: (text: string, values?: unknown[]) => database.pool.query(text, values as unknown[]) },
    schema: 'pgboss',
    supervise: true,
    schedule: opts.schedule ?? true,
    migrate: true,
  } as PgBoss.ConstructorOptions);
  boss.on('error', () => {}); // surfaced through job states; a transient error must not crash serve
  return boss;
}
