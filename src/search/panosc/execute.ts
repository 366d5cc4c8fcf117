import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { Filter, Include } from './ast.ts';
import { and, filterSql, newAlias, type CompileContext } from './compile.ts';
import { ENTITIES, type Entity, type EntityName } from './model.ts';
import { outputFields } from './parse.ts';
import { resolveTechniques } from './techniques.ts';
import { queryWords, termsOf, textQuery, type TextQuery } from './text.ts';
import { restricts } from './ast.ts';
import { bestDatasets, bestOfFewTerms } from './top-datasets.ts';

/**
 * Runs a parsed PaNOSC filter: one SQL query for the requested page (policy predicate, where, EXISTS
 * for restricting includes, text match and score), then one query per included relation for all
 * parents at once (per-parent limit/skip by row_number). Never more rows than the page asks for.
 */
export interface SearchRequest {
  entity: EntityName;
  filter: Filter;
  query?: string;
  now: Date;
  /** An extra predicate over the top-level alias (a pid for `/{pid}`, a dataset for `/{pid}/files`). */
  extra?: (a: string) => RawBuilder<SqlBool>;
}

export type Item = Record<string, unknown>;
type Row = Record<string, unknown> & { __id: string };

const fieldAlias = (name: string) => sql.id(`f_${name}`);
const sortAlias = (name: string) => sql.id(`__sort_${name}`);

/** The search's WHERE: the policy, the filter, the extra predicate, the text match and `check`. */
export function basePredicate(
  e: Entity,
  req: SearchRequest,
  a: string,
  ctx: CompileContext,
  q: TextQuery | undefined,
  check?: RawBuilder<SqlBool>,
) {
  return and([
    e.visible(a, req.now),
    filterSql(e, req.filter, a, ctx),
    ...(req.extra ? [req.extra(a)] : []),
    ...(q && e.text ? [e.text.match(a, q)] : []),
    ...(check ? [check] : []),
  ]);
}

/**
 * A page of the collection. Technique names known from earlier searches are checked inside the main
 * statement (techniques.ts): an empty page may mean they changed, and is then asked again afresh.
 */
export async function searchList(db: Db, req: SearchRequest, useCache = true): Promise<Item[]> {
  const e = ENTITIES[req.entity];
  if (req.query !== undefined && !e.text) return [];
  // Datasets by free text alone, the page not too deep (deep pages: every match ranked, below).
  if (
    req.query !== undefined &&
    e.name === 'Dataset' &&
    !req.filter.order &&
    unrestricted(req) &&
    req.filter.skip + req.filter.limit <= TOP_N_MAX
  ) {
    const words = queryWords(req.query);
    if (words.length === 0 || req.filter.limit === 0) return [];
    await resolveTechniques(db, req.entity, req.filter, req.now);
    const ctx: CompileContext = { now: req.now, aliases: 0 };
    const page = await bestTextPage(db, e, req, words, ctx);
    const included = await loadIncludes(db, e, page, req.filter.include, ctx);
    return page.map((r) => toItem(e, r, req.filter, included));
  }
  const q = req.query === undefined ? undefined : await textQuery(db, req.query);
  if (req.query !== undefined && !q) return [];
  if (req.filter.limit === 0) return [];
  const names = await resolveTechniques(db, req.entity, req.filter, req.now, useCache);
  const items = await pageOf(db, e, req, q, names.check());
  if (items.length === 0 && (await names.refresh(db))) return searchList(db, req, false);
  return items;
}

