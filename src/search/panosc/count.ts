import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { publicFromIsPublic } from '../../auth/policy.ts';
import { restricts } from './ast.ts';
import { newAlias, type CompileContext } from './compile.ts';
import { basePredicate, type SearchRequest } from './execute.ts';
import { ENTITIES, type Entity } from './model.ts';
import { countFamily, familyRoot, freshColumn } from './technique-families.ts';
import { resolveTechniques } from './techniques.ts';
import { textQuery, type TextQuery } from './text.ts';

/**
 * The count of a PaNOSC filter (`/count` and the totals beside a page): one statement, answered from
 * the postings or technique links where the filter allows it, else over the entity's rows.
 */
export async function searchCount(db: Db, req: SearchRequest): Promise<number> {
  const e = ENTITIES[req.entity];
  if (req.query !== undefined && !e.text) return 0;
  const q = req.query === undefined ? undefined : await textQuery(db, req.query);
  if (req.query !== undefined && !q) return 0;
  // Technique names known from earlier searches are checked by the count's statement (techniques.ts).
  const names = await resolveTechniques(db, req.entity, req.filter, req.now, true);
  for (;;) {
    const { n, fresh } = await countOnce(db, e, req, q, names.check());
    if (fresh) return n;
    await names.refresh(db);
  }
}

interface Counted {
  n: number;
  /** Whether the technique names the count used still held (`check`, selected alongside). */
  fresh: boolean;
}

const counted = (row: { n: number; fresh: boolean } | undefined): Counted => ({
  n: row?.n ?? 0,
  fresh: row?.fresh !== false,
});

async function countOnce(
  db: Db,
  e: Entity,
  req: SearchRequest,
  q: TextQuery | undefined,
  check: RawBuilder<SqlBool> | undefined,
): Promise<Counted> {
  if (e.name === 'Dataset') {
    const r = await countDatasetsFromLinks(db, req, q, check);
    if (r !== undefined) return r;
  }
  const ctx: CompileContext = { now: req.now, aliases: 0 };
  const a = newAlias(ctx);
  const { rows } = await sql<{ n: number; fresh: boolean }>`SELECT count(*)::int AS n, ${freshColumn(check)}
    FROM ${e.from(a)} WHERE ${basePredicate(e, req, a, ctx, q)}`.execute(db);
  return counted(rows[0]);
}

/**
 * Counts answered from one index range of the postings or technique links (migration 0010) with the
 * policy as `publicFromIsPublic`, when the filter is only a text query or only a technique include;
 * undefined for every other filter (counted over the datasets).
 */
async function countDatasetsFromLinks(
  db: Db,
  req: SearchRequest,
  q: TextQuery | undefined,
  check: RawBuilder<SqlBool> | undefined,
): Promise<Counted | undefined> {
  if (req.filter.where || req.extra) return undefined;
  const restricting = req.filter.include.filter(restricts);
  let links: RawBuilder<unknown>;
  let keys: string[];
  if (q && restricting.length === 0) {
    keys = q.terms;
    links = sql`SELECT t.dataset_pid FROM dataset_term t WHERE t.term = ANY (CAST(${keys} AS text[]))
      AND ${publicFromIsPublic(req.now, 't.public_from')}`;
  } else if (!q && restricting.length === 1) {
    const inc = restricting[0]!;
    if (!inc.techniqueIds || inc.filter.include.length > 0) return undefined;
    keys = inc.techniqueIds;
    // One family (a technique and its descendants): summed from the per-session counts, no distinct.
    const root = familyRoot(keys);
    if (root !== undefined) {
      const r = await countFamily(db, root, keys, req.now, check);
      if (r.n !== undefined || !r.fresh) return { n: r.n ?? 0, fresh: r.fresh };
    }
    links = sql`SELECT t.dataset_pid FROM dataset_technique t WHERE t.technique_id = ANY (CAST(${keys} AS text[]))
      AND ${publicFromIsPublic(req.now, 't.public_from')}`;
  } else return undefined;
  // No keys match nothing: without a check to run, no statement (with one, the links give no rows).
  if (keys.length === 0 && !check) return { n: 0, fresh: true };
  // One row per (dataset, key): a dataset with several of the keys is counted once.
  const { rows } = await sql<{ n: number; fresh: boolean }>`SELECT count(*)::int AS n, ${freshColumn(check)}
    FROM (${keys.length === 1 ? links : sql`${links} GROUP BY t.dataset_pid`}) AS x`.execute(db);
  return counted(rows[0]);
}
