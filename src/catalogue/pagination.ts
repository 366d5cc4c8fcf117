import { AppError } from '../errors.ts';

/** `{items, next}` as every native list answers; `total` only when `?count=true` asked for it. */
export interface Page<T> {
  items: T[];
  next: string | null;
  total?: number;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

/** Cursors are opaque to clients: base64url of the sort key of the last item returned. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * What each position of a sort key holds. A cursor is client input: a key of the right length but
 * with a string where an id goes, a number beyond bigint or an impossible date would otherwise reach
 * SQL and fail there (a 500), so each element is checked against its kind.
 */
export type CursorKind = 'text' | 'int' | 'date';

const CURSOR_CHECKS: Record<CursorKind, (v: unknown) => boolean> = {
  text: (v) => typeof v === 'string' && !v.includes('\u0000'),
  int: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  // Only what encodeCursor wrote: Date#toISOString of a real date, within PostgreSQL's range.
  date: (v) =>
    typeof v === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) &&
    !Number.isNaN(Date.parse(v)) &&
    new Date(v).toISOString() === v,
};

/** Decodes a cursor into its sort key; `shape` is the key's length or, better, the kind of each element. */
export function decodeCursor(
  cursor: string | undefined,
  shape: number | readonly CursorKind[],
): unknown[] | undefined {
  if (!cursor) return undefined;
  const kinds = typeof shape === 'number' ? undefined : shape;
  const arity = kinds ? kinds.length : (shape as number);
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k, i) =>
        kinds ? CURSOR_CHECKS[kinds[i]!](k) : typeof k === 'string' || typeof k === 'number',
      )
    ) {
      return key;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid_cursor', 400, 'The cursor is not one this server handed out');
}

/** Cuts a `limit + 1` fetch down to `limit` items and derives the next cursor from the last one. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  keyOf: (row: R) => unknown[],
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.map(map), next: more ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}

/** Counts the rows of a filtered (not yet selected) query builder, e.g. `db.selectFrom('x').where(...)`. */
export async function countRows(base: {
  select: (cb: (eb: { fn: { countAll: () => { as: (n: 'n') => unknown } } }) => unknown) => {
    executeTakeFirstOrThrow: () => Promise<unknown>;
  };
}): Promise<number> {
  const row = (await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()) as {
    n: unknown;
  };
  return Number(row.n);
}

/** Adds `total` to a page only when the caller asked for counts. */
export async function withTotal<T>(
  page: Page<T>,
  count: boolean | undefined,
  total: () => Promise<number>,
): Promise<Page<T>> {
  return count ? { ...page, total: await total() } : page;
}
