import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { postgresPoolOf, type Db } from '../db/connect.ts';
import { lockStatement, upsertStatement, type FileRecord } from './register.ts';

/**
 * Files per transaction. As large as one `POST /api/datasets` may send, so a request is atomic: a
 * crash loses the request in flight (the client gets no answer and sends it again), nothing else.
 */
export const MANIFEST_CHUNK = 10_000;

/**
 * Registers a file list (distinct paths) into a dataset; re-sending it converges, changed entries are
 * updated (see `upsertStatement`). The common case, the files of a dataset that has none yet, goes as
 * one bulk insert: COPY FROM STDIN on PostgreSQL (about a third of the server CPU of an INSERT …
 * ON CONFLICT per row), a plain unnest INSERT on PGlite (which has no COPY FROM STDIN on its wire).
 * Otherwise the chunk takes the upsert. The dataset's files are locked for the transaction
 * (`lockDatasetFiles`, also taken by the directory scan), so nothing can insert the same paths
 * between the check and the insert.
 *
 * Returns true when the whole list went in as that bulk insert (one chunk, into a dataset without
 * files): the same transaction then also set the dataset's size and file count from the list
 * (`totalsStatement`: it knows the sizes, so the rows just written are not summed again); with no
 * file carrying metadata (as from `registerDataset`) there is nothing else to summarise. Otherwise
 * the caller summarises (`summariseDataset`).
 */
export async function registerManifest(db: Db, pid: string, files: FileRecord[]): Promise<boolean> {
  const pool = postgresPoolOf(db);
  let bulk = files.length > 0 && files.length <= MANIFEST_CHUNK && files.every((f) => isEmpty(f.metadata));
  for (let i = 0; i < files.length; i += MANIFEST_CHUNK) {
    const chunk = files.slice(i, i + MANIFEST_CHUNK);
    const went = pool
      ? await withPoolTransaction(db, pool, (run, client) =>
          registerChunk(run, pid, chunk, async () => {
            const copy = copyStatement(pid, chunk);
            await pipeline(Readable.from(copy.text), client.query(copyFrom(copy.sql)));
          }),
        )
      : await db.transaction().execute((tx) => {
          const run = <R>(q: RawBuilder<R>) => q.execute(tx);
          return registerChunk(run, pid, chunk, () => run(insertStatement(pid, chunk)));
        });
    bulk = went && bulk;
  }
  return bulk;
}

type Run = <R>(q: RawBuilder<R>) => Promise<{ rows: R[] }>;

/**
 * One chunk inside the caller's transaction: under the dataset's file lock, the bulk insert (and the
 * totals from the list) when the dataset has no files yet, else the upsert. True when it was the bulk.
 */
async function registerChunk(
  run: Run,
  pid: string,
  files: FileRecord[],
  bulkInsert: () => Promise<unknown>,
): Promise<boolean> {
  await run(lockStatement(pid));
  if ((await run(datasetHasFiles(pid))).rows[0]!.found) {
    await run(upsertStatement(pid, files, undefined, false));
    return false;
  }
  await bulkInsert();
  await run(totalsStatement(pid, files));
  return true;
}

/** A transaction on one pooled client of the PostgreSQL pool (Kysely cannot send COPY). */
async function withPoolTransaction<T>(
  db: Db,
  pool: pg.Pool,
  fn: (run: Run, client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const run: Run = async <R>(q: RawBuilder<R>) => {
    const c: CompiledQuery = q.compile(db);
    return (await client.query(c.sql, c.parameters as unknown[])) as unknown as { rows: R[] };
  };
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(run, client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch((r: Error) => (broken = r));
    throw e;
  } finally {
    client.release(broken);
  }
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

/**
 * COPY's text format: one line per row, tab-separated, `\N` for null, backslash escapes; made in
 * pieces of 1,000 rows so that the server parses the first while the next are written. Empty
 * metadata (every manifest entry) is left to the column default rather than parsed per row.
 */
export function copyStatement(pid: string, files: FileRecord[]): { sql: string; text: Iterable<string> } {
  const withMetadata = files.some((f) => !isEmpty(f.metadata));
  const p = escapeCopy(pid);
  function* text() {
    for (let i = 0; i < files.length; i += 1000) {
      let piece = '';
      for (const f of files.slice(i, i + 1000))
        piece += `${p}\t${escapeCopy(f.path)}\t${f.size}\t${f.sha256 === null ? '\\N' : escapeCopy(f.sha256)}\t${
          f.mtime === null ? '\\N' : f.mtime.toISOString()
        }${withMetadata ? `\t${escapeCopy(JSON.stringify(f.metadata))}` : ''}\n`;
      yield piece;
    }
  }
  const columns = `dataset_pid, path, size, sha256, mtime${withMetadata ? ', metadata' : ''}`;
  return { sql: `COPY datafile (${columns}) FROM STDIN`, text: text() };
}

const isEmpty = (o: object) => {
  for (const _ in o) return false;
  return true;
};

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeCopy = (s: string) =>
  COPY_SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : s;
