import type { Dataset, File as H5File, Group } from 'h5wasm';
import * as h5wasm from 'h5wasm/node';
import { heapOf, heapSlab } from '../../hdf5/h5wasm.ts';
import { type IndexRow, MiB, type MemberType } from './format.ts';

const COLUMNS = ['path', 'type', 'offset', 'length', 'mtime', 'mode', 'sha256', 'target'] as const;
const MEMBER_TYPES = new Set<string>(['file', 'dir', 'symlink']);

/**
 * /index is written and read in slices of at most this many rows per h5wasm call (and at most
 * INDEX_SLICE_BYTES of strings), so a container of millions of members never puts a whole column
 * into the wasm heap at once: 64 Ki rows of 8-byte numbers are 512 KiB, of paths a few MiB.
 */
export const INDEX_SLICE_ROWS = 64 * 1024;
/** String bytes per slice of a variable-length column (paths, symlink targets). */
export const INDEX_SLICE_BYTES = 16 * MiB;
/**
 * Rows per HDF5 chunk of the index columns (chunked because they are written slice by slice). HDF5
 * allocates whole chunks, so a small index gets one chunk of its own size, and a large one wastes at
 * most one partly filled chunk per column (4 Ki rows: ~0.5 MiB in all).
 */
const INDEX_CHUNK_ROWS = 4 * 1024;

export interface IndexSlicing {
  rows: number;
  bytes: number;
}

/** Thrown for any container that does not hold a well-formed /index; the caller adds the file name. */
export class IndexError extends Error {}

/**
 * Writes /index as parallel 1-D datasets (h5wasm cannot write variable-length strings inside
 * compounds), each chunked, extendible and written in bounded slices. Every slice goes to HDF5 as
 * bytes laid out here in the dataset's own type (h5wasm's write path encodes fixed-length strings one
 * TextEncoder call at a time and numbers through BigInt arrays: ~0.3 s per 100k rows).
 */
export function writeIndex(
  file: H5File,
  rows: IndexRow[],
  slicing: IndexSlicing = { rows: INDEX_SLICE_ROWS, bytes: INDEX_SLICE_BYTES },
): void {
  new IndexWriter(file, rows.length, slicing).write(rows, rows.length);
}

/** One column's values by row: variable-length strings, fixed-length strings (dtype Sn) or numbers. */
type ColumnSource = { dtype: string } & (
  | { strings: (row: number) => string }
  | { text: (row: number) => string }
  | { uint64: (row: number) => number }
  | { float64: (row: number) => number }
  | { uint32: (row: number) => number }
);

/**
 * Writes /index while the rows are still being found: the columns grow by the rows given to each
 * write() (the container writer hands them over batch by batch, so the index is written while the
 * helper thread still reads files, not all at the end). `plannedRows` (an upper bound) sizes the chunks.
 */
export class IndexWriter {
  /** Rows already in the columns. */
  written = 0;
  private readonly columns: Dataset[];
  private readonly chunkRows: number;

  constructor(
    file: H5File,
    plannedRows: number,
    private readonly slicing: IndexSlicing = { rows: INDEX_SLICE_ROWS, bytes: INDEX_SLICE_BYTES },
  ) {
    const index = file.create_group('index');
    this.chunkRows = Math.max(1, Math.min(INDEX_CHUNK_ROWS, slicing.rows, plannedRows));
    this.columns = COLUMNS.map((name) =>
      index.create_dataset({
        name,
        data: [],
        shape: [0],
        maxshape: [null],
        chunks: [this.chunkRows],
        dtype: COLUMN_DTYPES[name],
      }),
    );
    this.columns[COLUMNS.indexOf('mtime')]!.create_attribute('units', 'seconds since 1970-01-01T00:00:00Z');
  }

  /**
   * Rows the caller should have collected before the next write: whole chunks, so no chunk is written
   * twice (only the last one, by the final write), and at most a slice (tests make slices small).
   */
  get batchRows(): number {
    const rows = Math.min(INDEX_WRITE_ROWS, this.slicing.rows);
    return this.chunkRows * Math.max(1, Math.floor(rows / this.chunkRows));
  }

