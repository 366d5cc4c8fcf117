import { closeSync, openSync, readSync, statSync } from 'node:fs';

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export type PreflightResult =
  { ok: true; size: number; superblockOffset: number } | { ok: false; reason: string };

/**
 * Cheap checks before HDF5 sees the file, so the common failures get a plain reason instead of a
 * library error stack: missing, not a regular file, empty, or no HDF5 signature. HDF5 looks for its
 * superblock at 0 and then at every power of two from 512 (files may start with a user block, e.g.
 * an XMP packet), so we look in the same places.
 */
export function preflightHdf5(path: string): PreflightResult {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return { ok: false, reason: 'not a regular file' };
    size = stats.size;
  } catch (error) {
    return { ok: false, reason: describeFsError(error) };
  }
  if (size === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { ok: false, reason: describeFsError(error) };
  }
  try {
    const offset = findSignature(fd, size);
    if (offset === undefined) return { ok: false, reason: 'not an HDF5 file (no HDF5 signature)' };
    return { ok: true, size, superblockOffset: offset };
  } catch (error) {
    return { ok: false, reason: describeFsError(error) };
  } finally {
    closeSync(fd);
  }
}

function findSignature(fd: number, size: number): number | undefined {
  const head = Buffer.alloc(HDF5_SIGNATURE.length);
  for (let offset = 0; offset + head.length <= size; offset = offset === 0 ? 512 : offset * 2) {
    const read = readSync(fd, head, 0, head.length, offset);
    if (read === head.length && head.equals(HDF5_SIGNATURE)) return offset;
  }
  return undefined;
}

/** A file-system error as a short reason: `file not found`, `permission denied`, ... */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'not a regular file';
    default:
      return `cannot read file: ${error instanceof Error ? error.message : String(error)}`;
  }
}
