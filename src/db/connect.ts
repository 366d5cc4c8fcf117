import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './schema.ts';
import { PreparingClient } from './prepared-client.ts';

export type Db = Kysely<DB>;

/** An open database: the Kysely handle plus what closes it. `pool` is a pg.Pool in both modes. */
export interface Database {
  db: Db;
  pool: pg.Pool;
  kind: 'pglite' | 'postgres';
  /** The embedded engine itself, in pglite mode (tests dump it to make templates). */
  pglite?: PGlite;
  /**
   * PostgreSQL only: a handle on a pool of its own whose connections start with these settings as
   * their session defaults (sent at connect time, so no statement sets them), and send their
   * parameterised statements as prepared statements of the connection (PreparingClient). One pool per
   * distinct settings, opened on first use and closed with the database.
   */
  withSettings?(settings: Readonly<Record<string, string>>): Db;
  close(): Promise<void>;
}

/** Runs `fn` in the caller's transaction when `db` is one, else in a transaction of its own. */
export const inTransaction = <T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> =>
  db.isTransaction ? fn(db) : db.transaction().execute(fn);

/** Whether a statement failed on a unique constraint (SQLSTATE 23505), from pg or PGlite. */
export const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505';

// Parse int8 and numeric as JS numbers: our counts and byte sizes stay below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

const postgresPools = new WeakMap<Db, pg.Pool>();

/**
 * The pg pool behind a handle opened by `openPostgres`, for what Kysely cannot send (COPY FROM STDIN);
 * undefined on PGlite and for transaction handles.
 */
export const postgresPoolOf = (db: Db): pg.Pool | undefined => postgresPools.get(db);

export function openPostgres(url: string, max = 10): Database {
  const open = (options?: string, Client?: typeof pg.Client) => {
    // The `options` go into the URL, after any it already has: pg lets the URL's parameters win over
    // the config's, so an `options` in DATABASE_URL would otherwise drop the settings silently.
    let connectionString = url;
    if (options) {
      const u = new URL(url);
      u.searchParams.set('options', [u.searchParams.get('options'), options].filter(Boolean).join(' '));
      connectionString = u.toString();
    }
    const pool = new pg.Pool({ connectionString, max, ...(Client ? { Client } : {}) });
    pool.on('error', () => {}); // idle-client errors are reported on the next query instead of crashing
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    postgresPools.set(db, pool);
    return { db, pool };
  };
  const { db, pool } = open();
  const configured = new Map<string, Db>();
  return {
    db,
    pool,
    kind: 'postgres',
    withSettings(settings) {
      // The libpq `options` startup parameter: `-c name=value` each (our values hold no spaces).
      const options = Object.entries(settings)
        .map(([k, v]) => `-c ${k}=${v}`)
        .join(' ');
      let handle = configured.get(options);
      if (!handle) configured.set(options, (handle = open(options, PreparingClient).db));
      return handle;
    },
    close: async () => {
      await Promise.all([...configured.values()].map((d) => d.destroy()));
      await db.destroy();
    },
  };
}

/** Wraps an already created PGlite instance (tests clone one from a migrated template). */
export function wrapPglite(lite: PGlite): Database {
  const pool = new pg.Pool(createPgConfig(lite) as pg.PoolConfig);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    kind: 'pglite',
    pglite: lite,
    close: async () => {
      await db.destroy();
      await lite.close();
    },
  };
}

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const lite = await PGlite.create(dataDir ? { dataDir } : {});
  return wrapPglite(lite);
}