  /** Appends rows [written, upTo) of `rows` to every column. */
  write(rows: IndexRow[], upTo: number): void {
    const from = this.written;
    if (upTo <= from) return;
    const sources = columnSources(rows);
    this.columns.forEach((dataset, c) => {
      const source = sources[c]!;
      dataset.resize([upTo]);
      if ('strings' in source) {
        for (const [a, b] of stringSlices(from, upTo, this.slicing, source.strings))
          writeStringSlice(dataset, a, range(a, b).map(source.strings));
      } else {
        for (const [a, b] of rowSlices(from, upTo, this.slicing.rows)) writeRawSlice(dataset, a, b, source);
      }
    });
    this.written = upTo;
  }
}

/** The columns' values, in COLUMNS order. */
function columnSources(rows: IndexRow[]): ColumnSource[] {
  return [
    { dtype: 'S', strings: (i) => rows[i]!.path },
    { dtype: 'S7', text: (i) => rows[i]!.type },
    { dtype: '<Q', uint64: (i) => rows[i]!.offset },
    { dtype: '<Q', uint64: (i) => rows[i]!.length },
    { dtype: '<d', float64: (i) => rows[i]!.mtime },
    { dtype: '<I', uint32: (i) => rows[i]!.mode },
    { dtype: 'S64', text: (i) => rows[i]!.sha256 },
    { dtype: 'S', strings: (i) => rows[i]!.target },
  ];
}

/** Rows per write of a growing index (whole chunks): 16 Ki rows, a few MiB of wasm heap at most. */
const INDEX_WRITE_ROWS = 16 * 1024;

const COLUMN_DTYPES: Record<(typeof COLUMNS)[number], string> = {
  path: 'S',
  type: 'S7',
  offset: '<Q',
  length: '<Q',
  mtime: '<d',
  mode: '<I',
  sha256: 'S64',
  target: 'S',
};

/** Lays out rows [from, to) of a fixed-size column as little-endian bytes and writes them. */
function writeRawSlice(dataset: Dataset, from: number, to: number, source: ColumnSource): void {
  const n = to - from;
  const bytes = layOut(source, from, to, dataset.path);
  const module = heapOf(h5wasm);
  const pointer = module._malloc(bytes.length);
  if (!pointer)
    throw new Error(`could not allocate ${bytes.length} bytes in the wasm heap for ${dataset.path}`);
  try {
    module.HEAPU8.set(bytes, pointer);
    heapSlab(module, 'set', dataset, from, n, pointer);
  } finally {
    module._free(pointer);
  }
}

/** Rows [from, to) of a fixed-size column in the dataset's type: little-endian, strings NUL-padded. */
function layOut(source: ColumnSource, from: number, to: number, name: string): Uint8Array {
  const n = to - from;
  if ('text' in source) {
    const size = Number(source.dtype.slice(1));
    // Zero-filled and NUL-padded, as h5wasm pads them; our values are ASCII (hex digits, type names).
    const out = Buffer.alloc(n * size);
    for (let i = 0; i < n; i++) out.write(source.text(from + i), i * size, size, 'utf8');
    return out;
  }
  if ('float64' in source) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = source.float64(from + i);
    return new Uint8Array(out.buffer);
  }
  if ('uint32' in source) {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = source.uint32(from + i);
    return new Uint8Array(out.buffer);
  }
  if ('uint64' in source) {
    // Two 32-bit halves per value (little-endian): no BigInt per row; values stay below 2^53.
    const out = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const value = source.uint64(from + i);
      out[2 * i] = value >>> 0;
      out[2 * i + 1] = Math.floor(value / 2 ** 32);
    }
    return new Uint8Array(out.buffer);
  }
  throw new Error(`internal: /index${name} is not a fixed-size column`);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function rowSlices(from: number, to: number, rows: number): [number, number][] {
  const slices: [number, number][] = [];
  for (let at = from; at < to; at += rows) slices.push([at, Math.min(to, at + rows)]);
  return slices;
}

