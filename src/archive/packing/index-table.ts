import type { Dataset, File as H5File, Group } from 'h5wasm';
import * as h5wasm from 'h5wasm/node';
import { heapOf } from '../../hdf5/h5wasm.ts';
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
 * compounds), each chunked, extendible and written in bounded slices.
 */
export function writeIndex(
  file: H5File,
  rows: IndexRow[],
  slicing: IndexSlicing = { rows: INDEX_SLICE_ROWS, bytes: INDEX_SLICE_BYTES },
): void {
  const index = file.create_group('index');
  const n = rows.length;
  writeColumn(index, 'path', n, slicing, { strings: (i) => rows[i]!.path });
  writeColumn(index, 'type', n, slicing, {
    dtype: 'S7',
    fixed: (a, b) => rows.slice(a, b).map((r) => r.type),
  });
  writeColumn(index, 'offset', n, slicing, {
    fixed: (a, b) => BigUint64Array.from(rows.slice(a, b), (r) => BigInt(r.offset)),
  });
  writeColumn(index, 'length', n, slicing, {
    fixed: (a, b) => BigUint64Array.from(rows.slice(a, b), (r) => BigInt(r.length)),
  });
  const mtime = writeColumn(index, 'mtime', n, slicing, {
    fixed: (a, b) => Float64Array.from(rows.slice(a, b), (r) => r.mtime),
  });
  mtime.create_attribute('units', 'seconds since 1970-01-01T00:00:00Z');
  writeColumn(index, 'mode', n, slicing, {
    fixed: (a, b) => Uint32Array.from(rows.slice(a, b), (r) => r.mode),
  });
  writeColumn(index, 'sha256', n, slicing, {
    dtype: 'S64',
    fixed: (a, b) => rows.slice(a, b).map((r) => r.sha256),
  });
  writeColumn(index, 'target', n, slicing, { strings: (i) => rows[i]!.target });
}

type ColumnSource =
  | { dtype?: string; fixed: (from: number, to: number) => string[] | ArrayBufferView; strings?: undefined }
  | { strings: (row: number) => string; dtype?: undefined; fixed?: undefined };

function writeColumn(
  index: Group,
  name: string,
  count: number,
  slicing: IndexSlicing,
  source: ColumnSource,
): Dataset {
  const slices = source.strings
    ? stringSlices(count, slicing, source.strings)
    : rowSlices(count, slicing.rows);
  const chunk = Math.max(1, Math.min(INDEX_CHUNK_ROWS, slicing.rows, count));
  const [firstFrom, firstTo] = slices[0] ?? [0, 0];
  const firstData = source.strings
    ? range(firstFrom, firstTo).map(source.strings)
    : (source.fixed(firstFrom, firstTo) as never);
  const dataset = index.create_dataset({
    name,
    data: firstData,
    shape: [firstTo - firstFrom],
    maxshape: [null],
    chunks: [chunk],
    ...(source.dtype ? { dtype: source.dtype } : {}),
  });
  if (slices.length > 1) dataset.resize([count]);
  for (const [from, to] of slices.slice(1)) {
    if (source.strings) writeStringSlice(dataset, from, range(from, to).map(source.strings));
    else dataset.write_slice([[from, to]], source.fixed(from, to) as never);
  }
  return dataset;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function rowSlices(count: number, rows: number): [number, number][] {
  const slices: [number, number][] = [];
  for (let from = 0; from < count; from += rows) slices.push([from, Math.min(count, from + rows)]);
  return slices;
}

/** Cuts a string column at `rows` rows or `bytes` of UTF-8 (whichever comes first; at least one row). */
function stringSlices(
  count: number,
  slicing: IndexSlicing,
  value: (row: number) => string,
): [number, number][] {
  const slices: [number, number][] = [];
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const size = Buffer.byteLength(value(i), 'utf8') + 1;
    if (i > from && (i - from >= slicing.rows || bytes + size > slicing.bytes)) {
      slices.push([from, i]);
      from = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (count > from) slices.push([from, count]);
  return slices;
}

/**
 * h5wasm's Dataset.write_slice refuses variable-length strings, so this does what it does for other
 * types with the module's own set_dataset_data: the strings, NUL-terminated, and an array of their
 * 32-bit addresses in the wasm heap (HDF5's memory type for a variable-length C string), freed after.
 */
function writeStringSlice(dataset: Dataset, from: number, strings: string[]): void {
  const module = heapOf(h5wasm);
  const encoded = strings.map((s) => Buffer.from(s, 'utf8'));
  const total = encoded.reduce((sum, b) => sum + b.length + 1, 0);
  const text = module._malloc(total);
  const pointers = module._malloc(4 * strings.length);
  if (!text || !pointers) {
    if (text) module._free(text);
    if (pointers) module._free(pointers);
    throw new Error(`could not allocate ${total} bytes in the wasm heap for /index${dataset.path}`);
  }
  try {
    const addresses = new Uint32Array(strings.length);
    let at = text;
    encoded.forEach((bytes, i) => {
      module.HEAPU8.set(bytes, at);
      module.HEAPU8[at + bytes.length] = 0;
      addresses[i] = at;
      at += bytes.length + 1;
    });
    module.HEAPU8.set(new Uint8Array(addresses.buffer), pointers);
    module.set_dataset_data(
      dataset.file_id,
      dataset.path,
      [BigInt(strings.length)],
      [BigInt(from)],
      [1n],
      BigInt(pointers),
    );
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
  const rows: IndexRow[] = new Array(count);
  // One slice of every column at a time: no h5wasm call holds a whole column of a huge index.
  for (let from = 0; from < count || from === 0; from += sliceRows) {
    const to = Math.min(count, from + sliceRows);
    const [path, type, offset, length, mtime, mode, sha256, target] = datasets.map((dataset, c) =>
      asList(count <= sliceRows ? dataset.value : dataset.slice([[from, to]]), COLUMNS[c]!, to - from),
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
