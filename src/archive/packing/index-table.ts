import type { Dataset, File as H5File, Group } from 'h5wasm';
import type { IndexRow, MemberType } from './format.ts';

const COLUMNS = ['path', 'type', 'offset', 'length', 'mtime', 'mode', 'sha256', 'target'] as const;
const MEMBER_TYPES = new Set<string>(['file', 'dir', 'symlink']);

/** Thrown for any container that does not hold a well-formed /index; the caller adds the file name. */
export class IndexError extends Error {}

/** Writes /index as parallel 1-D datasets (h5wasm cannot write variable-length strings inside compounds). */
export function writeIndex(file: H5File, rows: IndexRow[]): void {
  const index = file.create_group('index');
  index.create_dataset({ name: 'path', data: rows.map((r) => r.path) });
  index.create_dataset({ name: 'type', data: rows.map((r) => r.type), dtype: 'S7' });
  index.create_dataset({ name: 'offset', data: BigUint64Array.from(rows, (r) => BigInt(r.offset)) });
  index.create_dataset({ name: 'length', data: BigUint64Array.from(rows, (r) => BigInt(r.length)) });
  const mtime = index.create_dataset({ name: 'mtime', data: Float64Array.from(rows, (r) => r.mtime) });
  mtime.create_attribute('units', 'seconds since 1970-01-01T00:00:00Z');
  index.create_dataset({ name: 'mode', data: Uint32Array.from(rows, (r) => r.mode) });
  index.create_dataset({ name: 'sha256', data: rows.map((r) => r.sha256), dtype: 'S64' });
  index.create_dataset({ name: 'target', data: rows.map((r) => r.target) });
}

/** Reads /index back into rows, checking that every column is present and of the same length. */
export function readIndex(file: H5File): IndexRow[] {
  const index = file.get('index');
  if (!index || !('keys' in index)) throw new IndexError('no /index group');
  const columns = Object.fromEntries(COLUMNS.map((name) => [name, readColumn(index as Group, name)]));
  const count = columns.path!.length;
  for (const name of COLUMNS) {
    if (columns[name]!.length !== count) {
      throw new IndexError(`/index/${name} has ${columns[name]!.length} rows, /index/path has ${count}`);
    }
  }
  const rows: IndexRow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const type = String(columns.type![i]);
    if (!MEMBER_TYPES.has(type)) throw new IndexError(`row ${i}: unknown member type "${type}"`);
    rows[i] = {
      path: String(columns.path![i]),
      type: type as MemberType,
      offset: Number(columns.offset![i]),
      length: Number(columns.length![i]),
      mtime: Number(columns.mtime![i]),
      mode: Number(columns.mode![i]),
      sha256: String(columns.sha256![i]),
      target: String(columns.target![i]),
    };
  }
  return rows;
}

function readColumn(index: Group, name: string): ArrayLike<unknown> {
  const dataset = index.get(name);
  if (!dataset || !('slice' in dataset)) throw new IndexError(`no /index/${name} dataset`);
  const value = (dataset as Dataset).value;
  if (value === null || typeof value !== 'object' || !('length' in value)) {
    throw new IndexError(`/index/${name} is not a 1-D dataset`);
  }
  return value as ArrayLike<unknown>;
}
