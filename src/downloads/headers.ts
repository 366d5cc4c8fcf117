import path from 'node:path';
import mime from 'mime-types';

const HDF5_EXTENSIONS = new Set(['.h5', '.hdf5', '.hdf', '.he5', '.nxs', '.nx5', '.nx', '.nexus', '.cxi']);

/** Media type by extension; HDF5/NeXus files are application/x-hdf5 (mime-db does not list them). */
export function contentTypeOf(file: string): string {
  const ext = path.extname(file).toLowerCase();
  if (HDF5_EXTENSIONS.has(ext)) return 'application/x-hdf5';
  const type = mime.lookup(ext);
  if (!type) return 'application/octet-stream';
  return mime.contentType(type) || type;
}

/**
 * `attachment; filename="..."` with an ASCII fallback and, when the name is not plain ASCII, the
 * exact name as RFC 5987 `filename*=UTF-8''...` (every current browser prefers it).
 */
export function contentDisposition(name: string, kind: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  if (ascii === name) return `${kind}; filename="${ascii}"`;
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
