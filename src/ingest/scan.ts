import fs from 'node:fs/promises';
import path from 'node:path';
import { checkRelativePath, isInside } from './paths.ts';
import { describeFsError } from './nexus/preflight.ts';

export interface ScannedFile {
  /** Relative to the scanned root, `/`-separated. */
  path: string;
  /** Absolute location to read (inside the root, symlinks resolved). */
  absolute: string;
  size: number;
  mtime: Date;
}

export interface FileProblem {
  path: string;
  reason: string;
}

/**
 * Lists the regular files under `root` (already a real path). Symlinks are only followed when they
 * lead to a regular file inside the root; a symlink leading outside, a symlinked directory (loops),
 * sockets and FIFOs are reported, never registered. Sorted by path so runs are reproducible.
 */
export async function scanDirectory(
  root: string,
): Promise<{ files: ScannedFile[]; problems: FileProblem[] }> {
  const files: ScannedFile[] = [];
  const problems: FileProblem[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({ path: rel || '.', reason: `directory cannot be read: ${describeFsError(e)}` });
      return;
    }
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      // A name a datafile path cannot hold (a backslash, too long) would be registered undownloadable.
      const why = checkRelativePath(relPath);
      if (why) {
        problems.push({ path: relPath, reason: `its path ${why}; not registered` });
        continue;
      }
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(abs, relPath);
      } else if (entry.isFile()) {
        const found = await statFile(abs, relPath, problems);
        if (found) files.push(found);
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await fs.realpath(abs);
        } catch {
          problems.push({
            path: relPath,
            reason: 'broken symlink (its target does not exist); not registered',
          });
          continue;
        }
        if (!isInside(target, root)) {
          problems.push({
            path: relPath,
            reason: 'symlink leads outside the ingested directory; not followed',
          });
          continue;
        }
        const found = await statFile(target, relPath, problems);
        if (found) files.push(found);
        else problems.at(-1)!.reason += ' (symlink target)';
      } else {
        problems.push({ path: relPath, reason: 'not a regular file (socket, FIFO or device); skipped' });
      }
    }
  };
  await walk(root, '');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, problems };
}

async function statFile(abs: string, rel: string, problems: FileProblem[]): Promise<ScannedFile | undefined> {
  try {
    const st = await fs.stat(abs);
    if (!st.isFile()) {
      problems.push({
        path: rel,
        reason: st.isDirectory() ? 'symlinked directory; not followed' : 'not a regular file; skipped',
      });
      return undefined;
    }
    return { path: rel, absolute: abs, size: st.size, mtime: new Date(Math.floor(st.mtimeMs)) };
  } catch (e) {
    problems.push({ path: rel, reason: `cannot be read: ${describeFsError(e)}` });
    return undefined;
  }
}