async function pageOf(
  db: Db,
  e: Entity,
  req: SearchRequest,
  q: TextQuery | undefined,
  check: RawBuilder<SqlBool> | undefined,
): Promise<Item[]> {
  const ctx: CompileContext = { now: req.now, aliases: 0 };
  const a = newAlias(ctx);
  const order =
    req.filter.order ??
    (q ? [{ field: 'score', desc: true }] : e.defaultOrder.map((field) => ({ field, desc: false })));
  // Arrays are output as JSON (outputSelects), which has no order: they sort by a column of their own.
  const arrayKeys = [...new Set(order.map((o) => o.field))].filter((k) => e.fields[k]?.type === 'textArray');
  const selects = [
    ...outputSelects(e, a, req.now),
    sql`${e.id(a)} AS __id`,
    ...(q ? [sql`${e.text!.rank(a, q)} AS __rank`] : []),
    ...arrayKeys.map((k) => sql`${e.fields[k]!.sql(a, req.now)} AS ${sortAlias(k)}`),
  ];
  let rows = sql`SELECT ${sql.join(selects)} FROM ${e.from(a)} WHERE ${basePredicate(e, req, a, ctx, q, check)}`;
  if (q && !req.filter.order && req.filter.skip + req.filter.limit <= TOP_N_MAX) {
    const page = await bestRanked(db, rows, req.filter.skip, req.filter.limit);
    const included = await loadIncludes(db, e, page, req.filter.include, ctx);
    return page.map((r) => toItem(e, r, req.filter, included));
  }
  if (!q && DEFERRED.has(e.name)) {
    const page = await pageThenRows(db, e, req, a, ctx, check);
    const included = await loadIncludes(db, e, page, req.filter.include, ctx);
    return page.map((r) => toItem(e, r, req.filter, included));
  }
  // The score is the rank relative to the best match, so it lies in (0, 1]; zero ranks are dropped.
  if (q)
    rows = sql`SELECT z.*, z.__rank / max(z.__rank) OVER () AS __score FROM (${rows}) AS z WHERE z.__rank > 0`;
  const orderSql = order
    .filter((o) => o.field !== 'score' || q)
    .map(
      (o) =>
        sql`${o.field === 'score' ? sql.id('__score') : arrayKeys.includes(o.field) ? sortAlias(o.field) : fieldAlias(o.field)} ${sql.raw(o.desc ? 'DESC NULLS LAST' : 'ASC NULLS LAST')}`,
    );
  const page = await sql<Row>`SELECT * FROM (${rows}) AS y ORDER BY ${sql.join([...orderSql, sql`__id`])}
    LIMIT ${req.filter.limit} OFFSET ${req.filter.skip}`.execute(db);
  const included = await loadIncludes(db, e, page.rows, req.filter.include, ctx);
  return page.rows.map((r) => toItem(e, r, req.filter, included));
}

/**
 * The page of datasets for free text alone, from the postings (top-datasets.ts), scored relative to
 * the best match. One or two terms (nearly every query) take one statement: the terms, their best
 * `skip + limit` datasets and the page's rows. More terms: the terms come back first, then the
 * threshold algorithm's rounds and the page's rows.
 */
async function bestTextPage(
  db: Db,
  e: Entity,
  req: SearchRequest,
  words: string[],
  ctx: CompileContext,
): Promise<Row[]> {
  const { skip, limit } = req.filter;
  const b = newAlias(ctx);
  const selects = outputSelects(e, b, req.now);
  // The best match (n = 1) gives the scores; rows are joined for the page only.
  const { rows } = await sql<Row & { __terms: string[]; __rank: number | null; __n: number | null }>`SELECT
      q.terms AS __terms, x.rank AS __rank, x.n AS __n, ${sql.join(selects)}, ${e.id(b)} AS __id
    FROM (SELECT ${termsOf(words)} AS terms) AS q
    LEFT JOIN LATERAL (${bestOfFewTerms(sql`q.terms`, req.now, skip + limit)}) AS x ON x.n = 1 OR x.n > ${skip}
    LEFT JOIN (${e.from(b)}) ON ${e.id(b)} = x.pid AND x.n > ${skip} AND ${e.visible(b, req.now)}
    ORDER BY x.n`.execute(db);
  const terms = rows[0]?.__terms ?? [];
  if (terms.length > 2) {
    const top = await bestDatasets(db, terms, req.now, skip + limit);
    const best = top[0]?.rank ?? 0;
    const pageIds = top.slice(skip);
    const found = await rowsOf(
      db,
      e,
      req,
      pageIds.map((t) => t.pid),
      ctx,
    );
    return pageIds.flatMap((t) => {
      const r = found.get(t.pid);
      return r ? [{ ...r, __score: t.rank / best }] : [];
    });
  }
  const best = Number(rows.find((r) => r.__n === 1)?.__rank ?? 0);
  return rows
    .filter((r) => r.__n !== null && r.__n > skip && r.__id !== null)
    .map((r) => ({ ...r, __score: Number(r.__rank) / best }));
}

