import type { Dataset, File as H5File, Group } from 'h5wasm';
import * as h5wasm from 'h5wasm/node';
import { heapOf, heapSlab } from '../../hdf5/h5wasm.ts';
import type { IndexRow, MemberType } from './format.ts';
import { COLUMNS, columnSources, INDEX_SLICE_ROWS, IndexError } from './index-table.ts';

// Reading /index back (restore, ls, verify). Columns in the layout index-table.ts writes are read as
// bytes from the wasm heap (index-compare.ts compares them with the rows written the same way).

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

export interface ColumnType {
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
export function hasWrittenLayout(meta: ColumnType, dtype: string): boolean {
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
export function withVlenStrings<T>(
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

/** Reads rows [from, to) into a heap buffer and hands `use` a Buffer view of the whole heap. */
export function withHeapRead<T>(
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

export function columnDataset(index: Group, name: string): Dataset {
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
