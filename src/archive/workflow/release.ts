import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { AppError, notFound } from '../../errors.ts';
import { checkRelativePath, isInside, realRoots } from '../../ingest/paths.ts';
import { sha256File } from '../../ingest/hash.ts';

export interface ReleaseResult {
  released: number;
  bytes: number;
  /** Files kept on disk, by path, with why. */
  refused: { path: string; reason: string }[];
}

/**
 * Frees the disk copies of a dataset's files that have two verified tape copies (archived, or online
 * again after a restore with unchanged bytes): the datafile goes
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
      'sha256',
      sql<number>`(SELECT count(*) FROM tape_copy WHERE tape_copy.datafile_id = datafile.id)::int`.as(
        'copies',
      ),
    ])
    .where('dataset_pid', '=', pid)
    .orderBy('path')
    .execute();
  const refused: ReleaseResult['refused'] = [];
  const eligible: typeof files = [];
  const leftovers: typeof files = [];
  for (const f of files) {
    if (f.state === 'offline' && f.copies >= 2) leftovers.push(f);
    if (f.state === 'offline' || f.state === 'restoring') continue;
    const canGo = (f.state === 'archived' || f.state === 'online') && f.copies >= 2;
    if (!canGo)
      refused.push({
        path: f.path,
        reason: `${f.state}, ${f.copies} verified tape ${f.copies === 1 ? 'copy' : 'copies'}`,
      });
    else eligible.push(f);
  }
  const roots = await realRoots(dataRoots);
  if (leftovers.length && dataset.root && roots.some((r) => isInside(dataset.root!, r)))
    await removeLeftovers(dataset.root, leftovers);
  if (eligible.length && (!dataset.root || !roots.some((r) => isInside(dataset.root!, r))))
    throw new AppError('dataset_not_on_disk', 409, `Dataset ${pid} has no directory under a data root`);
  let bytes = 0;
  let released = 0;
  for (const f of eligible) {
    if (checkRelativePath(f.path)) {
      refused.push({ path: f.path, reason: 'not a safe relative path' });
      continue;
    }
    const absolute = path.join(dataset.root!, f.path);
    // A file back online (restored) may have been changed since: only identical bytes are released.
    if (f.state === 'online' && (await sha256File(absolute).catch(() => null))?.sha256 !== f.sha256) {
      refused.push({ path: f.path, reason: 'changed on disk since it was archived' });
      continue;
    }
    const moved = await db
      .updateTable('datafile')
      .set({ state: 'offline' })
      .where('id', '=', f.id)
      .where('state', '=', f.state)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) continue;
    released += 1;
    await fs.rm(absolute, { force: true });
    bytes += Number(f.size);
  }
  return { released, bytes, refused };
}

/**
 * A release interrupted between marking a file `offline` and deleting it leaves the disk copy behind:
 * a re-run deletes it, but only when its bytes are still the archived ones (a new file written at that
 * path since is kept).
 */
async function removeLeftovers(
  root: string,
  files: { path: string; sha256: string | null }[],
): Promise<void> {
  for (const f of files) {
    if (checkRelativePath(f.path)) continue;
    const absolute = path.join(root, f.path);
    const found = await sha256File(absolute).catch(() => null);
    if (found && f.sha256 && found.sha256 === f.sha256) await fs.rm(absolute, { force: true });
  }
}
