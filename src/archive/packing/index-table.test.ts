import path from 'node:path';
import type { File as H5File } from 'h5wasm';
import { describe, expect, it } from 'vitest';
import { loadH5wasm } from '../../hdf5/h5wasm.ts';
import type { IndexRow } from './format.ts';
import { IndexWriter, layOut, utf8Length, writeIndex } from './index-table.ts';
import { compareIndex } from './index-compare.ts';
import { readIndex } from './index-read.ts';
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

/** Writes an HDF5 file with `write`, then opens it again for `check` (closed after, whatever happens). */
async function writeThenRead(
  name: string,
  write: (out: H5File) => void,
  check: (back: H5File) => void,
): Promise<void> {
  const h5 = await loadH5wasm();
  const file = path.join(tempDir(), name);
  const out = new h5.File(file, 'w');
  write(out);
  out.close();
  const back = new h5.File(file, 'r');
  try {
    check(back);
  } finally {
    back.close();
  }
}

describe('utf8Length', () => {
  it('counts the bytes Buffer.byteLength counts, for every width of UTF-8 and lone surrogates', () => {
    for (const value of [
      '',
      'abc',
      'é',
      'ü/ß',
      '€',
      '日本',
      '😀',
      'a😀b',
      '\uD83D',
      'x\uDE00',
      '\uD83Dx',
      '\uFFFF',
    ])
      expect(utf8Length(value), JSON.stringify(value)).toBe(Buffer.byteLength(value, 'utf8'));
  });
});

describe('layOut of fixed-length strings', () => {
  it('pads ASCII values with NULs and cuts or encodes any other value as Buffer.write does', () => {
    const each = (values: string[], size: number) =>
      Buffer.concat(
        values.map((v) => {
          const out = Buffer.alloc(size);
          out.write(v, 0, size, 'utf8');
          return out;
        }),
      );
    const ascii = ['file', 'dir', '', 'symlink', 'file', 'abcdefg'];
    const mixed = [...ascii, 'é', 'a€b', '😀x', 'toolongvalue'];
    for (const values of [ascii, mixed]) {
      const source = { dtype: 'S7', text: (i: number) => values[i]! };
      expect(Buffer.from(layOut(source, 0, values.length, '/type'))).toEqual(each(values, 7));
      expect(Buffer.from(layOut(source, 2, 5, '/type'))).toEqual(each(values.slice(2, 5), 7));
    }
  });
});

describe('/index columns', () => {
  it('are written and read in bounded slices and come back intact', async () => {
    const rows = rowsOf(23);
    await writeThenRead(
      'index.h5',
      // 4 rows per call; strings cut at 100 bytes too (paths grow to ~160 bytes: one row per slice).
      (out) => writeIndex(out, rows, { rows: 4, bytes: 100 }),
      (back) => {
        const column = back.get('index/path') as import('h5wasm').Dataset;
        expect(column.shape).toEqual([23]);
        expect(column.metadata.chunks).toEqual([4]);
        expect(readIndex(back, 5)).toEqual(rows);
        expect(readIndex(back)).toEqual(rows);
      },
    );
  });

  it('grow by the rows handed over piece by piece, as the container writer does', async () => {
    const rows = rowsOf(23);
    await writeThenRead(
      'growing.h5',
      (out) => {
        // Planned 25 rows (two were dropped later), 4 rows per call, written after 0, 5, 5, 11 and 23 rows.
        const index = new IndexWriter(out, 25, { rows: 4, bytes: 100 });
        for (const upTo of [0, 5, 5, 11, 23]) index.write(rows, upTo);
        expect(index.written).toBe(23);
      },
      (back) => {
        expect((back.get('index/sha256') as import('h5wasm').Dataset).shape).toEqual([23]);
        expect(readIndex(back, 5)).toEqual(rows);
      },
    );
  });

  it('are compared byte for byte with the rows written, naming the rows that differ', async () => {
    const rows = rowsOf(23);
    await writeThenRead(
      'compare.h5',
      (out) => writeIndex(out, rows, { rows: 4, bytes: 100 }),
      (back) => {
        expect(compareIndex(back, rows)).toEqual([]);
        const changed = rows.map((r) => ({ ...r }));
        changed[2]!.sha256 = changed[2]!.sha256.replace(/.$/, 'f');
        changed[7]!.path += 'x';
        changed[11]!.mtime += 1e-6;
        changed[20]!.target = 'elsewhere';
        expect(compareIndex(back, changed)).toEqual(
          [2, 7, 11, 20].map((i) => `${changed[i]!.path}: index row ${i} differs from what was written`),
        );
        const strings = rows.map((r) => ({ ...r }));
        strings[9]!.path = strings[9]!.path.slice(0, -1); // shorter: the string read back goes on
        strings[13]!.target = ''; // a symlink's target read back where none was written
        strings[15]!.path = strings[15]!.path.replace('f', 'g');
        expect(compareIndex(back, strings)).toEqual(
          [9, 13, 15].map((i) => `${strings[i]!.path}: index row ${i} differs from what was written`),
        );
        expect(compareIndex(back, rows.slice(0, 22))).toEqual(
          expect.arrayContaining(['/index/path has 23 rows, 22 were written']),
        );
      },
    );
  });

  it('handles an empty index and one that fits a single slice', async () => {
    for (const count of [0, 3])
      await writeThenRead(
        `index-${count}.h5`,
        (out) => writeIndex(out, rowsOf(count)),
        (back) => expect(readIndex(back)).toEqual(rowsOf(count)),
      );
  });

  it('reads columns in other layouts (as other software may write them) through h5wasm', async () => {
    const rows = rowsOf(7);
    await writeThenRead(
      'index-other.h5',
      (out) => {
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
      },
      (back) => {
        expect(readIndex(back, 3)).toEqual(rows);
        expect(readIndex(back)).toEqual(rows);
      },
    );
  });
});
