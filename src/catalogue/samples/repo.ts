import type { Db } from '../../db/connect.ts';
import { notFound } from '../../errors.ts';
import { sessionVisible } from '../../auth/policy.ts';
import { likePattern, type Access, type ListQuery } from '../access.ts';
import { countRows, decodeCursor, DEFAULT_LIMIT, toPage, withTotal, type Page } from '../pagination.ts';

export interface Sample {
  id: number;
  sessionId: string;
  key: string;
  name: string;
  description: string;
}

const visibleSamples = (db: Db, access: Access) =>
  db
    .selectFrom('sample')
    .innerJoin('session', 'session.id', 'sample.session_id')
    .where(sessionVisible(access.caller, access.now));

const columns = [
  'sample.id',
  'sample.session_id',
  'sample.sample_key',
  'sample.name',
  'sample.description',
] as const;
type Row = { id: number; session_id: string; sample_key: string; name: string; description: string };
const toSample = (r: Row): Sample => ({
  id: r.id,
  sessionId: r.session_id,
  key: r.sample_key,
  name: r.name,
  description: r.description,
});

export async function listSamples(
  db: Db,
  access: Access,
  f: ListQuery & { session?: string; q?: string },
): Promise<Page<Sample>> {
  const limit = f.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(f.cursor, ['int']);
  let base = visibleSamples(db, access);
  if (f.session) base = base.where('sample.session_id', '=', f.session);
  if (f.q) base = base.where('sample.name', 'ilike', likePattern(f.q));
  let q = base
    .select(columns)
    .orderBy('sample.id')
    .limit(limit + 1);
  if (after) q = q.where('sample.id', '>', Number(after[0]));
  return withTotal(
    toPage(await q.execute(), limit, (r) => [r.id], toSample),
    f.count,
    () => countRows(base),
  );
}

export async function getSample(db: Db, access: Access, id: number): Promise<Sample> {
  const row = await visibleSamples(db, access).select(columns).where('sample.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('sample', id);
  return toSample(row);
}
