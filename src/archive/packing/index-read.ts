import type { Dataset, File as H5File, Group } from 'h5wasm';
import * as h5wasm from 'h5wasm/node';
import { heapOf, heapSlab } from '../../hdf5/h5wasm.ts';
import type { IndexRow, MemberType } from './format.ts';
import {
  COLUMNS,
  columnSources,
  INDEX_SLICE_ROWS,
  IndexError,
  layOut,
  nulJoined,
  rowSlices,
} from './index-table.ts';

// Reading /index back (restore, ls, verify) and comparing it with the rows written (the check before
// the rename). Columns in the layout index-table.ts writes are read as bytes from the wasm heap.

const MEMBER_TYPES = new Set<string>(['file', 'dir', 'symlink']);

/** Reads /index back into rows, checking that every column is present and of the same length. */
export function readIndex(file: H5File, sliceRows = INDEX_SLICE_ROWS): IndexRow[] {
  const index = file.get('index');
  if (!index || !('keys' in index)) throw new IndexError('no /index group');
  const datasets = COLUMNS.map((name) => columnDataset(index as Group, name));
  const count = datasets[0]!.shape![0]!;
  COLUMNS.forEach((name, c) => {
    const length = datasets[c]!.shape![0]!;
    if (length !== count) throw new IndexError(`/index/${name} has ${length} rows, /index/path has ${count}`);
  });
  const readers = datasets.map((dataset, c) => columnReader(dataset, COLUMNS[c]!, count <= sliceRows));
  const rows: IndexRow[] = new Array(count);
  // One slice of every column at a time: no h5wasm call holds a whole column of a huge index.
  for (let from = 0; from < count || from === 0; from += sliceRows) {
    const to = Math.min(count, from + sliceRows);
    const [path, type, offset, length, mtime, mode, sha256, target] = readers.map((read, c) =>
      asList(read(from, to), COLUMNS[c]!, to - from),
    );
    for (let i = 0; i < to - from; i++) {
      const kind = String(type![i]);
      if (!MEMBER_TYPES.has(kind)) throw new IndexError(`row ${from + i}: unknown member type "${kind}"`);
      rows[from + i] = {
        path: String(path![i]),
        type: kind as MemberType,
        offset: Number(offset![i]),
        length: Number(length![i]),
        mtime: Number(mtime![i]),
        mode: Number(mode![i]),
        sha256: String(sha256![i]),
        target: String(target![i]),
      };
    }
    if (count === 0) break;
  }
  return rows;
}

/** HDF5 type classes (H5T_class_t), as h5wasm reports them in a dataset's metadata. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

interface ColumnType {
  type: number;
  size: number;
  signed: boolean;
  littleEndian: boolean;
  vlen: boolean;
}

/**
 * How to read rows [from, to) of a column. A column in the layout writeIndex gives it is read as bytes
 * from the wasm heap and decoded here (h5wasm decodes fixed-length strings one TextDecoder call and
 * two copies per row); any other layout (a container written by other software) through h5wasm.
 */
function columnReader(dataset: Dataset, name: string, whole: boolean): (from: number, to: number) => unknown {
  const generic = (from: number, to: number): unknown =>
    whole ? dataset.value : dataset.slice([[from, to]]);
  const dtype = DTYPES[COLUMNS.indexOf(name as (typeof COLUMNS)[number])]!;
  if (!hasWrittenLayout(dataset.metadata as unknown as ColumnType, dtype)) return generic;
  if (name === 'path' || name === 'target') return (from, to) => readVlenStrings(dataset, from, to);
  if (name === 'type' || name === 'sha256') {
    const size = Number(dtype.slice(1));
    return (from, to) => readFixedStrings(dataset, from, to, size);
  }
  if (name === 'offset' || name === 'length') {
    return (from, to) => {
      const halves = new Uint32Array(readRaw(dataset, from, to, 8).buffer);
      return Float64Array.from(
        { length: to - from },
        (_, i) => halves[2 * i]! + halves[2 * i + 1]! * 2 ** 32,
      );
    };
  }
  if (name === 'mtime') return (from, to) => new Float64Array(readRaw(dataset, from, to, 8).buffer);
  if (name === 'mode') return (from, to) => new Uint32Array(readRaw(dataset, from, to, 4).buffer);
  return generic;
}

/** The h5wasm dtypes index-table.ts writes, in COLUMNS order. */
const DTYPES = columnSources([]).map((source) => source.dtype);

/**
 * Whether a column has the layout index-table.ts gives a column of `dtype` ('S': variable-length
 * strings; 'Sn': fixed-length strings; '<Q', '<I': little-endian unsigned; '<d': little-endian float64),
 * the layout the raw-byte reads and the byte-for-byte comparison rely on.
 */
