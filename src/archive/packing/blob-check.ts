import { type IHasher, createXXHash128 } from 'hash-wasm';
import type { Container } from './container-reader.ts';
import { SLICE_BYTES } from './format.ts';

/**
 * A checksum of a byte range of /blob, taken from the very bytes handed to HDF5 while writing. After
 * the fsync the range is read back through HDF5 and must give the same checksum: that proves the
 * written file holds what we wrote, at a fraction of re-hashing every member with sha256 (which the
 * user's `archive verify` still does). xxh128: not cryptographic, but any torn, lost, misplaced or
 * flipped write changes it with probability 1 − 2⁻¹²⁸.
 */
export interface BlobCheck {
  offset: number;
  length: number;
  xxh128: string;
}

let hasher: Promise<IHasher> | undefined;

/** The thread's xxh128 hasher (a small wasm instance, created once per thread). */
export function loadChecksum(): Promise<IHasher> {
  hasher ??= createXXHash128();
  return hasher;
}

/** xxh128 of `parts` taken as one byte string. */
export function checksum(h: IHasher, ...parts: Uint8Array[]): string {
  h.init();
  for (const part of parts) h.update(part);
  return h.digest('hex');
}

/** A cursor over a list of checks, shared by the threads that work through it (see checkBlobRanges). */
export function sharedCursor(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/**
 * Reads each checked range back from /blob and names those whose checksum differs. With `cursor`
 * (shared with another thread checking the same list), each thread takes the next unchecked range
 * until none is left, so together they check every range once, whichever is faster.
 */
export function checkBlobRanges(
  h: IHasher,
  container: Pick<Container, 'visitBlob'>,
  checks: BlobCheck[],
  cursor?: Int32Array,
): string[] {
  const problems: string[] = [];
  let own = 0;
  const next = () => (cursor ? Atomics.add(cursor, 0, 1) : own++);
  for (let i = next(); i < checks.length; i = next()) {
    const check = checks[i]!;
    h.init();
    for (let done = 0; done < check.length;) {
      const size = Math.min(SLICE_BYTES, check.length - done);
      container.visitBlob(check.offset + done, size, (bytes) => h.update(bytes));
      done += size;
    }
    const got = h.digest('hex');
    if (got !== check.xxh128)
      problems.push(
        `/blob bytes ${check.offset}+${check.length} differ from what was written (xxh128 ${got}, written ${check.xxh128})`,
      );
  }
  return problems;
}
