import type { Db } from '../../db/connect.ts';
import { notFound } from '../../errors.ts';
import { countRows, decodeCursor, DEFAULT_LIMIT, toPage, withTotal, type Page } from '../pagination.ts';
import type { ListQuery } from '../access.ts';
import { techniqueNames, withNames } from '../techniques/repo.ts';

export interface Instrument {
  id: string;
  name: string;
  facility: string;
  techniques: { id: string; name: string }[];
}

type Row = { id: string; name: string; facility: string; techniques: string[] };

async function toInstruments(db: Db, rows: Row[]): Promise<Instrument[]> {
  const names = await techniqueNames(db, [...new Set(rows.flatMap((r) => r.techniques))]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    facility: r.facility,
    techniques: withNames(r.techniques, names),
  }));
}

/** Instruments are facility facts, public to everyone: no embargo applies to them. */
export async function listInstruments(
  db: Db,
  q: ListQuery & { facility?: string },
): Promise<Page<Instrument>> {
  const limit = q.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(q.cursor, ['text']);
  let base = db.selectFrom('instrument');
  if (q.facility) base = base.where('facility', '=', q.facility);
  let rows = base
    .select(['id', 'name', 'facility', 'techniques'])
    .orderBy('id')
    .limit(limit + 1);
  if (after) rows = rows.where('id', '>', String(after[0]));
  const found = await rows.execute();
  const page = toPage(
    found,
    limit,
    (r) => [r.id],
    (r) => r,
  );
  const items = await toInstruments(db, page.items);
  return withTotal({ items, next: page.next }, q.count, () => countRows(base));
}

export async function getInstrument(db: Db, id: string): Promise<Instrument> {
  const row = await db
    .selectFrom('instrument')
    .select(['id', 'name', 'facility', 'techniques'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('instrument', id);
  return (await toInstruments(db, [row]))[0]!;
}
