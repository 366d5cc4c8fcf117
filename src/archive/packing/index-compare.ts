import type { Dataset, File as H5File, Group } from 'h5wasm';
import type { IndexRow } from './format.ts';
import { COLUMNS, columnSources, INDEX_SLICE_ROWS, layOut, nulJoined, rowSlices } from './index-table.ts';
import {
  type ColumnType,
  columnDataset,
  hasWrittenLayout,
  withHeapRead,
  withVlenStrings,
} from './index-read.ts';

// Comparing /index with the rows written (the check before the rename), byte for byte in each
// column's own layout, without decoding it into rows; one or two threads share the work.

/** A column of /index as it was written: its h5wasm dtype and its bytes for rows [from, to). */
export interface ExpectedColumn {
  dtype: string;
  /** Fixed-size columns: the rows laid out as written; string columns: each string and a NUL. */
  bytes: (from: number, to: number) => Uint8Array;
}

export type ColumnName = (typeof COLUMNS)[number];

/** The variable-length string columns: the costliest to compare, so another thread can take them. */
export const STRING_COLUMNS: readonly ColumnName[] = ['path', 'target'];

/** What a comparison found: problems with whole columns, and the rows that differ. */
export interface IndexComparison {
  problems: string[];
  differing: number[];
}

/**
 * Compares /index with the rows that were written, byte for byte in each column's own layout (as
 * writeIndex lays them out), without decoding it into rows: ~0.3 s less per 100k rows than readIndex
 * and a comparison of every field. Names the rows that differ (at most `limit` of them).
 */
export function compareIndex(file: H5File, rows: IndexRow[], limit = 5): string[] {
  return describeComparison(rows, [compareColumns(file, rows.length, expectedColumns(rows))], limit);
}

/** The columns of `rows` as written (all of them, or those named, in the order named). */
export function expectedColumns(
  rows: IndexRow[],
  names: readonly ColumnName[] = COLUMNS,
): Map<ColumnName, ExpectedColumn> {
  const sources = columnSources(rows);
  const columns = new Map<ColumnName, ExpectedColumn>();
  names.forEach((name) => {
    const source = sources[COLUMNS.indexOf(name)]!;
    columns.set(name, {
      dtype: source.dtype,
      bytes:
        'strings' in source
          ? // One encoding call per slice, not one per row.
            (from, to) => Buffer.from(nulJoined(source.strings, from, to), 'utf8')
          : (from, to) => layOut(source, from, to, `/${name}`),
    });
  });
  return columns;
}

/**
 * A string column given as all its strings, each followed by a NUL, in one string (as another thread
 * sends it): sliced by rows without splitting it into strings again.
 */
export function expectedStrings(nulTerminated: string): ExpectedColumn {
  const all = Buffer.from(nulTerminated, 'utf8');
  const starts: number[] = [0];
  for (let at = all.indexOf(0); at !== -1; at = all.indexOf(0, at + 1)) starts.push(at + 1);
  return { dtype: 'S', bytes: (from, to) => all.subarray(starts[from], starts[to]) };
}

/** Names the differing rows of one or more comparisons (the first `limit` of them, in row order). */
export function describeComparison(rows: IndexRow[], comparisons: IndexComparison[], limit = 5): string[] {
  const differing = [...new Set(comparisons.flatMap((c) => c.differing))].sort((a, b) => a - b);
  return [
    // A problem with a whole column may come from both threads that shared its slices.
    ...new Set(comparisons.flatMap((c) => c.problems)),
    ...differing
      .slice(0, limit)
      .map((i) => `${rows[i]?.path ?? `row ${i}`}: index row ${i} differs from what was written`),
  ];
}

/** Rows per slice when two threads share a comparison (~5 ms of work per variable-length column). */
const SHARED_SLICE_ROWS = 4096;

/**
 * Compares the given columns of /index, each expected to have `count` rows. With `cursor` (shared with
 * another thread comparing the same columns, given in the same order, with the same count), each
 * thread takes the next slice of rows not yet taken until none is left: together they compare every
 * slice once, whichever thread is faster (a problem with a whole column may be named by both).
 */
