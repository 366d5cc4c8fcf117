import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadH5wasm } from '../../hdf5/h5wasm.ts';
import type { IndexRow } from './format.ts';
import { IndexWriter, writeIndex } from './index-table.ts';
import { compareIndex, readIndex } from './index-read.ts';
import { useTempDirs } from './testing/trees.ts';

const tempDir = useTempDirs();

function rowsOf(count: number): IndexRow[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 5 === 3 ? 'symlink' : i % 5 === 4 ? 'dir' : 'file';
    const name = `d${i % 3}/${'é'.repeat(i % 4)}f${String(i).padStart(3, '0')}${'x'.repeat(i * 7)}`;
    return {
      path: name,
      type: kind,
      offset: kind === 'file' ? i * 1000 + 2 ** 40 : 0,
      length: kind === 'file' ? i * 1000 : 0,
      mtime: 1_700_000_000.25 + i,
      mode: 0o644 + i,
      sha256: kind === 'file' ? i.toString(16).padStart(64, '0') : '',
      target: kind === 'symlink' ? `../target-${i}-€` : '',
    };
  });
}

describe('/index columns', () => {
  it('are written and read in bounded slices and come back intact', async () => {
    const h5 = await loadH5wasm();
    const file = path.join(tempDir(), 'index.h5');
    const rows = rowsOf(23);
    const out = new h5.File(file, 'w');
    // 4 rows per call; strings cut at 100 bytes too (paths grow to ~160 bytes: one row per slice).
    writeIndex(out, rows, { rows: 4, bytes: 100 });
    out.close();

    const back = new h5.File(file, 'r');
    try {
      const column = back.get('index/path') as import('h5wasm').Dataset;
      expect(column.shape).toEqual([23]);
      expect(column.metadata.chunks).toEqual([4]);
      expect(readIndex(back, 5)).toEqual(rows);
      expect(readIndex(back)).toEqual(rows);
    } finally {
      back.close();
    }
  });

  it('grow by the rows handed over piece by piece, as the container writer does', async () => {
    const h5 = await loadH5wasm();
    const file = path.join(tempDir(), 'growing.h5');
    const rows = rowsOf(23);
    const out = new h5.File(file, 'w');
    // Planned 25 rows (two were dropped later), 4 rows per call, written after 0, 5, 5, 11 and 23 rows.
    const index = new IndexWriter(out, 25, { rows: 4, bytes: 100 });
    for (const upTo of [0, 5, 5, 11, 23]) index.write(rows, upTo);
    expect(index.written).toBe(23);
    out.close();

    const back = new h5.File(file, 'r');
    try {
      expect((back.get('index/sha256') as import('h5wasm').Dataset).shape).toEqual([23]);
      expect(readIndex(back, 5)).toEqual(rows);
    } finally {
      back.close();
    }
  });

  it('are compared byte for byte with the rows written, naming the rows that differ', async () => {
    const h5 = await loadH5wasm();
    const file = path.join(tempDir(), 'compare.h5');
    const rows = rowsOf(23);
    const out = new h5.File(file, 'w');
    writeIndex(out, rows, { rows: 4, bytes: 100 });
    out.close();
    const back = new h5.File(file, 'r');
    try {
      expect(compareIndex(back, rows)).toEqual([]);
      const changed = rows.map((r) => ({ ...r }));
      changed[2]!.sha256 = changed[2]!.sha256.replace(/.$/, 'f');
      changed[7]!.path += 'x';
      changed[11]!.mtime += 1e-6;
      changed[20]!.target = 'elsewhere';
      expect(compareIndex(back, changed)).toEqual(
        [2, 7, 11, 20].map((i) => `${changed[i]!.path}: index row ${i} differs from what was written`),
      );
      expect(compareIndex(back, rows.slice(0, 22))).toEqual(
        expect.arrayContaining(['/index/path has 23 rows, 22 were written']),
      );
    } finally {
      back.close();
    }
  });

  it('handles an empty index and one that fits a single slice', async () => {
    const h5 = await loadH5wasm();
    for (const count of [0, 3]) {
      const file = path.join(tempDir(), `index-${count}.h5`);
      const out = new h5.File(file, 'w');
      writeIndex(out, rowsOf(count));
      out.close();
      const back = new h5.File(file, 'r');
      expect(readIndex(back)).toEqual(rowsOf(count));
      back.close();
    }
  });

  it('reads columns in other layouts (as other software may write them) through h5wasm', async () => {
    const h5 = await loadH5wasm();
    const file = path.join(tempDir(), 'index-other.h5');
    const rows = rowsOf(7);
    const out = new h5.File(file, 'w');
    const index = out.create_group('index');
    // Signed integers of other widths; type as a variable-length string, target as a fixed-length one.
    index.create_dataset({ name: 'path', data: rows.map((r) => r.path) });
    index.create_dataset({ name: 'type', data: rows.map((r) => r.type) });
    index.create_dataset({ name: 'offset', data: BigInt64Array.from(rows, (r) => BigInt(r.offset)) });
    index.create_dataset({ name: 'length', data: rows.map((r) => r.length), dtype: '<i4' });
    index.create_dataset({ name: 'mtime', data: Float64Array.from(rows, (r) => r.mtime) });
    index.create_dataset({ name: 'mode', data: rows.map((r) => r.mode), dtype: '<i8' });
    index.create_dataset({ name: 'sha256', data: rows.map((r) => r.sha256), dtype: 'S64' });
    index.create_dataset({ name: 'target', data: rows.map((r) => r.target), dtype: 'S32' });
    out.close();
    const back = new h5.File(file, 'r');
    try {
      expect(readIndex(back, 3)).toEqual(rows);
      expect(readIndex(back)).toEqual(rows);
    } finally {
      back.close();
    }
  });
});
