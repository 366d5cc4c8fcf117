import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { restricts, type Cond, type Filter, type Include, type Op, type Scalar } from './ast.ts';
import { ENTITIES, type Entity, type Field } from './model.ts';

/** Translates validated filters into SQL predicates over an entity alias; every value is a bind parameter. */
export interface CompileContext {
  now: Date;
  aliases: number;
  /**
   * The statement pages datasets in pid order: a dataset's parameter ranges are written so that the
   * planner can only walk `parameter (name, si_unit, dataset_pid)` in pid order with the range as a
   * filter (migration 0015), stopping after the page. Set while compiling such an include only.
   */
  pidOrder?: boolean;
}

export const newAlias = (ctx: CompileContext): string => `t${ctx.aliases++}`;

type Bool = RawBuilder<SqlBool>;
const TRUE = sql<SqlBool>`true`;
const FALSE = sql<SqlBool>`false`;
const ref = (a: string, col: string) => sql.ref(`${a}.${col}`);

export function and(parts: Bool[]): Bool {
  if (parts.length === 0) return TRUE;
  if (parts.length === 1) return parts[0]!;
  return sql<SqlBool>`(${sql.join(parts, sql` AND `)})`;
}
const or = (parts: Bool[]): Bool =>
  parts.length === 0 ? FALSE : parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
const not = (b: Bool): Bool => sql<SqlBool>`NOT coalesce(${b}, false)`;

/** The filter's own `where` and, for each include that restricts, an EXISTS over the related rows. */
export function filterSql(
  entity: Entity,
  filter: Filter,
  a: string,
  ctx: CompileContext,
  techniqueIds?: string[],
): Bool {
  const parts: Bool[] = [];
  if (techniqueIds) parts.push(sql<SqlBool>`${ref(a, 'id')} = ANY (CAST(${techniqueIds} AS text[]))`);
  else if (filter.where) parts.push(whereSql(entity, filter.where, a, ctx));
  for (const inc of filter.include) if (restricts(inc)) parts.push(includeExists(entity, inc, a, ctx));
  return and(parts);
}

function includeExists(parent: Entity, inc: Include, p: string, ctx: CompileContext): Bool {
  const rel = parent.relations[inc.relation]!;
  // A dataset's techniques are an array column: test it directly (GIN index) instead of joining.
  if (inc.techniqueIds && parent.name === 'Dataset' && inc.filter.include.length === 0) {
    return sql<SqlBool>`${ref(p, 'techniques')} && CAST(${inc.techniqueIds} AS text[])`;
  }
  const child = ENTITIES[rel.target];
  const where = inc.filter.where;
  if (where?.kind === 'and' && where.separate) {
    const one = (w: Cond): Include => ({ ...inc, filter: { ...inc.filter, where: w } });
    return and(where.items.map((w) => includeExists(parent, one(w), p, ctx)));
  }
  const c = newAlias(ctx);
  const outer = ctx.pidOrder;
  // Only a dataset's own parameters follow its pid order (a document's go through its datasets).
  ctx.pidOrder = outer && parent.name === 'Dataset' && rel.target === 'Parameter';
  try {
    return sql<SqlBool>`EXISTS (SELECT 1 FROM ${child.from(c)} WHERE ${rel.on(p, c)} AND ${child.visible(c, ctx.now)}
    AND ${filterSql(child, inc.filter, c, ctx, inc.techniqueIds)})`;
  } finally {
    ctx.pidOrder = outer;
  }
}

