import { AppError } from '../errors.ts';
import { loadH5wasm } from '../hdf5/h5wasm.ts';
import { preflightHdf5 } from '../ingest/nexus/preflight.ts';

/** One object of an HDF5 file as the portal's preview shows it. */
export interface H5Node {
  name: string;
  path: string;
  kind: 'group' | 'dataset' | 'soft-link' | 'external-link' | 'other';
  attributes: Record<string, unknown>;
  shape?: number[] | null;
  dtype?: string;
  /** Small datasets only (≤ MAX_VALUE_ELEMENTS elements): the value, to read units and scalars at a glance. */
  value?: unknown;
  target?: string;
  children?: H5Node[];
}

const MAX_NODES = 3000;
const MAX_DEPTH = 12;
const MAX_VALUE_ELEMENTS = 16;
const MAX_ATTRIBUTE_ELEMENTS = 16;

/**
 * The structure of an HDF5/NeXus file (groups, datasets with shape and type, attributes, small
 * values), read on the server with h5wasm: for scripts and for files too large for the portal's
 * in-browser @h5web preview (see docs/INGEST.md). Bounded: at most MAX_NODES objects, MAX_DEPTH levels.
 */
export async function readHdf5Tree(absolute: string): Promise<{ root: H5Node; truncated: boolean }> {
  const pre = preflightHdf5(absolute);
  if (!pre.ok) throw new AppError('not_hdf5', 422, `This file cannot be previewed: ${pre.reason}`);
  const h5 = await loadH5wasm();
  let file: InstanceType<typeof h5.File>;
  try {
    file = new h5.File(absolute, 'r');
  } catch (e) {
    throw new AppError(
      'not_hdf5',
      422,
      `This file cannot be previewed: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  let count = 0;
  let truncated = false;
  const visit = (entity: unknown, name: string, path: string, depth: number): H5Node => {
    count++;
    if (entity instanceof h5.Group) {
      const node: H5Node = { name, path, kind: 'group', attributes: attributesOf(entity), children: [] };
      if (depth >= MAX_DEPTH) truncated = true;
      else
        for (const key of entity.keys()) {
          if (count >= MAX_NODES) {
            truncated = true;
            break;
          }
          const childPath = path === '/' ? `/${key}` : `${path}/${key}`;
          let child: unknown;
          try {
            child = entity.get(key);
          } catch {
            child = undefined;
          }
          node.children!.push(visit(child, key, childPath, depth + 1));
        }
      return node;
    }
    if (entity instanceof h5.Dataset) {
      const shape = entity.shape;
      const elements = shape === null ? 0 : shape.reduce((a, b) => a * b, 1);
      const node: H5Node = {
        name,
        path,
        kind: 'dataset',
        attributes: attributesOf(entity),
        shape,
        dtype: String(entity.dtype),
      };
      if (elements > 0 && elements <= MAX_VALUE_ELEMENTS) {
        try {
          node.value = entity.json_value;
        } catch {
          // unreadable data (missing filter, corrupt chunk): the structure is still worth showing
        }
      }
      return node;
    }
    if (entity instanceof h5.BrokenSoftLink)
      return { name, path, kind: 'soft-link', attributes: {}, target: entity.target };
    if (entity instanceof h5.ExternalLink)
      return {
        name,
        path,
        kind: 'external-link',
        attributes: {},
        target: `${entity.filename}:${entity.obj_path}`,
      };
    return { name, path, kind: 'other', attributes: {} };
  };
  try {
    return { root: visit(file, '/', '/', 0), truncated };
  } finally {
    file.close();
  }
}

function attributesOf(object: {
  attrs: Record<string, { shape: number[] | null; json_value: unknown }>;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let attrs: Record<string, { shape: number[] | null; json_value: unknown }>;
  try {
    attrs = object.attrs;
  } catch {
    return out;
  }
  for (const [name, a] of Object.entries(attrs)) {
    try {
      const n = a.shape === null ? 0 : a.shape.reduce((x, y) => x * y, 1);
      out[name] = n <= MAX_ATTRIBUTE_ELEMENTS ? a.json_value : `(${n} values)`;
    } catch {
      out[name] = '(unreadable)';
    }
  }
  return out;
}
