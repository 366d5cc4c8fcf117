import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { AppError, notFound } from '../../errors.ts';
import { checkRelativePath, isInside, realRoots } from '../../ingest/paths.ts';

export interface ReleaseResult {
  released: number;
  bytes: number;
  /** Files kept on disk, by path, with why. */
  refused: { path: string; reason: string }[];
}

/**
 * Frees the disk copies of a dataset's files that have two verified tape copies: the datafile goes
 * `offline` first, then the file is deleted, so a crash in between leaves an extra disk copy, never
 * a file the catalogue believes is on disk when it is not. Other files are refused by path.
 */
export async function releaseDisk(db: Db, pid: string, dataRoots: string[]): Promise<ReleaseResult> {
  const dataset = await db
    .selectFrom('dataset')
    .leftJoin('dataset_location', 'dataset_location.dataset_pid', 'dataset.pid')
    .select(['dataset.pid', 'dataset_location.root'])
    .where('dataset.pid', '=', pid)
    .executeTakeFirst();
  if (!dataset) throw notFound('dataset', pid);
  const files = await db
    .selectFrom('datafile')
    .select([
      'id',
      'path',
      'size',
      'state',
      sql<number>`(SELECT count(*) FROM tape_copy WHERE tape_copy.datafile_id = datafile.id)::int`.as(
        'copies',
      ),
    ])
    .where('dataset_pid', '=', pid)
    .orderBy('path')
    .execute();
  const refused: ReleaseResult['refused'] = [];
  const eligible: typeof files = [];
  for (const f of files) {
    if (f.state === 'offline' || f.state === 'restoring') continue;
    if (f.state !== 'archived' || f.copies < 2)
      refused.push({
        path: f.path,
        reason: `${f.state}, ${f.copies} verified tape ${f.copies === 1 ? 'copy' : 'copies'}`,
      });
    else eligible.push(f);
  }
  const roots = await realRoots(dataRoots);
  if (eligible.length && (!dataset.root || !roots.some((r) => isInside(dataset.root!, r))))
    throw new AppError('dataset_not_on_disk', 409, `Dataset ${pid} has no directory under a data root`);
  let bytes = 0;
  for (const f of eligible) {
    if (checkRelativePath(f.path)) {
      refused.push({ path: f.path, reason: 'not a safe relative path' });
      continue;
    }
    const moved = await db
      .updateTable('datafile')
      .set({ state: 'offline' })
      .where('id', '=', f.id)
      .where('state', '=', 'archived')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) continue;
    await fs.rm(path.join(dataset.root!, f.path), { force: true });
    bytes += Number(f.size);
  }
  return {
    released: eligible.length - refused.filter((r) => r.reason === 'not a safe relative path').length,
    bytes,
    refused,
  };
}
