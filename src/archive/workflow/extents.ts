import fs from 'node:fs';
import type { Extents } from '../../db/schema.ts';
import { openContainer } from '../packing/container-reader.ts';
import { BLOB_CHUNK_BYTES, type IndexRow, SLICE_BYTES } from '../packing/format.ts';

/** A file member: its bytes in /blob (offset, length), in the container file (extents) and its sha256. */
export interface MemberPlace {
  offset: number;
  length: number;
  extents: Extents | null;
  sha256: string;
}

const SEARCH_WINDOW = 64 * 1024 * 1024;
const PROBE = 4096;

/**
 * Where each member's bytes lie in the container FILE, so that a restore reads exactly those byte
 * ranges from tape instead of whole HDF5 chunks or the whole container. /blob is uncompressed, so
 * each chunk is stored verbatim: we find every chunk's address by matching its bytes in the file
 * (first where the previous chunk ended, else by searching). A match is by content, so whatever
 * range we record holds the member's exact bytes; a chunk not found leaves its members without
 * extents (restored by reading the container whole).
 */
export async function memberExtents(file: string): Promise<Map<string, MemberPlace>> {
  const container = await openContainer(file);
  const fd = fs.openSync(file, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    const chunks = Math.ceil(container.blobBytes / BLOB_CHUNK_BYTES);
    const address: (number | null)[] = [];
    let expected = 0;
    // Windows of whole chunks, each read under the ~64 MiB limit of one h5wasm call.
    const windowChunks = Math.max(1, Math.floor(SLICE_BYTES / BLOB_CHUNK_BYTES));
    for (let first = 0; first < chunks; first += windowChunks) {
      const start = first * BLOB_CHUNK_BYTES;
      const window = container.readBlob(
        start,
        Math.min(windowChunks * BLOB_CHUNK_BYTES, container.blobBytes - start),
      );
      for (let at = 0; at < window.length; at += BLOB_CHUNK_BYTES) {
        const chunk = window.subarray(at, Math.min(window.length, at + BLOB_CHUNK_BYTES));
        const found = locate(fd, fileSize, chunk, expected);
        address.push(found);
        if (found !== null) expected = found + BLOB_CHUNK_BYTES;
      }
    }
    const out = new Map<string, MemberPlace>();
    for (const row of container.rows)
      if (row.type === 'file')
        out.set(row.path, {
          offset: row.offset,
          length: row.length,
          extents: extentsOf(row, address),
          sha256: row.sha256,
        });
    return out;
  } finally {
    fs.closeSync(fd);
    container.close();
  }
}

function extentsOf(row: IndexRow, address: (number | null)[]): Extents | null {
  const extents: Extents = [];
  const end = row.offset + row.length;
  for (let at = row.offset; at < end;) {
    const c = Math.floor(at / BLOB_CHUNK_BYTES);
    const base = address[c];
    if (base === null || base === undefined) return null;
    const upto = Math.min(end, (c + 1) * BLOB_CHUNK_BYTES);
    const fileOffset = base + (at - c * BLOB_CHUNK_BYTES);
    const last = extents.at(-1);
    if (last && last[0] + last[1] === fileOffset) last[1] += upto - at;
    else extents.push([fileOffset, upto - at]);
    at = upto;
  }
  return extents;
}

function matchesAt(fd: number, fileSize: number, chunk: Uint8Array, offset: number): boolean {
  if (offset < 0 || offset + chunk.length > fileSize) return false;
  const buf = Buffer.allocUnsafe(chunk.length);
  fs.readSync(fd, buf, 0, chunk.length, offset);
  return buf.equals(chunk);
}

function locate(fd: number, fileSize: number, chunk: Uint8Array, expected: number): number | null {
  if (matchesAt(fd, fileSize, chunk, expected)) return expected;
  const probe = Buffer.from(chunk.subarray(0, Math.min(PROBE, chunk.length)));
  // Search onwards from the expected place first, then the whole file.
  for (const from of expected > 0 ? [expected, 0] : [0]) {
    for (let start = from; start < fileSize; start += SEARCH_WINDOW) {
      const len = Math.min(fileSize - start, SEARCH_WINDOW + probe.length);
      const buf = Buffer.allocUnsafe(len);
      fs.readSync(fd, buf, 0, len, start);
      for (let hit = buf.indexOf(probe); hit !== -1; hit = buf.indexOf(probe, hit + 1)) {
        if (matchesAt(fd, fileSize, chunk, start + hit)) return start + hit;
      }
    }
  }
  return null;
}
