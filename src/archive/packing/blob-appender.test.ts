import path from 'node:path';
import type { Dataset } from 'h5wasm';
import { createXXHash128 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { heapOf, loadH5wasm } from '../../hdf5/h5wasm.ts';
import { BlobAppender } from './blob-appender.ts';
import { type BlobCheck, checkBlobRanges, loadChecksum, sharedCursor } from './blob-check.ts';
import { appendFile } from './member-reader.ts';
import { bytes, useTempDirs, writeTree } from './testing/trees.ts';

const tempDir = useTempDirs();

/** Appends like appendFile does: straight into the slice, flushing when it is full. */
function appendDirect(appender: BlobAppender, data: Uint8Array): void {
  for (let at = 0; at < data.length;) {
    if (appender.free === 0) appender.flush();
    const n = Math.min(appender.free, data.length - at);
    appender.buffer.set(data.subarray(at, at + n), appender.fill);
    appender.fill += n;
    at += n;
  }
}

/** A new file holding an empty, growable /blob of `chunk`-byte chunks, as the container writer makes it. */
function createBlob(h5: Awaited<ReturnType<typeof loadH5wasm>>, file: string, chunk: number) {
  const out = new h5.File(file, 'w');
  const blob = out.create_dataset({
    name: 'blob',
    data: new Uint8Array(0),
    shape: [0],
    maxshape: [null],
    chunks: [chunk],
    dtype: '<B',
  });
  return { out, blob };
}

describe('BlobAppender checksums', () => {
  it('cover /blob exactly, also after rewinds into bytes already written', async () => {
    const h5 = await loadH5wasm();
    const hasher = await loadChecksum();
    const file = path.join(tempDir(), 'blob.h5');
    const { out, blob } = createBlob(h5, file, 64);
    const appender = new BlobAppender(blob, 100, () => {}, hasher);
    const expected: Buffer[] = [];
    appendDirect(appender, bytes(70, 1));
    expected.push(bytes(70, 1));
    appender.append(bytes(150, 2)); // a helper's batch: crosses a flush
    expected.push(bytes(150, 2));
    // A large member failing half-way: 250 bytes appended (two flushes), then rewound.
    const start = appender.position;
    appendDirect(appender, bytes(250, 3));
    appender.rewind(start);
    appendDirect(appender, bytes(30, 4));
    expected.push(bytes(30, 4));
    // Rewind into the middle of a batch already written (keeps 100 of its 150 bytes).
    appender.rewind(170);
    expected.splice(1, 2, bytes(150, 2).subarray(0, 100));
    appendDirect(appender, bytes(45, 5));
    expected.push(bytes(45, 5));
    const total = appender.finish();
    appender.close();
    out.close();

    const want = Buffer.concat(expected);
    expect(total).toBe(want.length);
    let end = 0;
    for (const check of appender.checks) {
      expect(check.offset).toBe(end);
      end += check.length;
    }
    expect(end).toBe(total);

    const back = new h5.File(file, 'r');
    const data = back.get('blob') as Dataset;
    const read = (o: number, n: number) => data.slice([[o, o + n]]) as Uint8Array;
    expect(Buffer.from(read(0, total))).toEqual(want);
    const container = { visitBlob: (o: number, n: number, use: (b: Uint8Array) => void) => use(read(o, n)) };
    expect(checkBlobRanges(hasher, container, appender.checks)).toEqual([]);
    const damaged = {
      visitBlob: (o: number, n: number, use: (b: Uint8Array) => void) => use(read(o, n).map((b) => b ^ 1)),
    };
    expect(checkBlobRanges(hasher, damaged, appender.checks)).toHaveLength(appender.checks.length);
    back.close();
  });

  it('keep the slice, which lives in the wasm heap, when the heap grows before it is written', async () => {
    const h5 = await loadH5wasm();
    const heap = heapOf(h5);
    const file = path.join(tempDir(), 'grow.h5');
    const { out, blob } = createBlob(h5, file, 1024);
    const appender = new BlobAppender(blob, 4096);
    appendDirect(appender, bytes(3000, 6));
    // More than the whole heap: the heap must grow, which replaces the ArrayBuffer under HEAPU8.
    const before = heap.HEAPU8.buffer;
    const big = heap._malloc(before.byteLength + 1024 * 1024);
    expect(big).not.toBe(0);
    expect(heap.HEAPU8.buffer).not.toBe(before);
    heap._free(big);
    appendDirect(appender, bytes(5000, 7)); // fills the slice (written from the grown heap) and more
    const total = appender.finish();
    appender.close();
    out.close();

    const back = new h5.File(file, 'r');
    const data = back.get('blob') as Dataset;
    expect(Buffer.from(data.slice([[0, total]]) as Uint8Array)).toEqual(
      Buffer.concat([bytes(3000, 6), bytes(5000, 7)]),
    );
    back.close();
  });

  it('are written in whole chunks until the end, and a file that does not fit beside a kept partial chunk is streamed', async () => {
    const h5 = await loadH5wasm();
    const dir = tempDir();
    const files = writeTree(path.join(dir, 'src'), { 'a.bin': bytes(40, 8), 'b.bin': bytes(90, 9) });
    const out = new h5.File(path.join(dir, 'chunks.h5'), 'w');
    const blob = out.create_dataset({
      name: 'blob',
      data: new Uint8Array(0),
      shape: [0],
      maxshape: [null],
      chunks: [64],
      dtype: '<B',
    });
    const flushedAt: number[] = [];
    const appender = new BlobAppender(blob, 100, (end) => flushedAt.push(end), await loadChecksum());
    appendDirect(appender, bytes(70, 1));
    expect(appendFile(appender, path.join(files, 'a.bin'), 40)).toMatchObject({ kind: 'packed', offset: 70 });
    // 90 + 1 bytes do not fit beside the 46 bytes kept after writing one chunk: streamed instead.
    expect(appendFile(appender, path.join(files, 'b.bin'), 90)).toMatchObject({
      kind: 'packed',
      offset: 110,
    });
    appender.append(bytes(150, 2));
    const total = appender.finish();
    appender.close();
    out.close();
    expect(total).toBe(350);
    expect(flushedAt.slice(0, -1).every((end) => end % 64 === 0)).toBe(true);
    expect(flushedAt.at(-1)).toBe(350);
    const back = new h5.File(path.join(dir, 'chunks.h5'), 'r');
    expect(Buffer.from((back.get('blob') as Dataset).slice([[0, total]]) as Uint8Array)).toEqual(
      Buffer.concat([bytes(70, 1), bytes(40, 8), bytes(90, 9), bytes(150, 2)]),
    );
    back.close();
  });

  it('shared by two threads through a cursor, are each checked exactly once', async () => {
    const hasher = await loadChecksum();
    const otherHasher = await createXXHash128(); // the other thread's own
    // Checksums that cannot match: every range checked is reported, so the reports show who checked what.
    const checks: BlobCheck[] = [0, 1, 2, 3].map((i) => ({ offset: i * 10, length: 10, xxh128: 'x' }));
    const cursor = sharedCursor();
    const seen: number[] = [];
    const zeros = (o: number, n: number, use: (b: Uint8Array) => void) => {
      seen.push(o);
      use(new Uint8Array(n));
    };
    let theirs: string[] = [];
    // The other checker runs while the first is reading its first range, as another thread would.
    const first = {
      visitBlob: (o: number, n: number, use: (b: Uint8Array) => void) => {
        if (seen.length === 0) {
          seen.push(o);
          theirs = checkBlobRanges(otherHasher, { visitBlob: zeros }, checks, cursor);
          return use(new Uint8Array(n));
        }
        zeros(o, n, use);
      },
    };
    const ours = checkBlobRanges(hasher, first, checks, cursor);
    const offsets = (problems: string[]) => problems.map((p) => Number(/bytes (\d+)\+/.exec(p)![1]));
    expect(offsets(ours)).toEqual([0]);
    expect(offsets(theirs)).toEqual([10, 20, 30]);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 10, 20, 30]);
  });
});
