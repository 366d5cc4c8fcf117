import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { databaseUrl, withAdmin } from './template.ts';
import { sql } from 'kysely';
import { openPostgres, wrapPglite, type Database, type Db } from '../../src/db/connect.ts';

export type Dialect = 'pglite' | 'postgres';

/** PGlite always; a real PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const dialects: Dialect[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

let templateBlob: Blob | undefined;

/** A migrated, empty database of its own for one test file or test; close() throws it away. */
export async function freshDatabase(dialect: Dialect): Promise<Database> {
  if (dialect === 'pglite') {
    templateBlob ??= new Blob([fs.readFileSync(inject('pgliteTemplate'))]);
    return wrapPglite(await PGlite.create({ loadDataDir: templateBlob }));
  }
  return openOwnDatabase(await postgresDatabase(), 5);
}

/**
 * A PostgreSQL database of its own on TEST_DATABASE_URL's server, cloned from the migrated template
 * (`migrated: false`: empty), for code that connects by URL itself (child processes); drop() throws
 * it away.
 */
export async function postgresDatabase(
  prefix = 'fairbeam_t',
  { migrated = true } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const template = migrated ? ` TEMPLATE ${inject('postgresTemplate')}` : '';
  await withAdmin(base, (admin) => admin.query(`CREATE DATABASE ${name}${template}`));
  return {
    url: databaseUrl(base, name),
    async drop() {
      await withAdmin(base, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Opens a database made by `postgresDatabase`; close() also drops it. */
export function openOwnDatabase(own: { url: string; drop(): Promise<void> }, poolSize: number): Database {
  const database = openPostgres(own.url, poolSize);
  const close = database.close;
  database.close = async () => {
    await close();
    await own.drop();
  };
  return database;
}

/**
 * For tests that stage a race on PostgreSQL by holding a transaction open: resolves once a statement
 * of this database waits on a lock (the other side has got as far as the race needs).
 */
export async function untilWaitingOnLock(db: Db): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE wait_event_type = 'Lock' AND datname = current_database()`.execute(db);
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no statement of the test database came to wait on a lock within 10 s');
}
