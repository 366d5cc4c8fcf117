import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { DatafileState } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { visibleDatafiles } from '../catalogue/datafiles/repo.ts';
import { visibleDatasets } from '../catalogue/datasets/repo.ts';
import type { Access } from '../catalogue/access.ts';
import { checkRelativePath, isInside, realRoots } from '../ingest/paths.ts';

export interface LocatedFile {
  id: number;
  datasetPid: string;
  datasetName: string;
  sessionId: string;
  path: string;
  size: number;
  sha256: string | null;
  mtime: Date | null;
  state: DatafileState;
  root: string | null;
}

/** The datafiles the caller may see among the given files and datasets; 404 for any it may not. */
export async function locateFiles(
  db: Db,
  access: Access,
  want: { files?: number[]; datasets?: string[] },
): Promise<LocatedFile[]> {
  const files = [...new Set(want.files ?? [])];
  const datasets = [...new Set(want.datasets ?? [])];
  if (files.length === 0 && datasets.length === 0) return [];
  const rows = await visibleDatafiles(db, access)
    .leftJoin('dataset_location', 'dataset_location.dataset_pid', 'dataset.pid')
    .select([
      'datafile.id',
      'datafile.dataset_pid',
      'dataset.name',
      'dataset.session_id',
      'datafile.path',
      'datafile.size',
      'datafile.sha256',
      'datafile.mtime',
      'datafile.state',
      'dataset_location.root',
    ])
    .where((eb) => {
      const ors = [];
      if (files.length) ors.push(eb('datafile.id', '=', eb.fn.any(sql<number[]>`${files}::bigint[]`)));
      if (datasets.length)
        ors.push(eb('datafile.dataset_pid', '=', eb.fn.any(sql<string[]>`${datasets}::text[]`)));
      return eb.or(ors);
    })
    .orderBy('datafile.dataset_pid')
    .orderBy('datafile.path')
    .execute();
  const got = new Set(rows.map((r) => r.id));
  const missingFile = files.find((id) => !got.has(id));
  if (missingFile !== undefined) throw notFound('datafile', missingFile);
  if (datasets.length) {
    const visible = await visibleDatasets(db, access)
      .select('dataset.pid')
      .where('dataset.pid', 'in', datasets)
      .execute();
    const hidden = datasets.find((pid) => !visible.some((v) => v.pid === pid));
    if (hidden !== undefined) throw notFound('dataset', hidden);
  }
  return rows.map((r) => ({
    id: r.id,
    datasetPid: r.dataset_pid,
    datasetName: r.name,
    sessionId: r.session_id,
    path: r.path,
    size: Number(r.size),
    sha256: r.sha256,
    mtime: r.mtime,
    state: r.state,
    root: r.root,
  }));
}

/** Whether a file in this state has its bytes on disk (archived files keep them until released). */
export const isOnDisk = (state: DatafileState): boolean =>
  state === 'online' || state === 'archiving' || state === 'archived';

export interface OnDisk {
  absolute: string;
  size: number;
  mtime: Date;
}

/**
 * Where a datafile's bytes are, after checking that the real path (symlinks resolved) stays inside
 * its dataset's directory and a configured data root. Anything else is refused, whatever the
 * catalogue says: a path or symlink can never make the server read outside the data roots.
 */
export async function fileOnDisk(f: LocatedFile, dataRoots: string[]): Promise<OnDisk> {
  const unavailable = (why: string) =>
    new AppError(
      'datafile_unavailable',
      409,
      `The content of datafile ${f.id} (${f.path}) is not available: ${why}`,
    );
  if (!f.root) throw unavailable('the dataset has no directory on disk (registered from a file list only)');
  if (checkRelativePath(f.path)) throw unavailable('its path is not a safe relative path');
  let real: string;
  try {
    real = await fs.realpath(path.join(f.root, f.path));
  } catch {
    throw unavailable('the file is missing on disk');
  }
  const roots = await realRoots(dataRoots);
  if (!isInside(real, f.root) || !roots.some((r) => isInside(real, r)))
    throw unavailable('it resolves outside the data roots');
  const st = await fs.stat(real);
  if (!st.isFile()) throw unavailable('not a regular file');
  return { absolute: real, size: st.size, mtime: st.mtime };
}