/**
 * Cuts rows [start, end) of a string column at `rows` rows or `bytes` of UTF-8 (whichever comes
 * first; at least one row).
 */
function stringSlices(
  start: number,
  end: number,
  slicing: IndexSlicing,
  value: (row: number) => string,
): [number, number][] {
  const slices: [number, number][] = [];
  let from = start;
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const size = Buffer.byteLength(value(i), 'utf8') + 1;
    if (i > from && (i - from >= slicing.rows || bytes + size > slicing.bytes)) {
      slices.push([from, i]);
      from = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (end > from) slices.push([from, end]);
  return slices;
}

/**
 * h5wasm's Dataset.write_slice refuses variable-length strings, so this does what it does for other
 * types with the module's own set_dataset_data: the strings, NUL-terminated, and an array of their
 * 32-bit addresses in the wasm heap (HDF5's memory type for a variable-length C string), freed after.
 */
function writeStringSlice(dataset: Dataset, from: number, strings: string[]): void {
  const module = heapOf(h5wasm);
  let total = 0;
  for (const s of strings) total += Buffer.byteLength(s, 'utf8') + 1;
  const text = module._malloc(total);
  const pointers = module._malloc(4 * strings.length);
  if (!text || !pointers) {
    if (text) module._free(text);
    if (pointers) module._free(pointers);
    throw new Error(`could not allocate ${total} bytes in the wasm heap for /index${dataset.path}`);
  }
  try {
    // Views of the heap made after the allocations (growing the heap replaces its ArrayBuffer).
    const heap = Buffer.from(module.HEAPU8.buffer, module.HEAPU8.byteOffset, module.HEAPU8.byteLength);
    const addresses = new Uint32Array(module.HEAPU8.buffer, pointers, strings.length);
    let at = text;
    for (let i = 0; i < strings.length; i++) {
      addresses[i] = at;
      at += heap.write(strings[i]!, at, 'utf8');
      heap[at++] = 0;
    }
    heapSlab(module, 'set', dataset, from, strings.length, pointers);
  } finally {
    module._free(text);
    module._free(pointers);
  }
}

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
  const meta = dataset.metadata as unknown as ColumnType;
  const is = (type: number, size: number, vlen = false, signed = false) =>
    meta.type === type &&
    meta.size === size &&
    meta.vlen === vlen &&
    (type === H5T_STRING || meta.littleEndian === true) &&
    (type !== H5T_INTEGER || meta.signed === signed);
  if (name === 'path' || name === 'target') {
    return is(H5T_STRING, 4, true) ? (from, to) => readVlenStrings(dataset, from, to) : generic;
  }
  if (name === 'type' || name === 'sha256') {
    const size = name === 'type' ? 7 : 64;
    return is(H5T_STRING, size) ? (from, to) => readFixedStrings(dataset, from, to, size) : generic;
  }
  if (name === 'offset' || name === 'length') {
    return is(H5T_INTEGER, 8)
      ? (from, to) => {
          const halves = new Uint32Array(readRaw(dataset, from, to, 8).buffer);
          return Float64Array.from(
            { length: to - from },
            (_, i) => halves[2 * i]! + halves[2 * i + 1]! * 2 ** 32,
          );
        }
      : generic;
  }
  if (name === 'mtime' && is(H5T_FLOAT, 8))
    return (from, to) => new Float64Array(readRaw(dataset, from, to, 8).buffer);
  if (name === 'mode' && is(H5T_INTEGER, 4))
    return (from, to) => new Uint32Array(readRaw(dataset, from, to, 4).buffer);
  return generic;
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
  const out = new Array<string>(to - from);
  visitVlenStrings(dataset, from, to, (heap, i, start, end) => {
    out[i] = heap.toString('utf8', start, end);
  });
  return out;
}

