/** The container contract (docs: /work/shared/specs/archive-tape-backup.md, "Container format"). */
export const CONTAINER_FORMAT = 'fairbeam-container';
export const CONTAINER_VERSION = 1;
export const CONTAINER_EXTENSION = '.h5';
export const PARTIAL_SUFFIX = '.partial';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const DEFAULT_TARGET_SIZE = 32 * GiB;
export const DEFAULT_LARGE_FILE_THRESHOLD = 64 * MiB;
/**
 * /blob chunk size: the smallest the spec allows (1–4 MiB), because HDF5 (as built in h5wasm) reads whole
 * chunks: restoring one member reads the 1–2 chunks that hold it, never more.
 */
export const BLOB_CHUNK_BYTES = 1 * MiB;
/** Bytes moved per h5wasm read or write: well under the ~64 MiB we allow one call to hold in the wasm heap. */
export const SLICE_BYTES = 16 * MiB;
/**
 * The container writer's slice of /blob in the wasm heap, written with one h5wasm call when full:
 * smaller than SLICE_BYTES so that what the writer copies in and HDF5 writes out stays in the
 * processor's caches (4 MiB rather than 16: packs of bench tree (a) −5 %, (b) −3 % wall, paired runs).
 */
export const WRITE_SLICE_BYTES = 4 * MiB;

export type MemberType = 'file' | 'dir' | 'symlink';

/** One row of /index. Offsets and lengths are bytes within /blob. */
export interface IndexRow {
  path: string;
  type: MemberType;
  offset: number;
  length: number;
  /** Seconds since the epoch (float). */
  mtime: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  /** 64 lowercase hex characters for files, empty for dirs and symlinks. */
  sha256: string;
  /** Symlink target, empty otherwise. */
  target: string;
}

/** Sorts by the byte order of the UTF-8 encoding, the order the spec requires for /index. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
