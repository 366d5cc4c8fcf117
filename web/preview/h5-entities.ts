import type { Metadata } from 'h5wasm';

// h5wasm's metadata → the entity and type shapes @h5web/app renders (its `ProvidedEntity`, `DType`).
// Plain objects, made in the worker and sent by structured clone; literals instead of @h5web's enums
// so that the worker bundle stays free of the viewer.

/** The parts of h5wasm's low-level module the preview reads with. */
export interface H5Reader {
  H5G_GROUP: number;
  H5G_DATASET: number;
  H5G_TYPE: number;
  H5G_LINK: number;
  H5G_UDLINK: number;
  get_type(file: bigint, path: string): number;
  get_names(file: bigint, path: string, recursive: boolean): string[];
  get_dataset_metadata(file: bigint, path: string): Metadata;
  get_datatype_metadata(file: bigint, path: string): Metadata;
  get_dataset_filters(file: bigint, path: string): { id: number; name: string; cd_values: number[] }[];
  get_attribute_names(file: bigint, path: string): string[];
  get_attribute_metadata(file: bigint, path: string, name: string): Metadata;
  get_symbolic_link(file: bigint, path: string): string;
  get_external_link(file: bigint, path: string): { filename: string; obj_path: string };
}

type DType = Record<string, unknown> & { class: string };

const ENDIAN = (m: Metadata) => (m.littleEndian ? 'little-endian' : 'big-endian');
const H5T = {
  INTEGER: 0,
  FLOAT: 1,
  TIME: 2,
  STRING: 3,
  BITFIELD: 4,
  OPAQUE: 5,
  COMPOUND: 6,
  REFERENCE: 7,
  ENUM: 8,
  VLEN: 9,
  ARRAY: 10,
};

export function dtypeOf(m: Metadata): DType {
  switch (m.type) {
    case H5T.INTEGER:
      return { class: 'Integer', signed: m.signed, size: m.size * 8, endianness: ENDIAN(m) };
    case H5T.FLOAT:
      return { class: 'Float', size: m.size * 8, endianness: ENDIAN(m) };
    case H5T.TIME:
      return { class: 'Time' };
    case H5T.STRING:
      return {
        class: 'String',
        charSet: m.cset === 1 ? 'UTF-8' : 'ASCII',
        strPad: ['null-terminated', 'null-padded', 'space-padded'][m.strpad ?? 0],
        ...(m.vlen ? {} : { length: m.size }),
      };
    case H5T.BITFIELD:
      return { class: 'Bitfield', endianness: ENDIAN(m) };
    case H5T.OPAQUE:
      return { class: 'Opaque', tag: '' };
    case H5T.REFERENCE:
      return { class: 'Reference' };
    case H5T.COMPOUND: {
      const fields = Object.fromEntries((m.compound_type?.members ?? []).map((f) => [f.name, dtypeOf(f)]));
      const { r, i } = fields as Record<string, DType | undefined>;
      const numeric = (t?: DType) => t?.class === 'Integer' || t?.class === 'Float';
      return Object.keys(fields).length === 2 && numeric(r) && numeric(i)
        ? { class: 'Complex', realType: r, imagType: i }
        : { class: 'Compound', fields };
    }
    case H5T.ENUM: {
      const e = m.enum_type!;
      const base = dtypeOf({ ...m, type: e.type });
      const members = e.members;
      if (Object.keys(members).length === 2 && members.FALSE === 0 && members.TRUE === 1)
        return { class: 'Boolean', base };
      return {
        class: 'Enumeration',
        base,
        mapping: Object.fromEntries(Object.entries(members).map(([k, v]) => [v, k])),
      };
    }
    case H5T.VLEN:
      return { class: 'Array (variable length)', base: dtypeOf(m.vlen_type!) };
    case H5T.ARRAY:
      return { class: 'Array', base: dtypeOf(m.array_type!), dims: m.array_type!.shape };
    default:
      return { class: 'Unknown' };
  }
}

const join = (parent: string, name: string) => `${parent === '/' ? '' : parent}/${name}`;

function attributesOf(h5: H5Reader, file: bigint, path: string) {
  return h5.get_attribute_names(file, path).map((name) => {
    const m = h5.get_attribute_metadata(file, path, name);
    return { name, shape: m.shape, type: dtypeOf(m) };
  });
}

/** The entity at `path`; a group comes with its children (one level, without their children). */
export function entityOf(h5: H5Reader, file: bigint, path: string, asChild = false): Record<string, unknown> {
  const base = { name: path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1), path };
  const kind = h5.get_type(file, path);
  if (kind === h5.H5G_GROUP) {
    const group = { ...base, kind: 'group', attributes: attributesOf(h5, file, path) };
    if (asChild) return group;
    const children = h5.get_names(file, path, false).map((n) => entityOf(h5, file, join(path, n), true));
    return { ...group, children };
  }
  if (kind === h5.H5G_DATASET) {
    const m = h5.get_dataset_metadata(file, path);
    return {
      ...base,
      kind: 'dataset',
      shape: m.shape,
      type: dtypeOf(m),
      chunks: m.chunks ?? undefined,
      filters: h5.get_dataset_filters(file, path),
      attributes: attributesOf(h5, file, path),
      rawType: { ...m, shape: undefined, maxshape: undefined, chunks: undefined },
    };
  }
  if (kind === h5.H5G_TYPE) {
    const m = h5.get_datatype_metadata(file, path);
    return { ...base, kind: 'datatype', type: dtypeOf(m), attributes: attributesOf(h5, file, path) };
  }
  if (kind === h5.H5G_LINK)
    return {
      ...base,
      kind: 'unresolved',
      attributes: [],
      link: { class: 'Soft', path: h5.get_symbolic_link(file, path) },
    };
  if (kind === h5.H5G_UDLINK) {
    const l = h5.get_external_link(file, path);
    return {
      ...base,
      kind: 'unresolved',
      attributes: [],
      link: { class: 'External', file: l.filename, path: l.obj_path },
    };
  }
  return { ...base, kind: 'unresolved', attributes: [] };
}
