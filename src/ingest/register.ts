import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { DatafileState } from '../db/schema.ts';

/** One file to upsert into a dataset, with the parameters read from it (if any). */
export interface FileRecord {
  path: string;
  size: number;
  sha256: string | null;
  mtime: Date | null;
  metadata: Record<string, unknown>;
  /** `undefined` leaves the file's stored parameters alone; `[]` clears them. */
  parameters?: ParameterRecord[];
}

export interface ParameterRecord {
  name: string;
  value: number | string | null;
  unit: string | null;
  siValue: number | null;
  siUnit: string | null;
}

/**
 * Upserts a batch of datafiles in one statement (`upsertStatement`) and replaces the parameters of the files that bring some.
 * One transaction per batch: a process killed mid-way loses at most the batch in flight, and the
 * (dataset_pid, path) key makes a re-run converge instead of duplicating. Rows that would not change
 * are not rewritten, so a re-run costs index look-ups, not new row versions.
 * Returns the ids of the rows inserted or changed, and of every file that brought parameters.
 */
export async function upsertDatafiles(
  db: Db,
  pid: string,
  files: FileRecord[],
  state?: DatafileState,
): Promise<Map<string, number>> {
  if (files.length === 0) return new Map();
  return db.transaction().execute(async (tx) => {
    await lockDatasetFiles(tx, pid);
    const rows = await upsertStatement(pid, files, state, true).execute(tx);
    const ids = new Map(rows.rows.map((r) => [r.path, Number(r.id)]));
    const unchangedWithParams = files
      .filter((f) => f.parameters !== undefined && !ids.has(f.path))
      .map((f) => f.path);
    if (unchangedWithParams.length)
      for (const r of await tx
        .selectFrom('datafile')
        .select(['id', 'path'])
        .where('dataset_pid', '=', pid)
        .where('path', '=', sql<string>`any(${unchangedWithParams}::text[])`)
        .execute())
        ids.set(r.path, Number(r.id));
    const withParams = files.filter((f) => f.parameters !== undefined);
    if (withParams.length) {
      const fileIds = withParams.map((f) => ids.get(f.path)!);
      await tx.deleteFrom('parameter').where('datafile_id', 'in', fileIds).execute();
      const params = withParams.flatMap((f) =>
        f.parameters!.map((p) => ({
          dataset_pid: pid,
          datafile_id: ids.get(f.path)!,
          name: p.name,
          value_number: typeof p.value === 'number' ? p.value : null,
          value_text: typeof p.value === 'string' ? p.value : null,
          unit: p.unit,
          si_value: p.siValue,
          si_unit: p.siUnit,
        })),
      );
      // PostgreSQL allows 65535 bind parameters per statement: 8 columns, so chunks of 5000 rows.
      for (let i = 0; i < params.length; i += 5000)
        await tx
          .insertInto('parameter')
          .values(params.slice(i, i + 5000))
          .execute();
    }
    return ids;
  });
}

/**
 * Serialises the writers of one dataset's files (to the end of the transaction): the bulk path of
 * `registerManifest` inserts without ON CONFLICT once it has seen that the dataset has no files.
 */
export const lockDatasetFiles = (db: Db, pid: string) => lockStatement(pid).execute(db);

export const lockStatement = (pid: string) =>
  sql`SELECT pg_advisory_xact_lock(hashtextextended(${`fairbeam.datafile:${pid}`}, 0))`;

/**
 * One `INSERT … ON CONFLICT (dataset_pid, path) DO UPDATE` for a batch, arrays through unnest (one
 * bind parameter per column, whatever the batch size). Unchanged rows are not rewritten.
 * With `returning`, answers the id and path of each row inserted or changed.
 */
export function upsertStatement(
  pid: string,
  files: FileRecord[],
  state: DatafileState | undefined,
  returning: boolean,
) {
  return sql<{ id: number; path: string }>`
      INSERT INTO datafile (dataset_pid, path, size, sha256, mtime, metadata, state)
      SELECT ${pid}, f.path, f.size, f.sha256, f.mtime, f.metadata, ${state ?? 'online'}
      FROM unnest(${files.map((f) => f.path)}::text[], ${files.map((f) => f.size)}::bigint[],
                  ${files.map((f) => f.sha256)}::text[], ${files.map((f) => f.mtime?.toISOString() ?? null)}::timestamptz[],
                  ${files.map((f) => JSON.stringify(f.metadata))}::jsonb[])
        AS f(path, size, sha256, mtime, metadata)
      ON CONFLICT (dataset_pid, path) DO UPDATE
        SET size = excluded.size,
            -- a checksum not sent again stays valid only while the size is unchanged
            sha256 = CASE WHEN excluded.sha256 IS NOT NULL THEN excluded.sha256
                          WHEN excluded.size = datafile.size THEN datafile.sha256 END,
            mtime = coalesce(excluded.mtime, datafile.mtime),
            metadata = excluded.metadata
        WHERE datafile.size IS DISTINCT FROM excluded.size
           OR (excluded.sha256 IS NOT NULL AND datafile.sha256 IS DISTINCT FROM excluded.sha256)
           OR (excluded.mtime IS NOT NULL AND datafile.mtime IS DISTINCT FROM excluded.mtime)
           OR datafile.metadata IS DISTINCT FROM excluded.metadata
      ${returning ? sql`RETURNING id, path` : sql``}`;
}

/** What is already registered for a dataset: enough to skip unchanged files without reading them. */
export async function registeredFiles(db: Db, pid: string) {
  const rows = await db
    .selectFrom('datafile')
    .select([
      'id',
      'path',
      'size',
      'mtime',
      'sha256',
      sql<string | null>`metadata->>'nexusError'`.as('nexus_error'),
    ])
    .where('dataset_pid', '=', pid)
    .execute();
  return new Map(rows.map((r) => [r.path, { ...r, size: Number(r.size) }]));
}
