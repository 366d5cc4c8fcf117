import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { inTransaction, type Db } from '../../db/connect.ts';
import { panetHierarchy, type PanetHierarchy } from '../panet/hierarchy.ts';
import { publicFromIsPublic } from '../../auth/policy.ts';

// Counts of a PaNET technique family from technique_family_count (migration 0012): the closure of the
// hierarchy is written to technique_ancestor here, and the counts are rebuilt whenever it changes.

/** (technique, ancestor or itself) for every term of the hierarchy, sorted. */
function closurePairs(h: PanetHierarchy): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [id, ups] of h.ancestors) {
    pairs.push([id, id]);
    for (const up of ups) if (up !== id) pairs.push([id, up]);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return pairs.sort((x, y) => cmp(x[0], y[0]) || cmp(x[1], y[1]));
}

/**
 * Makes technique_ancestor the closure of the shipped hierarchy and, when it was not, rebuilds every
 * family count in the same transaction (all datasets read once; a no-op when nothing changed).
 */
export async function syncTechniqueFamilies(db: Db, h = panetHierarchy()): Promise<void> {
  const pairs = closurePairs(h);
  const text = pairs.map(([t, a]) => `${t}>${a}`).join(',');
  const { rows } = await sql<{ n: number; text: string | null }>`SELECT count(*)::int AS n,
      string_agg(technique_id || '>' || ancestor_id, ',' ORDER BY technique_id COLLATE "C", ancestor_id COLLATE "C") AS text
    FROM technique_ancestor`.execute(db);
  if (rows[0]?.n === pairs.length && rows[0]?.text === text) return;
  const write = async (tx: Db) => {
    // Writers of datasets that already counted commit first (their increments are then in the
    // rebuild's snapshot); later ones wait and count on the rebuilt rows.
    await sql`LOCK TABLE technique_family_count IN EXCLUSIVE MODE`.execute(tx);
    await sql`DELETE FROM technique_ancestor`.execute(tx);
    await sql`INSERT INTO technique_ancestor (technique_id, ancestor_id)
      SELECT * FROM unnest(CAST(${pairs.map((p) => p[0])} AS text[]), CAST(${pairs.map((p) => p[1])} AS text[]))`.execute(
      tx,
    );
    await sql`SELECT fairbeam_technique_family_rebuild()`.execute(tx);
  };
  await inTransaction(db, write);
}

/**
 * The one technique whose family (itself and its descendants) is exactly `ids`, or undefined when
 * `ids` holds several unrelated families.
 */
export function familyRoot(ids: string[], h = panetHierarchy()): string | undefined {
  const set = new Set(ids);
  const roots = ids.filter((id) => ![...(h.ancestors.get(id) ?? [])].some((a) => a !== id && set.has(a)));
  return roots.length === 1 ? roots[0] : undefined;
}

/**
 * `check` (true without one) as the column `fresh` of a count's result row: whether the technique
 * names its ids came from still hold (techniques.ts), in the count's own snapshot.
 */
export const freshColumn = (check: RawBuilder<SqlBool> | undefined): RawBuilder<unknown> =>
  sql`${check ?? sql`true`} AS fresh`;

/**
 * The public datasets whose techniques fall in the family of `root` (which must be exactly `ids`):
 * a sum over one index range of technique_family_count with the policy predicate on `public_from`.
 * `n` undefined when the stored closure of `root` is not `ids` (not synchronised yet, or another
 * hierarchy): the caller then counts from the links. `fresh`: the value of `check` (the technique
 * names the ids came from still hold, techniques.ts), selected in the same statement.
 */
export async function countFamily(
  db: Db,
  root: string,
  ids: string[],
  now: Date,
  check?: RawBuilder<SqlBool>,
): Promise<{ n: number | undefined; fresh: boolean }> {
  const { rows } = await sql<{ n: number | null; fresh: boolean }>`SELECT CASE
      WHEN (SELECT count(*) FROM technique_ancestor a WHERE a.ancestor_id = ${root}) = ${ids.length}
        AND NOT EXISTS (SELECT 1 FROM technique_ancestor a
          WHERE a.ancestor_id = ${root} AND NOT (a.technique_id = ANY (CAST(${ids} AS text[]))))
      THEN (SELECT coalesce(sum(c.n), 0)::int FROM technique_family_count c
        WHERE c.technique_id = ${root} AND ${publicFromIsPublic(now, 'c.public_from')}) END AS n,
      ${freshColumn(check)}`.execute(db);
  const n = rows[0]?.n;
  return { n: n === null || n === undefined ? undefined : Number(n), fresh: rows[0]?.fresh !== false };
}
