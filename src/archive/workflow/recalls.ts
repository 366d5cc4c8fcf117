import { sql } from 'kysely';
import { inTransaction, type Db } from '../../db/connect.ts';
import { AppError } from '../../errors.ts';

export interface RecallRequest {
  actor: string;
  /** Directory to restore into (restore --to); absent: in place, the datafile goes online again. */
  target?: string;
  downloadId?: string;
}

/**
 * Queues files to come back from tape. In place: only files that are offline (they go
 * `restoring`; a file already queued is not queued twice). Into a directory: every given file that
 * has a tape copy. Returns the recall ids (existing ones included).
 */
export async function queueRecalls(db: Db, datafileIds: number[], req: RecallRequest): Promise<number[]> {
  if (datafileIds.length === 0) return [];
  return inTransaction(db, async (tx) => {
    const files = await tx
      .selectFrom('datafile')
      .select([
        'id',
        'path',
        'state',
        sql<number>`(SELECT count(*) FROM tape_copy WHERE tape_copy.datafile_id = datafile.id)::int`.as(
          'copies',
        ),
      ])
      .where('id', 'in', datafileIds)
      .execute();
    if (req.target !== undefined) refuseSamePath(files);
    const noCopy = files.find((f) => f.copies === 0);
    if (noCopy && req.target !== undefined)
      throw new AppError('not_on_tape', 409, `Datafile ${noCopy.id} (${noCopy.path}) has no tape copy`);
    // In place: only offline files with a copy (a file marked offline by hand cannot be recalled).
    const wanted =
      req.target !== undefined
        ? files
        : files.filter((f) => f.copies > 0 && (f.state === 'offline' || f.state === 'restoring'));
    if (wanted.length === 0) return [];
    if (req.target === undefined) {
      await tx
        .updateTable('datafile')
        .set({ state: 'restoring' })
        .where(
          'id',
          'in',
          wanted.map((f) => f.id),
        )
        .where('state', '=', 'offline')
        .execute();
    }
    const values = wanted.map((f) => ({
      datafile_id: f.id,
      target: req.target ?? null,
      actor: req.actor,
      download_id: req.downloadId ?? null,
    }));
    const ids: number[] = [];
    for (let i = 0; i < values.length; i += 500) {
      const slice = values.slice(i, i + 500);
      const inserted =
        req.target === undefined
          ? await tx
              .insertInto('recall')
              .values(slice)
              .onConflict((oc) =>
                oc
                  .column('datafile_id')
                  .where('target', 'is', null)
                  .where('state', 'in', ['queued', 'running'])
                  .doNothing(),
              )
              .returning('id')
              .execute()
          : await tx.insertInto('recall').values(slice).returning('id').execute();
      ids.push(...inserted.map((r) => Number(r.id)));
    }
    if (req.target === undefined) {
      const existing = await tx
        .selectFrom('recall')
        .select('id')
        .where(
          'datafile_id',
          'in',
          wanted.map((f) => f.id),
        )
        .where('target', 'is', null)
        .where('state', 'in', ['queued', 'running'])
        .execute();
      for (const r of existing) if (!ids.includes(Number(r.id))) ids.push(Number(r.id));
    }
    return ids.sort((a, b) => a - b);
  });
}

/**
 * Into one directory, files are laid out by their path in their dataset: two files of the same path
 * (from different datasets) would overwrite each other there, so such a request is refused.
 */
function refuseSamePath(files: { id: number; path: string }[]): void {
  const seen = new Map<string, number>();
  for (const f of files) {
    const other = seen.get(f.path);
    if (other !== undefined)
      throw new AppError(
        'restore_path_clash',
        409,
        `Datafiles ${other} and ${f.id} both have the path ${f.path}: restore them into different directories`,
      );
    seen.set(f.path, f.id);
  }
}

export interface RecallSummary {
  queued: number;
  running: number;
  done: number;
  failed: number;
  bytes: number;
  errors: { id: number; datafileId: number; error: string }[];
}

/** How far the given recalls got (for progress and --wait). */
export async function recallSummary(db: Db, ids: number[]): Promise<RecallSummary> {
  const rows = ids.length
    ? await db
        .selectFrom('recall')
        .select(['id', 'datafile_id', 'state', 'bytes', 'error'])
        .where('id', 'in', ids)
        .execute()
    : [];
  const count = (s: string) => rows.filter((r) => r.state === s).length;
  return {
    queued: count('queued'),
    running: count('running'),
    done: count('done'),
    failed: count('failed'),
    bytes: rows.reduce((s, r) => s + Number(r.bytes), 0),
    errors: rows
      .filter((r) => r.state === 'failed')
      .map((r) => ({ id: Number(r.id), datafileId: Number(r.datafile_id), error: r.error ?? 'failed' })),
  };
}
