import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect, sql, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { postgresPoolOf, type Db } from '../db/connect.ts';
import type { DB } from '../db/schema.ts';
import { copyColumns, datafileCopyRows } from './copy-binary.ts';
import { lockStatement, upsertStatement, type FileRecord } from './register.ts';

/**
 * Files per transaction. As large as one `POST /api/datasets` may send, so a request is atomic: a
 * crash loses the request in flight (the client gets no answer and sends it again), nothing else.
 */
export const MANIFEST_CHUNK = 10_000;

/**
 * What a registration does around its file list inside the same transactions: `open` (in the first
 * chunk's) finds or creates the dataset and answers its pid, `close` (in the last chunk's) e.g. writes
 * the audit entry. A request of up to MANIFEST_CHUNK files is then one transaction, one commit.
 */
export interface ManifestDataset {
  open: (tx: Db) => Promise<string>;
  close?: (tx: Db, pid: string) => Promise<void>;
}

/**
 * Registers a file list (distinct paths) into a dataset (its pid, or `ManifestDataset` to create it in
 * the same transaction); re-sending it converges, changed entries are updated (see `upsertStatement`).
 * The common case, the files of a dataset that has none yet, goes as one bulk insert: COPY FROM STDIN
 * in binary format on PostgreSQL (about a third of the server CPU of an INSERT … ON CONFLICT per row),
 * a plain unnest INSERT on PGlite (which has no COPY FROM STDIN on its wire). Otherwise the chunk
 * takes the upsert. The dataset's files are locked for the transaction (`lockDatasetFiles`, also
 * taken by the directory scan), so nothing can insert the same paths between the check and the insert.
 *
 * `bulk` is true when the whole list went in as that bulk insert (one chunk, into a dataset without
 * files): the same transaction then also set the dataset's size and file count from the list
 * (`totalsStatement`: it knows the sizes, so the rows just written are not summed again); with no
 * file carrying metadata (as from `registerDataset`) there is nothing else to summarise. Otherwise
 * the caller summarises (`summariseDataset`).
 */
export async function registerManifest(
  db: Db,
  dataset: string | ManifestDataset,
  files: FileRecord[],
): Promise<{ pid: string; bulk: boolean }> {
  const hooks = typeof dataset === 'string' ? { open: async () => dataset } : dataset;
  let pid = '';
  let bulk = files.length > 0 && files.length <= MANIFEST_CHUNK && files.every((f) => isEmpty(f.metadata));
  for (let i = 0; i === 0 || i < files.length; i += MANIFEST_CHUNK) {
    const chunk = files.slice(i, i + MANIFEST_CHUNK);
    const went = await inTransaction(db, async (tx, bulkInsert) => {
      if (i === 0) pid = await hooks.open(tx);
      const went = chunk.length > 0 && (await registerChunk(tx, pid, chunk, bulkInsert));
      if (i + MANIFEST_CHUNK >= files.length) await hooks.close?.(tx, pid);
      return went;
    });
    bulk = went && bulk;
  }
  return { pid, bulk };
}

type BulkInsert = (pid: string, files: FileRecord[]) => Promise<unknown>;

/**
 * One chunk inside the caller's transaction: under the dataset's file lock, the bulk insert (and the
 * totals from the list) when the dataset has no files yet, else the upsert. True when it was the bulk.
 */
async function registerChunk(
  tx: Db,
  pid: string,
  files: FileRecord[],
  bulkInsert: BulkInsert,
): Promise<boolean> {
  await lockStatement(pid).execute(tx);
  if ((await datasetHasFiles(pid).execute(tx)).rows[0]!.found) {
    await upsertStatement(pid, files, undefined, false).execute(tx);
    return false;
  }
  await bulkInsert(pid, files);
  await totalsStatement(pid, files).execute(tx);
  return true;
}

/**
 * A transaction whose bulk insert is COPY on PostgreSQL: on one pooled client, seen by Kysely as a
 * pool of that client alone (Kysely cannot send COPY), so that the statements of `fn` and the COPY
 * share the transaction. On PGlite a plain Kysely transaction with the unnest INSERT.
 */
async function inTransaction<T>(db: Db, fn: (tx: Db, bulkInsert: BulkInsert) => Promise<T>): Promise<T> {
  const pool = postgresPoolOf(db);
  if (!pool)
    return db.transaction().execute((tx) => fn(tx, (pid, files) => insertStatement(pid, files).execute(tx)));
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await onClient(client)
      .transaction()
      .execute((tx) => fn(tx, (pid, files) => copyInto(client, pid, files)));
  } catch (e) {
    // Kysely has rolled back; a connection that cannot even do that again is dropped, not pooled
    await client.query('ROLLBACK').catch((r: Error) => (broken = r));
    throw e;
  } finally {
    client.release(broken);
  }
}

const clientDbs = new WeakMap<pg.PoolClient, Db>();

/** A Kysely handle whose only connection is `client` (kept per client: the pool reuses clients). */
function onClient(client: pg.PoolClient): Db {
  let db = clientDbs.get(client);
  if (!db) {
    const only = {
      query: (text: string, values: unknown[]) => client.query(text, values),
      release: () => {},
    } as unknown as PostgresPoolClient; // no cursors: nothing here streams a query's rows
    const pool = { connect: async () => only, end: async () => {} };
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    clientDbs.set(client, db);
  }
  return db;
}

/**
 * COPY … FROM STDIN (FORMAT binary). Each piece goes to the socket as soon as it is made (the async
 * source is pumped one piece per write), so the server parses one piece while the next is encoded.
 */
async function copyInto(client: pg.PoolClient, pid: string, files: FileRecord[]): Promise<void> {
  const withMetadata = files.some((f) => !isEmpty(f.metadata));
  const copy = client.query(
    copyFrom(`COPY datafile (${copyColumns(withMetadata)}) FROM STDIN (FORMAT binary)`),
  );
  await pipeline(async function* () {
    yield* datafileCopyRows(pid, files, withMetadata);
  }, copy);
}

const datasetHasFiles = (pid: string) =>
  sql<{ found: boolean }>`SELECT EXISTS (SELECT 1 FROM datafile WHERE dataset_pid = ${pid}) AS found`;

/**
 * The dataset's size and file count when `files` are all its files (just bulk-inserted under the lock
 * into a dataset that had none): from the list, as `refreshDatasetTotals` would count them.
 */
const totalsStatement = (pid: string, files: FileRecord[]) => {
  let size = 0;
  for (const f of files) size += f.size;
  return sql`UPDATE dataset SET size = ${size}, file_count = ${files.length} WHERE pid = ${pid}`;
};

const insertStatement = (pid: string, files: FileRecord[]) => sql`
  INSERT INTO datafile (dataset_pid, path, size, sha256, mtime, metadata)
  SELECT ${pid}, f.path, f.size, f.sha256, f.mtime, f.metadata
  FROM unnest(${files.map((f) => f.path)}::text[], ${files.map((f) => f.size)}::bigint[],
              ${files.map((f) => f.sha256)}::text[], ${files.map((f) => f.mtime?.toISOString() ?? null)}::timestamptz[],
              ${files.map((f) => JSON.stringify(f.metadata))}::jsonb[])
    AS f(path, size, sha256, mtime, metadata)`;

const isEmpty = (o: object) => {
  for (const _ in o) return false;
  return true;
};
