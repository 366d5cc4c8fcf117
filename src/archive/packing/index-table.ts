import type { Dataset, File as H5File } from 'h5wasm';
import * as h5wasm from 'h5wasm/node';
import { heapOf, heapSlab } from '../../hdf5/h5wasm.ts';
import { type IndexRow, MiB } from './format.ts';

export const COLUMNS = ['path', 'type', 'offset', 'length', 'mtime', 'mode', 'sha256', 'target'] as const;

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
export type ColumnSource = { dtype: string } & (
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
    const sources = columnSources([]);
    this.columns = COLUMNS.map((name, c) =>
      index.create_dataset({
        name,
        data: [],
        shape: [0],
        maxshape: [null],
        chunks: [this.chunkRows],
        dtype: sources[c]!.dtype,
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
        const lengths = new Uint32Array(upTo - from);
        for (let i = from; i < upTo; i++) lengths[i - from] = utf8Length(source.strings(i));
        for (const [a, b] of stringSlices(from, upTo, this.slicing, (i) => lengths[i - from]!))
          writeStringSlice(dataset, a, b, source.strings, lengths.subarray(a - from, b - from));
      } else {
        for (const [a, b] of rowSlices(from, upTo, this.slicing.rows)) writeRawSlice(dataset, a, b, source);
      }
    });
    this.written = upTo;
  }
}

/** The columns' values and types (h5wasm dtypes), in COLUMNS order. */
export function columnSources(rows: IndexRow[]): ColumnSource[] {
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
export function layOut(source: ColumnSource, from: number, to: number, name: string): Uint8Array {
  const n = to - from;
  if ('text' in source) {
    const size = Number(source.dtype.slice(1));
    return layOutAscii(source.text, from, to, size) ?? layOutText(source.text, from, to, size);
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

/**
 * Fixed-length strings, NUL-padded as h5wasm pads them, when every value is ASCII of at most `size`
 * characters (our hex digests and type names): the values, each padded, joined and encoded with one
 * call (the padded forms of the few shorter values, such as type names and empty digests, made once).
 * Null when a value is longer or not ASCII: UTF-8 then gives more bytes than characters.
 */
function layOutAscii(value: (row: number) => string, from: number, to: number, size: number): Buffer | null {
  const padded = new Array<string>(to - from);
  const shorter = new Map<string, string>();
  for (let i = from; i < to; i++) {
    const text = value(i);
    if (text.length === size) padded[i - from] = text;
    else if (text.length > size) return null;
    else {
      let pad = shorter.get(text);
      if (pad === undefined) shorter.set(text, (pad = text.padEnd(size, '\0')));
      padded[i - from] = pad;
    }
  }
  const out = Buffer.from(padded.join(''), 'utf8');
  return out.length === (to - from) * size ? out : null;
}

/** Fixed-length strings of any text, each cut at `size` bytes of UTF-8 and NUL-padded. */
function layOutText(value: (row: number) => string, from: number, to: number, size: number): Buffer {
  const out = Buffer.alloc((to - from) * size);
  for (let i = from; i < to; i++) {
    const text = value(i);
    if (!copyAscii(text, out, (i - from) * size, size)) out.write(text, (i - from) * size, size, 'utf8');
  }
  return out;
}

/** Copies an ASCII `value` of at most `size` characters to `out` at `at`; false (partly done) otherwise. */
function copyAscii(value: string, out: Buffer, at: number, size: number): boolean {
  if (value.length > size) return false;
  for (let k = 0; k < value.length; k++) {
    const code = value.charCodeAt(k);
    if (code > 0x7f) return false;
    out[at + k] = code;
  }
  return true;
}

/** Bytes of `value` in UTF-8 (as Buffer.byteLength gives; a lone surrogate becomes U+FFFD, 3 bytes). */
export function utf8Length(value: string): number {
  let bytes = value.length;
  for (let k = 0; k < value.length; k++) {
    const code = value.charCodeAt(k);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
      continue;
    }
    bytes += 2;
    // A surrogate pair is two code units and four bytes: its second unit adds nothing more.
    if (code >= 0xd800 && code <= 0xdbff && k + 1 < value.length) {
      const next = value.charCodeAt(k + 1);
      if (next >= 0xdc00 && next <= 0xdfff) k++;
    }
  }
  return bytes;
}

/** Rows [from, to) of a string column, each followed by a NUL, as one string (one UTF-8 encoding). */
export function nulJoined(value: (row: number) => string, from: number, to: number): string {
  const strings = new Array<string>(to - from);
  for (let i = from; i < to; i++) strings[i - from] = value(i);
  return strings.length > 0 ? `${strings.join('\0')}\0` : '';
}

export function rowSlices(from: number, to: number, rows: number): [number, number][] {
  const slices: [number, number][] = [];
  for (let at = from; at < to; at += rows) slices.push([at, Math.min(to, at + rows)]);
  return slices;
}

/**
 * Cuts rows [start, end) of a string column at `rows` rows or `bytes` of UTF-8 (whichever comes
 * first; at least one row); `utf8Bytes` gives each row's string length in UTF-8.
 */
function stringSlices(
  start: number,
  end: number,
  slicing: IndexSlicing,
  utf8Bytes: (row: number) => number,
): [number, number][] {
  const slices: [number, number][] = [];
  let from = start;
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const size = utf8Bytes(i) + 1;
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
function writeStringSlice(
  dataset: Dataset,
  from: number,
  to: number,
  value: (row: number) => string,
  utf8Lengths: Uint32Array,
): void {
  const module = heapOf(h5wasm);
  const n = to - from;
  let total = 0;
  // Indexed loops: this runs a few times per container, often before the JIT optimises it, and an
  // unoptimised for-of allocates an iterator result per row.
  for (let i = 0; i < n; i++) total += utf8Lengths[i]! + 1;
  // The slice's strings, each followed by a NUL, encoded with one call (not one per row).
  const joined = nulJoined(value, from, to);
  const text = module._malloc(Math.max(1, total));
  const pointers = module._malloc(Math.max(1, 4 * n));
  if (!text || !pointers) {
    if (text) module._free(text);
    if (pointers) module._free(pointers);
    throw new Error(`could not allocate ${total} bytes in the wasm heap for /index${dataset.path}`);
  }
  try {
    // Views of the heap made after the allocations (growing the heap replaces its ArrayBuffer).
    const heap = Buffer.from(module.HEAPU8.buffer, module.HEAPU8.byteOffset, module.HEAPU8.byteLength);
    const addresses = new Uint32Array(module.HEAPU8.buffer, pointers, n);
    if (heap.write(joined, text, total, 'utf8') !== total)
      throw new Error(`internal: /index${dataset.path} strings are not ${total} bytes of UTF-8`);
    // An empty string goes in as a null one (address 0): HDF5 then stores no heap object for it, which
    // makes a column of mostly empty strings (symlink targets) ~4x faster to write and to read back.
    // h5py reads it as b'' all the same (h5dump shows NULL).
    let at = text;
    for (let i = 0; i < n; i++) {
      addresses[i] = utf8Lengths[i] === 0 ? 0 : at;
      at += utf8Lengths[i]! + 1;
    }
    heapSlab(module, 'set', dataset, from, n, pointers);
  } finally {
    module._free(text);
    module._free(pointers);
  }
}