/**
 * The entity's output fields as `expr AS alias` select items, on the row aliased `alias`. Arrays come
 * as JSON: JSON.parse reads a page of documents' keywords (~80 technique names each) in a fraction of
 * the time pg's text-array parser took (a third of the server's CPU for documents with datasets).
 */
const outputSelects = (e: Entity, alias: string, now: Date) =>
  Object.entries(e.fields)
    .filter(([, f]) => f.out !== false)
    .map(([name, f]) => {
      const value = f.sql(alias, now);
      return sql`${f.type === 'textArray' ? sql`to_json(${value})` : value} AS ${fieldAlias(name)}`;
    });

/** Entities whose id is an indexed column, so that a page of ids joins back to its rows cheaply. */
const DEFERRED = new Set<EntityName>(['Dataset', 'Document', 'Instrument']);

/**
 * A page without free text in two steps of one statement: first the ids (and order keys) of the page,
 * which indexes can answer without reading the wide rows of every candidate, then the output fields
 * of those `limit` rows only.
 */
async function pageThenRows(
  db: Db,
  e: Entity,
  req: SearchRequest,
  a: string,
  ctx: CompileContext,
  check: RawBuilder<SqlBool> | undefined,
) {
  const order = (req.filter.order ?? e.defaultOrder.map((field) => ({ field, desc: false }))).filter(
    (o) => o.field !== 'score',
  );
  const keys = [...new Set(order.map((o) => o.field))];
  const dir = (desc: boolean) => sql.raw(desc ? 'DESC NULLS LAST' : 'ASC NULLS LAST');
  // Datasets in pid order: parameter ranges walk the parameters in that order (compile.ts).
  ctx.pidOrder = e.name === 'Dataset' && keys.length === 1 && keys[0] === 'pid';
  const where = basePredicate(e, req, a, ctx, undefined, check);
  ctx.pidOrder = false;
  const ids = sql`SELECT ${sql.join([
    sql`${e.id(a)} AS __id`,
    ...keys.map((k) => sql`${e.fields[k]!.sql(a, req.now)} AS ${fieldAlias(k)}`),
  ])} FROM ${e.from(a)} WHERE ${where}
    ORDER BY ${sql.join([...order.map((o) => sql`${fieldAlias(o.field)} ${dir(o.desc)}`), sql`__id`])}
    LIMIT ${req.filter.limit} OFFSET ${req.filter.skip}`;
  const b = newAlias(ctx);
  const selects = outputSelects(e, b, req.now);
  const { rows } = await sql<Row>`SELECT ${sql.join([...selects, sql`${e.id(b)} AS __id`])}
    FROM (${ids}) AS p JOIN ${e.from(b)} ON ${e.id(b)} = p.__id
    ORDER BY ${sql.join([...order.map((o) => sql`${sql.ref(`p.f_${o.field}`)} ${dir(o.desc)}`), sql`p.__id`])}`.execute(
    db,
  );
  return rows;
}

/** Pages up to this deep in score order are cut from one top-N sort; deeper ones use a window. */
const TOP_N_MAX = 5000;

/**
 * The page of a score-ordered search in one pass: the best `skip + limit` rows by rank (a top-N sort
 * that keeps only those in memory, where a window over every match would hold all of them). The first
 * of them is the best match overall, so each score is its rank relative to that one: (0, 1]. Zero
 * ranks sort last, so dropping them from the page loses nothing that ranks higher.
 */
async function bestRanked(db: Db, rows: RawBuilder<unknown>, skip: number, limit: number): Promise<Row[]> {
  const { rows: top } = await sql<Row & { __rank: number }>`SELECT * FROM (${rows}) AS y
    ORDER BY y.__rank DESC, y.__id LIMIT ${skip + limit}`.execute(db);
  const best = Number(top[0]?.__rank ?? 0);
  if (!(best > 0)) return [];
  return top
    .slice(skip)
    .filter((r) => Number(r.__rank) > 0)
    .map((r) => ({ ...r, __score: Number(r.__rank) / best }));
}

