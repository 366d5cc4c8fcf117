import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openContainer } from './container-reader.ts';
import { BLOB_CHUNK_BYTES } from './format.ts';
import { extractContainer } from './extract.ts';
import { forEachMemberChunk } from './member-bytes.ts';
import { packTree } from './pack.ts';
import { bytes, useTempDirs, writeTree } from './testing/trees.ts';

const tempDir = useTempDirs();

/** h5wasm (NODERAWFS) reads through node's fs.readSync, so wrapping it counts every byte HDF5 reads. */
function countBytesRead(): { total: () => number } {
  let total = 0;
  const original = fs.readSync;
  vi.spyOn(fs, 'readSync').mockImplementation(((...args: Parameters<typeof fs.readSync>) => {
    const n = (original as (...a: unknown[]) => number)(...args);
    total += n;
    return n;
  }) as typeof fs.readSync);
  return { total: () => total };
}

afterEach(() => vi.restoreAllMocks());

describe('restoring one member', () => {
  it('reads the index and the chunks holding its byte range, not the container', async () => {
    const spec = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`f${String(i).padStart(3, '0')}`, bytes(64 * 1024, i)]),
    );
    const root = writeTree(tempDir('src'), spec);
    const [container] = (await packTree({ root, outDir: tempDir('out') })).containers;
    const containerSize = fs.statSync(container!.file).size;
    expect(containerSize).toBeGreaterThan(19 * 1024 * 1024);

    const opened = await openContainer(container!.file);
    const member = opened.rows.find((r) => r.path === 'f150')!;
    const counter = countBytesRead();
    let received = 0;
    forEachMemberChunk(opened, [member], (_row, chunk) => (received += chunk.length));
    const blobBytesRead = counter.total();
    vi.restoreAllMocks();
    opened.close();
    expect(received).toBe(64 * 1024);
    // HDF5 reads whole chunks: the one or two chunks holding the member plus a little chunk-index metadata.
    const firstChunk = Math.floor(member.offset / BLOB_CHUNK_BYTES);
    const lastChunk = Math.floor((member.offset + member.length - 1) / BLOB_CHUNK_BYTES);
    expect(blobBytesRead).toBeGreaterThanOrEqual(64 * 1024);
    expect(blobBytesRead).toBeLessThanOrEqual((lastChunk - firstChunk + 1) * BLOB_CHUNK_BYTES + 16 * 1024);

    const whole = countBytesRead();
    await extractContainer(container!.file, { to: tempDir('restore'), paths: ['f150'] });
    // Index, metadata and at most two chunks: a small fraction of the ~20 MiB container.
    expect(whole.total()).toBeLessThan(2 * BLOB_CHUNK_BYTES + 256 * 1024);
    expect(whole.total()).toBeLessThan(containerSize / 8);
  });
});
