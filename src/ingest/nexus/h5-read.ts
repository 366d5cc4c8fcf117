import { Module, type Dataset, type Group } from 'h5wasm/node';
import { repairMojibake } from '../../units/mojibake.ts';

type HasAttributes = Group | Dataset;

/** Longest string we report as a value; longer text (notes, scan commands, JSON) is not a parameter. */
const MAX_STRING_LENGTH = 160;
/** Fixed-length string datasets larger than this are not metadata, whatever their shape says. */
const MAX_ELEMENT_BYTES = 4096;

// HDF5 type classes that hold plain numbers or text (H5T_INTEGER, H5T_FLOAT, H5T_STRING, H5T_ENUM).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_ENUM = 8;

/** A string attribute (or the first element of a string-array attribute), trimmed; `undefined` if absent. */
export function readStringAttribute(object: HasAttributes, name: string): string | undefined {
  // Straight to the module: `object.attrs` would fetch each attribute's metadata once more.
  const names = Module.get_attribute_names(object.file_id, object.path);
  if (!names.includes(name)) return undefined;
  const value = first(object.get_attribute(name, true));
  return typeof value === 'string' ? repairMojibake(value).trim() : undefined;
}

export function readNxClass(object: HasAttributes): string | undefined {
  return readStringAttribute(object, 'NX_class');
}

export type ScalarRead =
  | { kind: 'value'; value: number | string }
  /** Not a single number or short text (an array, a compound, a reference, a NaN): not a parameter. */
  | { kind: 'not-scalar' };

/**
 * Reads a field if it holds one number or one short string (scalar or 1-element array). Never reads
 * a larger dataset: the shape is checked before any data is touched. Throws what HDF5 throws when
 * the data itself cannot be read (unsupported filter, corrupt chunk, unreadable type).
 */
export function readScalar(dataset: Dataset): ScalarRead {
  const metadata = dataset.metadata;
  if (metadata.shape === null) return { kind: 'not-scalar' };
  if (metadata.shape.reduce((count, length) => count * length, 1) !== 1) return { kind: 'not-scalar' };
  const readable = [H5T_INTEGER, H5T_FLOAT, H5T_STRING, H5T_ENUM].includes(metadata.type);
  if (!readable || metadata.size > MAX_ELEMENT_BYTES) return { kind: 'not-scalar' };
  const value = first(dataset.json_value);
  if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'value', value };
  if (typeof value === 'boolean') return { kind: 'value', value: value ? 1 : 0 };
  if (typeof value === 'string') {
    const text = repairMojibake(value).trim();
    if (text !== '' && text.length <= MAX_STRING_LENGTH) return { kind: 'value', value: text };
  }
  return { kind: 'not-scalar' };
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}
