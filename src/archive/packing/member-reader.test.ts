import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBatch } from './batch-reader.ts';
import { bytes, useTempDirs, writeTree } from './testing/trees.ts';

const tempDir = useTempDirs();
const file = (path: string, size: number) => ({ path, size, type: 'file' });
const sha256 = (data: Buffer | string) => crypto.hash('sha256', data, 'hex');

afterEach(() => vi.restoreAllMocks());

/** Counts the reads of the real fs while `run` runs. */
function countReads<T>(run: () => T): { result: T; reads: number } {
  const spy = vi.spyOn(fs, 'readSync');
  try {
    return { result: run(), reads: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

describe('reading a member', () => {
  it('reads a file of its scanned size with one read (no second read to see the end)', () => {
    const root = writeTree(tempDir(), { a: bytes(4000, 1), b: bytes(1, 2), e: '' });
    const { result, reads } = countReads(() =>
      readBatch(root, [file('a', 4000), file('b', 1), file('e', 0)]),
    );
    expect(reads).toBe(3);
    expect(Buffer.from(result.bytes).equals(Buffer.concat([bytes(4000, 1), bytes(1, 2)]))).toBe(true);
    expect(result.outcomes).toEqual([
      { kind: 'packed', offset: 0, length: 4000, sha256: sha256(bytes(4000, 1)) },
      { kind: 'packed', offset: 4000, length: 1, sha256: sha256(bytes(1, 2)) },
      { kind: 'packed', offset: 4001, length: 0, sha256: sha256('') },
    ]);
  });

  it('packs a file that grew since the scan whole, with the mtime of the bytes read', () => {
    const root = writeTree(tempDir(), { grew: bytes(9000, 3), next: 'xyz' });
    const mtime = fs.statSync(path.join(root, 'grew')).mtimeMs / 1000;
    const batch = readBatch(root, [file('grew', 4000), file('next', 3)]);
    expect(batch.outcomes[0]).toEqual({
      kind: 'packed',
      offset: 0,
      length: 9000,
      sha256: sha256(bytes(9000, 3)),
      mtime,
    });
    expect(batch.outcomes[1]).toMatchObject({ kind: 'packed', offset: 9000, length: 3 });
    expect(Buffer.from(batch.bytes).equals(Buffer.concat([bytes(9000, 3), Buffer.from('xyz')]))).toBe(true);
  });

  it('packs a file that shrank or was emptied since the scan with its new length and mtime', () => {
    const root = writeTree(tempDir(), { shrank: bytes(100, 4), emptied: '' });
    const mtimeOf = (name: string) => fs.statSync(path.join(root, name)).mtimeMs / 1000;
    const batch = readBatch(root, [file('shrank', 4000), file('emptied', 50)]);
    expect(batch.outcomes).toEqual([
      { kind: 'packed', offset: 0, length: 100, sha256: sha256(bytes(100, 4)), mtime: mtimeOf('shrank') },
      { kind: 'packed', offset: 100, length: 0, sha256: sha256(''), mtime: mtimeOf('emptied') },
    ]);
  });

  it('keeps reading after a short read until the end of the file', () => {
    const root = writeTree(tempDir(), { a: bytes(5000, 5) });
    // A file system that returns at most 1000 bytes per read (as some FUSE and network ones do).
    const read = fs.readSync;
    vi.spyOn(fs, 'readSync').mockImplementation(((
      fd: number,
      buffer: NodeJS.ArrayBufferView,
      offset: number,
      length: number,
      position: number,
    ) => read(fd, buffer, offset, Math.min(length, 1000), position)) as typeof fs.readSync);
    const batch = readBatch(root, [file('a', 5000)]);
    expect(batch.outcomes[0]).toEqual({
      kind: 'packed',
      offset: 0,
      length: 5000,
      sha256: sha256(bytes(5000, 5)),
    });
  });
});
