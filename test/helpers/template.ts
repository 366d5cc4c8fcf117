import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPostgres, wrapPglite } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { syncTechniques } from '../../src/catalogue/techniques/repo.ts';

export const PG_TEMPLATE_DB = 'fairbeam_test_template';

/** Migrates a fresh PGlite once and dumps it; each test database is loaded from the dump (~10x faster). */
export async function buildPgliteTemplate(): Promise<string> {
  const file = path.join(os.tmpdir(), `fairbeam-pglite-template-${process.pid}.tar`);
  const database = wrapPglite(await PGlite.create());
  await migrateToLatest(database.db);
  await syncTechniques(database.db);
  const dump = await database.pglite!.dumpDataDir('none');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  return file;
}

/** Creates (again) a migrated template database on the PostgreSQL server of TEST_DATABASE_URL. */
export async function buildPostgresTemplate(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`UPDATE pg_database SET datistemplate = false WHERE datname = '${PG_TEMPLATE_DB}'`);
    await admin.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${PG_TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${PG_TEMPLATE_DB}`;
  const database = openPostgres(u.toString(), 2);
  await migrateToLatest(database.db);
  await syncTechniques(database.db);
  await database.close();
}
