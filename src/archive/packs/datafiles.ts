import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../db/connect.ts';

/** A registered datafile of the session that a packed path is. */
export interface RegisteredFile {
  id: number;
  size: number;
  sha256: string | null;
}

const BATCH = 1000;

/** The path with symlinks resolved when it exists (dataset locations and --out may go through links). */
function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** A dataset of the session whose directory on disk overlaps the packed directory. */
export interface DatasetDirectory {
  pid: string;
  root: string;
}

/**
 * The session's datasets whose directory (dataset_location) is the packed directory, lies inside it
 * or contains it, innermost first: only their files can be members of what was packed.
 */
export async function datasetsOverlapping(
  db: Db,
  sessionId: string,
  root: string,
): Promise<DatasetDirectory[]> {
  const locations = await db
    .selectFrom('dataset')
    .innerJoin('dataset_location', 'dataset_location.dataset_pid', 'dataset.pid')
    .select(['dataset.pid', 'dataset_location.root'])
    .where('dataset.session_id', '=', sessionId)
    .execute();
  const packed = realOrResolved(root);
  return locations
    .map((l) => ({ pid: l.pid, root: realOrResolved(l.root) }))
    .filter(
      (d) =>
        d.root === packed || d.root.startsWith(packed + path.sep) || packed.startsWith(d.root + path.sep),
    )
    .sort((a, b) => b.root.length - a.root.length);
}

/**
 * Which of `memberPaths` (relative to the packed directory `root`) are registered datafiles: a member
 * is the datafile of the innermost dataset directory that contains it, at the path relative to it.
 */
export async function registeredFiles(
  db: Db,
  datasets: DatasetDirectory[],
  root: string,
  memberPaths: Iterable<string>,
): Promise<Map<string, RegisteredFile>> {
  const found = new Map<string, RegisteredFile>();
  if (datasets.length === 0) return found;
  const packed = realOrResolved(root);
  // dataset -> (path within it -> member path), for look-ups by the (dataset_pid, path) key
  const wanted = new Map<string, Map<string, string>>();
  for (const member of memberPaths) {
    const absolute = path.join(packed, ...member.split('/'));
    const dataset = datasets.find((d) => absolute.startsWith(d.root + path.sep));
    if (!dataset) continue;
    const inDataset = path.relative(dataset.root, absolute).split(path.sep).join('/');
    let byPath = wanted.get(dataset.pid);
    if (!byPath) wanted.set(dataset.pid, (byPath = new Map()));
    byPath.set(inDataset, member);
  }
  for (const [pid, byPath] of wanted) {
    const paths = [...byPath.keys()];
    for (let i = 0; i < paths.length; i += BATCH) {
      const rows = await db
        .selectFrom('datafile')
        .select(['id', 'path', 'size', 'sha256'])
        .where('dataset_pid', '=', pid)
        .where('path', 'in', paths.slice(i, i + BATCH))
        .execute();
      for (const r of rows)
        found.set(byPath.get(r.path)!, { id: r.id, size: Number(r.size), sha256: r.sha256 });
    }
  }
  return found;
}
