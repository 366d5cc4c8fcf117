/** A satisfiable byte range, inclusive at both ends (as in Content-Range). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a Range header against a file size (RFC 9110 §14). `undefined`: serve the whole file (no
 * header, another unit, several ranges — which we may ignore — or a malformed value);
 * `'unsatisfiable'`: answer 416.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m || m[1]!.includes(',')) return undefined;
  const spec = /^(\d*)\s*-\s*(\d*)\s*$/.exec(m[1]!);
  if (!spec || (spec[1] === '' && spec[2] === '')) return undefined;
  if (spec[1] === '') {
    const suffix = Number(spec[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(spec[1]);
  const end = spec[2] === '' ? size - 1 : Math.min(Number(spec[2]), size - 1);
  if (spec[2] !== '' && Number(spec[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
