import type { Db } from '../../db/connect.ts';
import type { DatafileState } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { visibleDatasets } from '../datasets/repo.ts';
import type { Access, ListQuery } from '../access.ts';
import { countRows, decodeCursor, DEFAULT_LIMIT, toPage, withTotal, type Page } from '../pagination.ts';
import { fileCopies, type TapeCopyView } from '../../archive/workflow/status.ts';

export interface Datafile {
  id: number;
  datasetPid: string;
  path: string;
  size: number;
  sha256: string | null;
  mtime: string | null;
  state: DatafileState;
  metadata: Record<string, unknown>;
  /** Verified tape copies (offset and length within the container); empty until archived. */
  copies: TapeCopyView[];
}

/** Datafiles of datasets whose session the caller may see. */
export const visibleDatafiles = (db: Db, access: Access) =>
  visibleDatasets(db, access).innerJoin('datafile', 'datafile.dataset_pid', 'dataset.pid');

const columns = [
  'datafile.id',
  'datafile.dataset_pid',
  'datafile.path',
  'datafile.size',
  'datafile.sha256',
  'datafile.mtime',
  'datafile.state',
  'datafile.metadata',
] as const;

type Row = {
  id: number;
  dataset_pid: string;
  path: string;
  size: number;
  sha256: string | null;
  mtime: Date | null;
  state: DatafileState;
  metadata: Record<string, unknown>;
};

const toDatafile = (r: Row, copies: TapeCopyView[] = []): Datafile => ({
  id: r.id,
  datasetPid: r.dataset_pid,
  path: r.path,
  size: Number(r.size),
  sha256: r.sha256,
  mtime: r.mtime?.toISOString() ?? null,
  state: r.state,
  metadata: r.metadata,
  copies,
});

/** Files of one dataset in path order; 404 for a dataset the caller may not see. */
export async function listDatasetFiles(
  db: Db,
  access: Access,
  pid: string,
  f: ListQuery,
): Promise<Page<Datafile>> {
  const visible = await visibleDatasets(db, access)
    .select('dataset.pid')
    .where('dataset.pid', '=', pid)
    .executeTakeFirst();
  if (!visible) throw notFound('dataset', pid);
  const limit = f.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(f.cursor, ['text']);
  const base = db.selectFrom('datafile').where('dataset_pid', '=', pid);
  let q = base
    .select(columns.map((c) => c.replace('datafile.', '')) as never)
    .orderBy('path')
    .limit(limit + 1);
  if (after) q = q.where('path', '>', String(after[0]));
  const rows = (await q.execute()) as Row[];
  const copies = await fileCopies(
    db,
    rows.map((r) => r.id),
  );
  return withTotal(
    toPage(
      rows,
      limit,
      (r) => [r.path],
      (r) => toDatafile(r, copies.get(r.id)),
    ),
    f.count,
    () => countRows(base),
  );
}

export async function getDatafile(db: Db, access: Access, id: number): Promise<Datafile> {
  const row = (await visibleDatafiles(db, access)
    .select(columns)
    .where('datafile.id', '=', id)
    .executeTakeFirst()) as Row | undefined;
  if (!row) throw notFound('datafile', id);
  return toDatafile(row, (await fileCopies(db, [row.id])).get(row.id));
}