/** Related rows per include, keyed by include then parent id. */
type Included = Map<Include, Map<string, Item[]>>;

async function loadIncludes(
  db: Db,
  parent: Entity,
  parents: Row[],
  includes: Include[],
  ctx: CompileContext,
): Promise<Included> {
  const out: Included = new Map();
  const ids = [...new Set(parents.map((r) => String(r.__id)))];
  if (ids.length === 0) return out;
  for (const inc of includes) {
    const rel = parent.relations[inc.relation]!;
    const child = ENTITIES[rel.target];
    const p = newAlias(ctx);
    const c = newAlias(ctx);
    const order = (inc.filter.order ?? child.defaultOrder.map((field) => ({ field, desc: false }))).filter(
      (o) => o.field !== 'score',
    );
    const orderSql = [
      ...order.map(
        (o) =>
          sql`${child.fields[o.field]!.sql(c, ctx.now)} ${sql.raw(o.desc ? 'DESC NULLS LAST' : 'ASC NULLS LAST')}`,
      ),
      child.id(c),
    ];
    const selects = outputSelects(child, c, ctx.now);
    // Per parent, only its page of related rows (LIMIT in a lateral subquery: an index in the
    // relation's order stops after skip + limit rows instead of numbering every related row).
    const { rows } = await sql<Row & { __parent: string }>`SELECT ${parent.id(p)} AS __parent, z.*
      FROM ${parent.from(p)} CROSS JOIN LATERAL (
        SELECT ${sql.join(selects)}, ${child.id(c)} AS __id,
          row_number() OVER (ORDER BY ${sql.join(orderSql)}) AS __rn
        FROM ${child.from(c)}
        WHERE ${rel.on(p, c)} AND ${child.visible(c, ctx.now)}
          AND ${filterSql(child, inc.filter, c, ctx, inc.techniqueIds)}
        ORDER BY ${sql.join(orderSql)} LIMIT ${inc.filter.limit} OFFSET ${inc.filter.skip}
      ) AS z
      WHERE ${parent.id(p)} = ANY (CAST(${ids} AS text[]))
      ORDER BY __parent, z.__rn`.execute(db);
    const nested = await loadIncludes(db, child, rows, inc.filter.include, ctx);
    const byParent = new Map<string, Item[]>();
    for (const r of rows) {
      const list = byParent.get(String(r.__parent)) ?? [];
      list.push(toItem(child, r, inc.filter, nested));
      byParent.set(String(r.__parent), list);
    }
    out.set(inc, byParent);
  }
  return out;
}

function toItem(e: Entity, row: Row, filter: Filter, included: Included): Item {
  const item: Item = {};
  const keep = filter.fields ?? outputFields(e.name);
  for (const name of outputFields(e.name)) {
    if (!keep.includes(name)) continue;
    const v = row[`f_${name}`];
    item[name] = v instanceof Date ? v.toISOString() : v;
  }
  if (row.__score !== undefined) item.score = Number(row.__score);
  for (const inc of filter.include) {
    const list = included.get(inc)?.get(String(row.__id)) ?? [];
    item[inc.relation] = e.relations[inc.relation]!.many ? list : (list[0] ?? null);
  }
  return item;
}

/** No `where`, no restricting include, no extra predicate: only the policy and the text select. */
function unrestricted(req: SearchRequest): boolean {
  return !req.filter.where && !req.extra && !req.filter.include.some(restricts);
}

/** The output rows of these ids (those the policy lets through), by id. */
async function rowsOf(
  db: Db,
  e: Entity,
  req: SearchRequest,
  ids: string[],
  ctx: CompileContext,
): Promise<Map<string, Row>> {
  if (ids.length === 0) return new Map();
  const b = newAlias(ctx);
  const selects = outputSelects(e, b, req.now);
  const { rows } = await sql<Row>`SELECT ${sql.join([...selects, sql`${e.id(b)} AS __id`])}
    FROM ${e.from(b)} WHERE ${e.id(b)} = ANY (CAST(${ids} AS text[])) AND ${e.visible(b, req.now)}`.execute(
    db,
  );
  return new Map(rows.map((r) => [String(r.__id), r]));
}