export function compareColumns(
  file: H5File,
  count: number,
  columns: Map<ColumnName, ExpectedColumn>,
  cursor?: Int32Array,
): IndexComparison {
  const index = file.get('index');
  if (!index || !('keys' in index)) return { problems: ['no /index group'], differing: [] };
  const problems: string[] = [];
  const differing = new Set<number>();
  // Shared slices are smaller: the thread that takes the last one finishes alone. An empty index is
  // one empty slice: its columns are still checked (present, no rows).
  const sliceRows = cursor ? SHARED_SLICE_ROWS : INDEX_SLICE_ROWS;
  const slices = count > 0 ? rowSlices(0, count, sliceRows) : [[0, 0] as [number, number]];
  const work = [...columns.keys()].flatMap((name) => slices.map((slice) => ({ name, slice })));
  // Each column's dataset once checked by this thread, or null (its problem is named).
  const checked = new Map<ColumnName, { dataset: Dataset; size: number } | null>();
  const columnOf = (name: ColumnName, dtype: string) => {
    if (!checked.has(name)) {
      const column = checkedColumn(index as Group, name, count, dtype);
      if (typeof column === 'string') problems.push(column);
      checked.set(
        name,
        typeof column === 'string'
          ? null
          : { dataset: column, size: Number((column.metadata as unknown as ColumnType).size) },
      );
    }
    return checked.get(name)!;
  };
  let own = 0;
  const next = () => (cursor ? Atomics.add(cursor, 0, 1) : own++);
  for (let item = next(); item < work.length; item = next()) {
    const { name, slice } = work[item]!;
    const [from, to] = slice;
    const expected = columns.get(name)!;
    const column = columnOf(name, expected.dtype);
    if (!column) continue;
    const { dataset, size } = column;
    const bytes = expected.bytes(from, to);
    if (expected.dtype === 'S') {
      withVlenStrings(dataset, from, to, (heap, pointers) =>
        compareVlenStrings(heap, pointers, bytes, (i) => differing.add(from + i)),
      );
      continue;
    }
    withHeapRead(dataset, from, to, size, (heap, pointer) => {
      const got = heap.subarray(pointer, pointer + bytes.length);
      if (Buffer.compare(got, bytes) === 0) return;
      for (let i = 0; i < to - from; i++) {
        const a = i * size;
        if (Buffer.compare(got.subarray(a, a + size), bytes.subarray(a, a + size)) !== 0)
          differing.add(from + i);
      }
    });
  }
  return { problems, differing: [...differing] };
}

/** A column's dataset if it has `count` rows in the layout written for `dtype`, else the problem. */
function checkedColumn(index: Group, name: ColumnName, count: number, dtype: string): Dataset | string {
  let dataset: Dataset;
  try {
    dataset = columnDataset(index, name);
  } catch (err) {
    return (err as Error).message;
  }
  const rows = dataset.shape![0]!;
  if (rows !== count) return `/index/${name} has ${rows} rows, ${count} were written`;
  if (!hasWrittenLayout(dataset.metadata as unknown as ColumnType, dtype))
    return dtype === 'S'
      ? `/index/${name} is not the variable-length string column written`
      : `/index/${name} is not the ${dtype} column written`;
  return dataset;
}

/**
 * Compares, in one pass, the strings HDF5 read (NUL-terminated at `pointers` in `heap`; 0 for a null
 * string, read as empty) with `expected` (the written strings, each followed by a NUL; none holds a
 * NUL, which paths and symlink targets cannot): byte by byte in a loop the JIT compiles, where three
 * calls into the runtime per row (encode, length, compare) took ~0.1 s per 100k rows and two columns.
 */
function compareVlenStrings(
  heap: Buffer,
  pointers: Uint32Array,
  expected: Uint8Array,
  differs: (row: number) => void,
): void {
  let at = 0;
  for (let i = 0; i < pointers.length; i++) {
    const start = pointers[i]!;
    let same = true;
    if (start === 0) {
      same = expected[at] === 0;
    } else {
      let k = 0;
      for (; at + k < expected.length && expected[at + k] !== 0; k++) {
        if (heap[start + k] !== expected[at + k]) {
          same = false;
          break;
        }
      }
      if (same && heap[start + k] !== 0) same = false;
    }
    if (!same) differs(i);
    while (at < expected.length && expected[at] !== 0) at++;
    at++;
  }
}