export function whereSql(entity: Entity, cond: Cond, a: string, ctx: CompileContext): Bool {
  switch (cond.kind) {
    case 'and':
      // A row (one parameter) satisfies separate conditions when it matches any of them.
      if (cond.separate) return or(cond.items.map((c) => whereSql(entity, c, a, ctx)));
      return and(cond.items.map((c) => whereSql(entity, c, a, ctx)));
    case 'or':
      return or(cond.items.map((c) => whereSql(entity, c, a, ctx)));
    case 'si': {
      // In a page of datasets by pid, a range is tested on the entries of the parameter's name in
      // pid order (`+ 0` is the same float8 but no index bound): the planner underestimates a range
      // over one name tenfold (name and value are correlated) and would read and sort every match
      // through (name, si_unit, si_value). Equalities stay index bounds: they match few rows.
      const walk = ctx.pidOrder && RANGES.has(cond.op);
      return and([
        sql<SqlBool>`${ref(a, 'si_unit')} = ${cond.siUnit}`,
        siCompare(walk ? sql`(${ref(a, 'si_value')} + 0)` : ref(a, 'si_value'), cond.op, cond.values),
      ]);
    }
    case 'cmp': {
      const field = entity.fields[cond.field]!;
      if (field.type === 'value') return valueCompare(a, cond.op, cond.value);
      return compare(field, field.sql(a, ctx.now), a, cond.op, cond.value);
    }
  }
}

const RANGES = new Set<Op>(['gt', 'gte', 'lt', 'lte', 'between']);

type Cast = 'text' | 'double precision' | 'timestamptz' | 'boolean';
const castOf = (f: Field): Cast =>
  f.type === 'number'
    ? 'double precision'
    : f.type === 'date'
      ? 'timestamptz'
      : f.type === 'boolean'
        ? 'boolean'
        : 'text';
const param = (v: Scalar, cast: Cast) =>
  sql`CAST(${v instanceof Date ? v.toISOString() : v} AS ${sql.raw(cast)})`;
const list = (vs: Scalar[], cast: Cast) =>
  sql`CAST(${vs.map((v) => (v instanceof Date ? v.toISOString() : v))} AS ${sql.raw(cast)}[])`;

