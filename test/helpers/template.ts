import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPostgres, wrapPglite } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { syncTechniques } from '../../src/catalogue/techniques/repo.ts';

/**
 * Each test run migrates a template database of its own, named after its process, so that runs at
 * the same time on one server (several checkouts, a CI clone beside a developer's run) never drop
 * or migrate the template another run is cloning from.
 */
const TEMPLATE_PREFIX = 'fairbeam_tpl_';
export const postgresTemplateName = (pid = process.pid) => `${TEMPLATE_PREFIX}${pid}`;

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

/** Creates a migrated template database for this run on the server of TEST_DATABASE_URL; returns its name. */
export async function buildPostgresTemplate(url: string): Promise<string> {
  const name = postgresTemplateName();
  await withAdmin(url, async (admin) => {
    await dropStaleTemplates(admin);
    await dropTemplate(admin, name);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const database = openPostgres(databaseUrl(url, name), 2);
  await migrateToLatest(database.db);
  await syncTechniques(database.db);
  await database.close();
  return name;
}

/** `url` with its database replaced by `name`. */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops this run's template (at the end of the run). */
export async function dropPostgresTemplate(url: string, name: string): Promise<void> {
  await withAdmin(url, (admin) => dropTemplate(admin, name));
}

/** Runs `fn` on a client of the server of `url` (for CREATE/DROP DATABASE), closed afterwards. */
export async function withAdmin<T>(url: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

async function dropTemplate(admin: pg.Client, name: string): Promise<void> {
  await admin.query(`UPDATE pg_database SET datistemplate = false WHERE datname = $1`, [name]);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Templates left by runs that were killed: their process is gone (the server is local to the tests). */
async function dropStaleTemplates(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`${TEMPLATE_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const pid = Number(datname.slice(TEMPLATE_PREFIX.length));
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) await dropTemplate(admin, datname);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
