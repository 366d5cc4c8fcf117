import fs from 'node:fs';
import path from 'node:path';
import type { Dataset, File as H5File } from 'h5wasm';
import { heapOf, heapSlab, loadH5wasm } from '../../hdf5/h5wasm.ts';
import { type ContainerAttributes, readAttributes } from './attributes.ts';
import { type IndexRow, SLICE_BYTES } from './format.ts';
import { HDF5_SIGNATURE, fdIsHdf5 } from './hdf5-signature.ts';
import {
  type ColumnName,
  type ExpectedColumn,
  type IndexComparison,
  compareColumns,
} from './index-compare.ts';
import { readIndex } from './index-read.ts';

/** A file that is not a readable fairbeam container; the message starts with its path. */
export class ContainerError extends Error {}

/** An open container: attributes and index in memory, member bytes read on demand by byte range. */
export interface Container {
  file: string;
  attributes: ContainerAttributes;
  rows: IndexRow[];
  blobBytes: number;
  /** Reads [offset, offset+length) of /blob with one hyperslab read (length ≤ SLICE_BYTES). */
  readBlob(offset: number, length: number): Uint8Array;
  /**
   * Like readBlob, but hands `use` a view of the bytes in the wasm heap, valid only during the call:
   * no copy out of the heap and no fresh buffer per read (for checksumming a whole container).
   */
  visitBlob(offset: number, length: number, use: (bytes: Uint8Array) => void): void;
  /** Compares some columns of /index with what was written (see compareColumns, and its `cursor`). */
  compareColumns(
    count: number,
    columns: Map<ColumnName, ExpectedColumn>,
    cursor?: Int32Array,
  ): IndexComparison;
  close(): void;
}

/** `index: false` skips reading /index (rows stay empty): for a reader that only needs /blob. */
export async function openContainer(file: string, options: { index?: boolean } = {}): Promise<Container> {
  const absolute = path.resolve(file);
  checkLooksLikeHdf5(absolute, file);
  const h5 = await loadH5wasm();
  let h5file: H5File;
  try {
    h5file = new h5.File(absolute, 'r');
  } catch (err) {
    throw new ContainerError(`${file}: corrupt container, HDF5 cannot open it (${firstLine(err)})`);
  }
  try {
    const attributes = readAttributes(h5file);
    if (!attributes)
      throw new ContainerError(`${file}: not a fairbeam container (no format="fairbeam-container")`);
    const blob = h5file.get('blob');
    if (!blob || !('slice' in blob)) throw new ContainerError(`${file}: corrupt container, no /blob dataset`);
    const blobBytes = Number((blob as Dataset).shape?.[0] ?? NaN);
    let rows: IndexRow[];
    try {
      rows = options.index === false ? [] : readIndex(h5file);
    } catch (err) {
      throw new ContainerError(`${file}: corrupt container, ${firstLine(err)}`);
    }
    const checkRange = (offset: number, length: number) => {
      if (length > SLICE_BYTES) throw new RangeError(`read of ${length} bytes exceeds one slice`);
      if (offset < 0 || offset + length > blobBytes) {
        throw new ContainerError(`${file}: corrupt container, range ${offset}+${length} outside /blob`);
      }
    };
    const readFailed = (err: unknown) =>
      new ContainerError(`${file}: corrupt container, reading /blob failed (${firstLine(err)})`);
    const module = heapOf(h5);
    let heapBuffer = 0;
    return {
      file,
      attributes,
      rows,
      blobBytes,
      readBlob(offset, length) {
        if (length === 0) return new Uint8Array(0);
        checkRange(offset, length);
        try {
          return (blob as Dataset).slice([[offset, offset + length]]) as Uint8Array;
        } catch (err) {
          throw readFailed(err);
        }
      },
      visitBlob(offset, length, use) {
        if (length === 0) return use(new Uint8Array(0));
        checkRange(offset, length);
        heapBuffer ||= module._malloc(SLICE_BYTES);
        if (!heapBuffer) throw new Error(`could not allocate ${SLICE_BYTES} bytes in the wasm heap`);
        try {
          heapSlab(module, 'get', { file_id: h5file.file_id, path: '/blob' }, offset, length, heapBuffer);
        } catch (err) {
          throw readFailed(err);
        }
        // Read HEAPU8 only now: the heap may have grown (and been replaced) during the read.
        use(module.HEAPU8.subarray(heapBuffer, heapBuffer + length));
      },
      compareColumns: (count, columns, cursor) => {
        try {
          return compareColumns(h5file, count, columns, cursor);
        } catch (err) {
          return { problems: [`reading /index failed (${firstLine(err)})`], differing: [] };
        }
      },
      close: () => {
        if (heapBuffer) module._free(heapBuffer);
        heapBuffer = 0;
        h5file.close();
      },
    };
  } catch (err) {
    h5file.close();
    if (err instanceof ContainerError) throw err;
    throw new ContainerError(`${file}: corrupt container (${firstLine(err)})`);
  }
}

/** Gives a precise message for the common mistakes before HDF5 gives a vague one. */
function checkLooksLikeHdf5(absolute: string, shown: string): void {
  let fd: number;
  try {
    fd = fs.openSync(absolute, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ContainerError(`${shown}: ${code === 'ENOENT' ? 'no such file' : firstLine(err)}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (fs.fstatSync(fd).isDirectory()) throw new ContainerError(`${shown}: is a directory, not a container`);
    if (size < HDF5_SIGNATURE.length || !fdIsHdf5(fd, size)) {
      throw new ContainerError(`${shown}: not a fairbeam container (not an HDF5 file)`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