function compare(
  field: Field,
  expr: RawBuilder<unknown>,
  a: string,
  op: Op,
  value: Scalar | Scalar[] | null,
): Bool {
  if (value === null) return op === 'eq' ? sql<SqlBool>`${expr} IS NULL` : sql<SqlBool>`${expr} IS NOT NULL`;
  const cast = castOf(field);
  if (field.type === 'textArray') return arrayCompare(expr, op, value);
  const v = value as Scalar;
  const vs = value as Scalar[];
  switch (op) {
    case 'eq':
      if (field.eq && typeof v === 'string') return field.eq(a, v);
      if (field.eqAsContains)
        return sql<SqlBool>`${expr} ILIKE ${`%${String(v).replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`;
      return sql<SqlBool>`${expr} = ${param(v, cast)}`;
    case 'neq':
      return sql<SqlBool>`${expr} IS DISTINCT FROM ${param(v, cast)}`;
    case 'gt':
      return sql<SqlBool>`${expr} > ${param(v, cast)}`;
    case 'gte':
      return sql<SqlBool>`${expr} >= ${param(v, cast)}`;
    case 'lt':
      return sql<SqlBool>`${expr} < ${param(v, cast)}`;
    case 'lte':
      return sql<SqlBool>`${expr} <= ${param(v, cast)}`;
    case 'between':
      return sql<SqlBool>`${expr} BETWEEN ${param(vs[0]!, cast)} AND ${param(vs[1]!, cast)}`;
    case 'inq':
      return vs.length === 0 ? FALSE : sql<SqlBool>`${expr} = ANY (${list(vs, cast)})`;
    case 'nin':
      return vs.length === 0 ? TRUE : not(sql<SqlBool>`${expr} = ANY (${list(vs, cast)})`);
    case 'like':
      return sql<SqlBool>`${expr} LIKE ${v}`;
    case 'nlike':
      return not(sql<SqlBool>`${expr} LIKE ${v}`);
    case 'ilike':
      return sql<SqlBool>`${expr} ILIKE ${v}`;
    case 'nilike':
      return not(sql<SqlBool>`${expr} ILIKE ${v}`);
  }
}

/** Keywords: `eq` means "has this keyword", `inq` "has any of these", `like` "has one matching". */
function arrayCompare(expr: RawBuilder<unknown>, op: Op, value: Scalar | Scalar[]): Bool {
  const v = value as string;
  const vs = value as string[];
  switch (op) {
    case 'eq':
      return sql<SqlBool>`${v} = ANY (${expr})`;
    case 'neq':
      return not(sql<SqlBool>`${v} = ANY (${expr})`);
    case 'inq':
      return sql<SqlBool>`${expr} && CAST(${vs} AS text[])`;
    case 'nin':
      return not(sql<SqlBool>`${expr} && CAST(${vs} AS text[])`);
    case 'like':
    case 'ilike':
    case 'nlike':
    case 'nilike': {
      const match = sql<SqlBool>`EXISTS (SELECT 1 FROM unnest(${expr}) AS kw(k) WHERE kw.k ${sql.raw(op.endsWith('ilike') ? 'ILIKE' : 'LIKE')} ${v})`;
      return op.startsWith('n') ? not(match) : match;
    }
    default:
      return FALSE; // parse.ts refuses the other operators on keywords
  }
}

/** A parameter's value: numbers compare with the number, text with the text, as given. */
function valueCompare(a: string, op: Op, value: Scalar | Scalar[] | null): Bool {
  const num: Field = { type: 'number', sql: () => ref(a, 'value_number') };
  const txt: Field = { type: 'text', sql: () => ref(a, 'value_text') };
  if (value === null) {
    const isNull = sql<SqlBool>`(${ref(a, 'value_number')} IS NULL AND ${ref(a, 'value_text')} IS NULL)`;
    return op === 'eq' ? isNull : not(isNull);
  }
  if (Array.isArray(value)) {
    const nums = value.filter((v) => typeof v === 'number');
    const strs = value.filter((v) => typeof v === 'string');
    if (op === 'between')
      return compare(
        typeof value[0] === 'number' ? num : txt,
        (typeof value[0] === 'number' ? num : txt).sql('', new Date()),
        a,
        op,
        value,
      );
    const parts = [
      ...(nums.length ? [compare(num, ref(a, 'value_number'), a, 'inq', nums)] : []),
      ...(strs.length ? [compare(txt, ref(a, 'value_text'), a, 'inq', strs)] : []),
    ];
    return op === 'inq' ? or(parts) : not(or(parts));
  }
  const f = typeof value === 'number' ? num : txt;
  return compare(f, f.sql('', new Date()), a, op, value);
}

/** SI comparisons allow for the rounding of two unit conversions (12.4 keV vs 12400 eV). */
function siCompare(expr: RawBuilder<unknown>, op: Op, values: number[]): Bool {
  const tol = (v: number) => Math.abs(v) * 1e-9;
  const d = (v: number) => sql`CAST(${v} AS double precision)`;
  const near = (v: number) => sql<SqlBool>`${expr} BETWEEN ${d(v - tol(v))} AND ${d(v + tol(v))}`;
  const v = values[0]!;
  switch (op) {
    case 'eq':
      return near(v);
    case 'neq':
      return not(near(v));
    case 'gt':
      return sql<SqlBool>`${expr} > ${d(v + tol(v))}`;
    case 'gte':
      return sql<SqlBool>`${expr} >= ${d(v - tol(v))}`;
    case 'lt':
      return sql<SqlBool>`${expr} < ${d(v - tol(v))}`;
    case 'lte':
      return sql<SqlBool>`${expr} <= ${d(v + tol(v))}`;
    case 'between':
      return sql<SqlBool>`${expr} BETWEEN ${d(v - tol(v))} AND ${d(values[1]! + tol(values[1]!))}`;
    case 'inq':
      return or(values.map(near));
    case 'nin':
      return not(or(values.map(near)));
    default:
      return FALSE; // units.ts converts numeric operators only
  }
}