/** Hands `use` the UTF-8 bytes [start, end) in the heap of each string of rows [from, to). */
function visitVlenStrings(
  dataset: Dataset,
  from: number,
  to: number,
  use: (heap: Buffer, i: number, start: number, end: number) => void,
): void {
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
  withHeapRead(dataset, from, to, 4, (heap, pointer) => {
    try {
      const pointers = new Uint32Array(heap.buffer, pointer, n);
      for (let i = 0; i < n; i++) {
        const start = pointers[i]!;
        if (start === 0) use(heap, i, 0, 0);
        else use(heap, i, start, heap.indexOf(0, start));
      }
    } finally {
      if (n > 0)
        module.reclaim_vlen_memory_count(dataset.file_id, dataset.path, '', BigInt(pointer), [BigInt(n)]);
    }
  });
}

/**
 * Compares /index with the rows that were written, byte for byte in each column's own layout (as
 * writeIndex lays them out), without decoding it into rows: ~0.3 s less per 100k rows than readIndex
 * and a comparison of every field. Names the rows that differ (at most `limit` of them).
 */
export function compareIndex(file: H5File, rows: IndexRow[], limit = 5): string[] {
  const index = file.get('index');
  if (!index || !('keys' in index)) return ['no /index group'];
  const problems: string[] = [];
  const differing = new Set<number>();
  const sources = columnSources(rows);
  COLUMNS.forEach((name, c) => {
    let dataset: Dataset;
    try {
      dataset = columnDataset(index as Group, name);
    } catch (err) {
      return void problems.push((err as Error).message);
    }
    const count = dataset.shape![0]!;
    if (count !== rows.length)
      return void problems.push(`/index/${name} has ${count} rows, ${rows.length} were written`);
    const source = sources[c]!;
    const meta = dataset.metadata as unknown as ColumnType;
    const size = Number(meta.size);
    if ('strings' in source) {
      if (!(meta.type === H5T_STRING && meta.vlen === true))
        return void problems.push(`/index/${name} is not the variable-length string column written`);
      const scratch = Buffer.allocUnsafe(64 * 1024);
      for (const [from, to] of rowSlices(0, count, INDEX_SLICE_ROWS))
        visitVlenStrings(dataset, from, to, (heap, i, start, end) => {
          const want = source.strings(from + i);
          const bytes = Buffer.byteLength(want, 'utf8');
          const expected = bytes <= scratch.length ? scratch : Buffer.allocUnsafe(bytes);
          expected.write(want, 0, bytes, 'utf8');
          if (end - start !== bytes || heap.compare(expected, 0, bytes, start, end) !== 0)
            differing.add(from + i);
        });
      return;
    }
    const expectedSize = 'text' in source ? Number(source.dtype.slice(1)) : source.dtype === '<I' ? 4 : 8;
    const expectedType = 'text' in source ? H5T_STRING : 'float64' in source ? H5T_FLOAT : H5T_INTEGER;
    const numeric = expectedType !== H5T_STRING;
    if (
      meta.vlen ||
      meta.type !== expectedType ||
      size !== expectedSize ||
      (numeric && meta.littleEndian !== true) ||
      (expectedType === H5T_INTEGER && meta.signed)
    )
      return void problems.push(`/index/${name} is not the ${source.dtype} column written`);
    for (const [from, to] of rowSlices(0, count, INDEX_SLICE_ROWS)) {
      const expected = layOut(source, from, to, dataset.path);
      withHeapRead(dataset, from, to, size, (heap, pointer) => {
        const got = heap.subarray(pointer, pointer + expected.length);
        if (Buffer.compare(got, expected) === 0) return;
        for (let i = 0; i < to - from; i++) {
          const a = i * size;
          if (Buffer.compare(got.subarray(a, a + size), expected.subarray(a, a + size)) !== 0)
            differing.add(from + i);
        }
      });
    }
  });
  const first = [...differing].sort((a, b) => a - b).slice(0, limit);
  for (const i of first) problems.push(`${rows[i]!.path}: index row ${i} differs from what was written`);
  return problems;
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
