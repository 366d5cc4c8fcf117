import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../db/connect.ts';
import type { DownloadStatus } from '../db/schema.ts';
import { isPrivileged, actorName, type Caller } from '../auth/caller.ts';
import { notFound } from '../errors.ts';
import { queueRecalls } from '../archive/workflow/recalls.ts';

export interface DownloadRequest {
  id: string;
  status: DownloadStatus;
  format: 'zip' | 'tar' | 'file';
  files: number[];
  /** Files not yet back online (on tape, being restored). */
  pending: number[];
  createdAt: string;
}

/**
 * Remembers a download that must wait for files to come back from tape. Its status moves
 * restoring → ready when every file is online again (the restore engine sets datafile.state);
 * the move is made when the status is read, so no job has to remember to do it. Offline files are
 * queued for recall here; the recall scheduler marks the download failed if one cannot be read.
 */
export async function createDownload(
  db: Db,
  caller: Caller,
  format: DownloadRequest['format'],
  files: number[],
  pending: number[],
): Promise<DownloadRequest> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('download')
      .values({
        id: uuidv7(),
        actor: actorName(caller),
        status: 'restoring',
        format,
        datafile_ids: files,
        pending_ids: pending,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await queueRecalls(tx, pending, { actor: actorName(caller), downloadId: row.id });
    return toRequest(row);
  });
}

/** The caller's own download (staff see all); 404 for anyone else's, so ids cannot be probed. */
export async function getDownload(db: Db, caller: Caller, id: string): Promise<DownloadRequest> {
  if (!/^[0-9a-f-]{36}$/.test(id)) throw notFound('download', id);
  let q = db.selectFrom('download').selectAll().where('id', '=', id);
  if (!isPrivileged(caller)) q = q.where('actor', '=', actorName(caller));
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('download', id);
  if (row.status !== 'restoring') return toRequest(row);
  const offline = await db
    .selectFrom('datafile')
    .select('id')
    .where('id', '=', sql<number>`ANY(${row.datafile_ids}::bigint[])`)
    .where('state', 'in', ['offline', 'restoring']) // archived files are still on disk
    .execute();
  const pending = offline.map((r) => Number(r.id)).sort((a, b) => a - b);
  if (pending.length === 0 || pending.length !== row.pending_ids.length) {
    // Only while still restoring: the recall scheduler may have failed it since it was read.
    const updated = await db
      .updateTable('download')
      .set({ status: pending.length ? 'restoring' : 'ready', pending_ids: pending, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', '=', 'restoring')
      .returningAll()
      .executeTakeFirst();
    return toRequest(
      updated ?? (await db.selectFrom('download').selectAll().where('id', '=', id).executeTakeFirstOrThrow()),
    );
  }
  return toRequest(row);
}

const toRequest = (r: {
  id: string;
  status: DownloadStatus;
  format: DownloadRequest['format'];
  datafile_ids: number[];
  pending_ids: number[];
  created_at: Date;
}): DownloadRequest => ({
  id: r.id,
  status: r.status,
  format: r.format,
  files: r.datafile_ids.map(Number),
  pending: r.pending_ids.map(Number),
  createdAt: r.created_at.toISOString(),
});