function hasWrittenLayout(meta: ColumnType, dtype: string): boolean {
  if (dtype === 'S') return meta.type === H5T_STRING && meta.vlen === true && meta.size === 4;
  if (meta.vlen !== false) return false;
  if (dtype.startsWith('S')) return meta.type === H5T_STRING && meta.size === Number(dtype.slice(1));
  const type = dtype === '<d' ? H5T_FLOAT : H5T_INTEGER;
  return (
    meta.type === type &&
    meta.size === (dtype === '<I' ? 4 : 8) &&
    meta.littleEndian === true &&
    (type !== H5T_INTEGER || meta.signed === false)
  );
}

/** Rows [from, to) of a fixed-size column, copied out of the wasm heap. */
function readRaw(dataset: Dataset, from: number, to: number, size: number): Uint8Array {
  return withHeapRead(
    dataset,
    from,
    to,
    size,
    (heap, pointer) => new Uint8Array(heap.subarray(pointer, pointer + (to - from) * size)),
  );
}

/** Fixed-length strings, NUL-padded: each ends at its first NUL byte or at `size` bytes. */
function readFixedStrings(dataset: Dataset, from: number, to: number, size: number): string[] {
  return withHeapRead(dataset, from, to, size, (heap, pointer) => {
    const out = new Array<string>(to - from);
    for (let i = 0; i < to - from; i++) {
      const start = pointer + i * size;
      let end = start;
      while (end < start + size && heap[end] !== 0) end++;
      out[i] = heap.toString('utf8', start, end);
    }
    return out;
  });
}

/** Variable-length strings: HDF5 fills an array of pointers to strings it allocated, freed after. */
function readVlenStrings(dataset: Dataset, from: number, to: number): string[] {
  return withVlenStrings(dataset, from, to, (heap, pointers) => {
    const out = new Array<string>(to - from);
    for (let i = 0; i < out.length; i++) {
      const start = pointers[i]!;
      out[i] = start === 0 ? '' : heap.toString('utf8', start, heap.indexOf(0, start));
    }
    return out;
  });
}

/**
 * Reads rows [from, to) of a variable-length string column and hands `use` the heap and the strings'
 * addresses in it (NUL-terminated UTF-8; 0 for a null string), valid only during the call.
 */
function withVlenStrings<T>(
  dataset: Dataset,
  from: number,
  to: number,
  use: (heap: Buffer, pointers: Uint32Array) => T,
): T {
  const module = heapOf(h5wasm) as ReturnType<typeof heapOf> & {
    /** Frees the strings HDF5 allocated for a hyperslab read of `count` variable-length values. */
    reclaim_vlen_memory_count(
      fileId: bigint,
      path: string,
      attribute: string,
      pointer: bigint,
      count: bigint[],
    ): number;
  };
  const n = to - from;
  return withHeapRead(dataset, from, to, 4, (heap, pointer) => {
    try {
      return use(heap, new Uint32Array(heap.buffer, pointer, n));
    } finally {
      if (n > 0)
        module.reclaim_vlen_memory_count(dataset.file_id, dataset.path, '', BigInt(pointer), [BigInt(n)]);
    }
  });
}

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

/** Reads rows [from, to) into a heap buffer and hands `use` a Buffer view of the whole heap. */
function withHeapRead<T>(
  dataset: Dataset,
  from: number,
  to: number,
  size: number,
  use: (heap: Buffer, pointer: number) => T,
): T {
  const module = heapOf(h5wasm);
  const n = to - from;
  const pointer = module._malloc(Math.max(1, n * size));
  if (!pointer) throw new IndexError(`could not allocate ${n * size} bytes to read ${dataset.path}`);
  try {
    if (n > 0) heapSlab(module, 'get', dataset, from, n, pointer);
    // A view made after the read: HDF5 may have grown the heap (which replaces its ArrayBuffer).
    const heap = Buffer.from(module.HEAPU8.buffer, 0, module.HEAPU8.byteLength);
    return use(heap, pointer);
  } finally {
    module._free(pointer);
  }
}

function columnDataset(index: Group, name: string): Dataset {
  const dataset = index.get(name);
  if (!dataset || !('slice' in dataset)) throw new IndexError(`no /index/${name} dataset`);
  const shape = (dataset as Dataset).shape;
  if (!shape || shape.length !== 1) throw new IndexError(`/index/${name} is not a 1-D dataset`);
  return dataset as Dataset;
}

function asList(value: unknown, name: string, expected: number): ArrayLike<unknown> {
  if (value === null || typeof value !== 'object' || !('length' in value)) {
    throw new IndexError(`/index/${name} is not a 1-D dataset`);
  }
  const list = value as ArrayLike<unknown>;
  if (list.length !== expected)
    throw new IndexError(`/index/${name}: read ${list.length} of ${expected} rows`);
  return list;
}
