import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.ts';

/** Whether `child` is `parent` or lies below it (both absolute and already resolved). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  // `..` as a whole segment: a child named `..2026` is inside
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * A datafile path as stored: relative, `/`-separated, no `.`/`..` segments, no NUL. Anything else
 * could name a file outside its dataset's directory, so it is refused rather than normalised.
 */
export function checkRelativePath(p: string): string | undefined {
  if (p === '' || p.length > 4096) return 'empty or too long';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (p.includes('\\')) return 'contains a backslash';
  if (p.startsWith('/')) return 'is absolute';
  // Segment by segment without splitting (no array or substrings per path: manifests run to 10,000).
  for (let start = 0; ;) {
    const end = p.indexOf('/', start);
    const stop = end === -1 ? p.length : end;
    const n = stop - start; // '' , '.' or '..' (46 is '.')
    if (n === 0 || (n <= 2 && p.charCodeAt(start) === 46 && (n === 1 || p.charCodeAt(start + 1) === 46)))
      return `has a "${p.slice(start, stop) || '//'}" segment`;
    if (end === -1) return undefined;
    start = end + 1;
  }
}

/** The data roots with symlinks resolved; roots that do not exist (yet) are left out. */
export async function realRoots(roots: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) {
    try {
      out.push(await fs.realpath(r));
    } catch {
      // a configured root that is missing cannot contain anything
    }
  }
  return out;
}

/**
 * Resolves a directory given by a client or operator to its real absolute path and checks that it
 * lies under a data root. Refuses relative paths and `..` before touching the disk, so the answer
 * does not depend on the server's working directory.
 */
export async function resolveDataDirectory(dir: string, roots: string[]): Promise<string> {
  if (!path.isAbsolute(dir))
    throw new AppError(
      'invalid_directory',
      400,
      `The directory must be an absolute path: ${JSON.stringify(dir)}`,
    );
  if (dir.split('/').includes('..') || dir.includes('\0')) {
    throw new AppError(
      'invalid_directory',
      400,
      `The directory must not contain ".." segments: ${JSON.stringify(dir)}`,
    );
  }
  let real: string;
  try {
    real = await fs.realpath(dir);
  } catch {
    throw new AppError('directory_not_found', 400, `No such directory: ${dir}`);
  }
  const allowed = await realRoots(roots);
  if (!allowed.some((r) => isInside(real, r))) {
    throw new AppError(
      'directory_outside_data_roots',
      403,
      `${dir} is not under a configured data root (FAIRBEAM_DATA_ROOTS)`,
    );
  }
  if (!(await fs.stat(real)).isDirectory())
    throw new AppError('invalid_directory', 400, `Not a directory: ${dir}`);
  return real;
}
