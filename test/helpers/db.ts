import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { openPostgres, wrapPglite, type Database } from '../../src/db/connect.ts';

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
  const { url, drop } = await postgresDatabase();
  const database = openPostgres(url, 5);
  const close = database.close;
  database.close = async () => {
    await close();
    await drop();
  };
  return database;
}

/**
 * A PostgreSQL database of its own on TEST_DATABASE_URL's server, cloned from the migrated template,
 * for code that connects by URL itself (child processes); drop() throws it away.
 */
export async function postgresDatabase(
  prefix = 'fairbeam_t',
): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
