import { AppError } from '../../errors.ts';
import {
  OPERATORS,
  type Cond,
  type Filter,
  type Include,
  type Op,
  type OrderItem,
  type Scalar,
} from './ast.ts';
import { ENTITIES, type EntityName, type Field, type FieldType } from './model.ts';
import { convertParameterUnits } from './units.ts';

/** Limits that keep one request from asking for an unbounded amount of work. */
export const LIMITS = {
  maxLimit: 1000,
  defaultLimit: 100,
  defaultIncludeLimit: 1000,
  maxSkip: 10_000_000,
  maxIncludeDepth: 5,
  maxWhereDepth: 10,
  maxConditions: 200,
  maxList: 1000,
  /** All values of all lists together (each is a bind parameter or more). */
  maxListValues: 5000,
  maxString: 1000,
  maxOrder: 10,
};

export const badFilter = (message: string, details?: unknown) =>
  new AppError('invalid_filter', 400, message, details);

const FILTER_KEYS = new Set(['where', 'include', 'fields', 'order', 'limit', 'skip', 'offset']);
const OPS_BY_TYPE: Record<FieldType, readonly Op[]> = {
  text: OPERATORS,
  value: OPERATORS,
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'inq', 'nin'],
  date: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'inq', 'nin'],
  boolean: ['eq', 'neq', 'inq', 'nin'],
  textArray: ['eq', 'neq', 'inq', 'nin', 'like', 'nlike', 'ilike', 'nilike'],
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `?filter=` (a JSON string or an already parsed value) for an entity; throws 400 on anything wrong. */
export function parseFilterParam(
  entity: EntityName,
  raw: unknown,
  opts: { defaultLimit?: number } = {},
): Filter {
  let json: unknown = raw;
  if (raw === undefined || raw === '') json = {};
  else if (typeof raw === 'string') {
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw badFilter(`filter is not valid JSON: ${(e as Error).message}`);
    }
  } else if (Array.isArray(raw)) throw badFilter('filter was given more than once');
  if (json === null) json = {};
  const state = { conditions: 0 };
  return parseFilter(entity, json, 'filter', 1, state, opts.defaultLimit ?? LIMITS.defaultLimit);
}

/** Parses `?where=` of `/count`, a bare where object. */
export function parseWhereParam(entity: EntityName, raw: unknown): Cond | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw badFilter('where was given more than once');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw badFilter(`where is not valid JSON: ${(e as Error).message}`);
  }
  return parseWhere(entity, json, 'where', 1, { conditions: 0 });
}

type State = { conditions: number; values?: number };

function parseFilter(
  entity: EntityName,
  json: unknown,
  at: string,
  depth: number,
  state: State,
  defaultLimit: number,
): Filter {
  if (!isObject(json)) throw badFilter(`${at} must be a JSON object`);
  for (const key of Object.keys(json))
    if (!FILTER_KEYS.has(key))
      throw badFilter(`${at}: unknown key "${key}" (expected where, include, fields, order, limit, skip)`);
  const filter: Filter = {
    include: parseIncludes(entity, json.include, `${at}.include`, depth, state),
    limit: parseCount(json.limit, `${at}.limit`, LIMITS.maxLimit) ?? defaultLimit,
    skip: parseCount(json.skip ?? json.offset, `${at}.skip`, LIMITS.maxSkip) ?? 0,
  };
  if (json.where !== undefined && json.where !== null)
    filter.where = parseWhere(entity, json.where, `${at}.where`, 1, state);
  if (json.fields !== undefined) filter.fields = parseFields(entity, json.fields, `${at}.fields`);
  if (json.order !== undefined) filter.order = parseOrder(entity, json.order, `${at}.order`);
  return filter;
}

/** A non-negative integer; above `max` it is capped (limits) — we serve at most that many. */
function parseCount(v: unknown, at: string, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw badFilter(`${at} must be a non-negative integer, got ${JSON.stringify(v)}`);
  if (at.endsWith('.skip') && n > max) throw badFilter(`${at} must be at most ${max}`);
  return Math.min(n, max);
}

function parseIncludes(entity: EntityName, v: unknown, at: string, depth: number, state: State): Include[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.length > 20) throw badFilter(`${at} lists too many relations`);
  if (list.length > 0 && depth > LIMITS.maxIncludeDepth)
    throw badFilter(`${at}: includes are nested deeper than ${LIMITS.maxIncludeDepth} levels`);
  const seen = new Set<string>();
  return list.map((item, i) => {
    const here = `${at}[${i}]`;
    let relation: unknown;
    let scope: unknown = {};
    if (typeof item === 'string') relation = item;
    else if (isObject(item)) {
      for (const key of Object.keys(item))
        if (key !== 'relation' && key !== 'scope')
          throw badFilter(`${here}: unknown key "${key}" (expected relation, scope)`);
      relation = item.relation;
      scope = item.scope ?? {};
    } else throw badFilter(`${here} must be a relation name or {relation, scope}`);
    if (typeof relation !== 'string') throw badFilter(`${here}.relation must be a string`);
    const rel = ENTITIES[entity].relations[relation];
    if (!rel || !Object.hasOwn(ENTITIES[entity].relations, relation)) {
      throw badFilter(
        `${here}: unknown relation "${relation}" of ${entity} (known: ${Object.keys(ENTITIES[entity].relations).join(', ') || 'none'})`,
      );
    }
    if (seen.has(relation)) throw badFilter(`${here}: relation "${relation}" is included twice`);
    seen.add(relation);
    return {
      relation,
      filter: parseFilter(rel.target, scope, `${here}.scope`, depth + 1, state, LIMITS.defaultIncludeLimit),
    };
  });
}

function parseFields(entity: EntityName, v: unknown, at: string): string[] {
  const known = outputFields(entity);
  const check = (name: unknown): string => {
    if (typeof name !== 'string' || !known.includes(name))
      throw badFilter(
        `${at}: unknown field ${JSON.stringify(name)} of ${entity} (known: ${known.join(', ')})`,
      );
    return name;
  };
  if (Array.isArray(v)) return v.map(check);
  if (isObject(v)) {
    const entries = Object.entries(v);
    for (const [name, on] of entries) {
      check(name);
      if (typeof on !== 'boolean') throw badFilter(`${at}.${name} must be true or false`);
    }
    const on = entries.filter(([, b]) => b).map(([n]) => n);
    return on.length > 0 ? on : known.filter((n) => !entries.some(([m]) => m === n));
  }
  throw badFilter(`${at} must be an array of field names or an object of field: boolean`);
}

export const outputFields = (entity: EntityName): string[] =>
  Object.entries(ENTITIES[entity].fields)
    .filter(([, f]) => f.out !== false)
    .map(([n]) => n);

function parseOrder(entity: EntityName, v: unknown, at: string): OrderItem[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length > LIMITS.maxOrder) throw badFilter(`${at} has more than ${LIMITS.maxOrder} items`);
  return list.map((item) => {
    if (typeof item !== 'string') throw badFilter(`${at} items must be strings like "title DESC"`);
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(item);
    if (!m) throw badFilter(`${at}: cannot read ${JSON.stringify(item)}; use "field ASC" or "field DESC"`);
    const field = m[1]!;
    if (field !== 'score' && !Object.hasOwn(ENTITIES[entity].fields, field))
      throw badFilter(`${at}: unknown field "${field}" of ${entity}`);
    return { field, desc: m[2]?.toLowerCase() === 'desc' };
  });
}

function parseWhere(entity: EntityName, v: unknown, at: string, depth: number, state: State): Cond {
  const cond = parseWhereObject(entity, v, at, depth, state);
  if (entity !== 'Parameter') return cond;
  // Several conditions that each name a parameter are ANDed over the dataset, one parameter each.
  if (cond.kind === 'and' && cond.items.length > 1 && cond.items.every(namesParameter)) {
    return { kind: 'and', items: cond.items.map(convertParameterUnits), separate: true };
  }
  return convertParameterUnits(cond);
}

const namesParameter = (c: Cond): boolean =>
  c.kind === 'cmp'
    ? false
    : c.kind === 'si'
      ? false
      : c.items.some((i) => i.kind === 'cmp' && i.field === 'name') ||
        (c.kind === 'and' && c.items.some(namesParameter));

function parseWhereObject(entity: EntityName, v: unknown, at: string, depth: number, state: State): Cond {
  if (depth > LIMITS.maxWhereDepth)
    throw badFilter(`${at}: conditions are nested deeper than ${LIMITS.maxWhereDepth} levels`);
  if (!isObject(v)) throw badFilter(`${at} must be an object of conditions`);
  const items: Cond[] = [];
  for (const [key, value] of Object.entries(v)) {
    if (key === 'and' || key === 'or') {
      if (!Array.isArray(value) || value.length === 0)
        throw badFilter(`${at}.${key} must be a non-empty array of conditions`);
      const parts = value.map((w, i) => parseWhereObject(entity, w, `${at}.${key}[${i}]`, depth + 1, state));
      items.push(parts.length === 1 ? parts[0]! : { kind: key, items: parts });
      continue;
    }
    const field = Object.hasOwn(ENTITIES[entity].fields, key) ? ENTITIES[entity].fields[key] : undefined;
    if (!field) {
      const hint = Object.hasOwn(ENTITIES[entity].relations, key)
        ? ` ("${key}" is a relation: filter it with include + scope.where)`
        : '';
      throw badFilter(`${at}: unknown field "${key}" of ${entity}${hint}`);
    }
    items.push(...parseFieldCondition(key, field, value, `${at}.${key}`, state));
  }
  if (items.length === 0) return { kind: 'and', items: [] };
  return items.length === 1 ? items[0]! : { kind: 'and', items };
}

function parseFieldCondition(name: string, field: Field, v: unknown, at: string, state: State): Cond[] {
  const ops: [Op, unknown][] = [];
  if (isObject(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0) throw badFilter(`${at} has no operator`);
    for (const [op, operand] of entries) {
      if (!(OPERATORS as readonly string[]).includes(op))
        throw badFilter(`${at}: unknown operator "${op}" (known: ${OPERATORS.join(', ')})`);
      ops.push([op as Op, operand]);
    }
  } else ops.push(['eq', v]);
  return ops.map(([op, operand]) => {
    if (++state.conditions > LIMITS.maxConditions)
      throw badFilter(`filter has more than ${LIMITS.maxConditions} conditions`);
    if (!OPS_BY_TYPE[field.type].includes(op))
      throw badFilter(`${at}: operator "${op}" does not apply to ${field.type} field "${name}"`);
    return {
      kind: 'cmp',
      field: name,
      op,
      value: parseOperand(field, op, operand, `${at}.${op}`, state),
    } satisfies Cond;
  });
}

function parseOperand(field: Field, op: Op, v: unknown, at: string, state: State): Scalar | Scalar[] | null {
  if (op === 'inq' || op === 'nin' || op === 'between') {
    if (!Array.isArray(v)) throw badFilter(`${at} must be an array`);
    if (op === 'between' && v.length !== 2) throw badFilter(`${at} must be an array of two values`);
    if (v.length > LIMITS.maxList)
      throw badFilter(`${at} lists ${v.length} values; at most ${LIMITS.maxList} are accepted`);
    state.values = (state.values ?? 0) + v.length;
    if (state.values > LIMITS.maxListValues)
      throw badFilter(`filter lists more than ${LIMITS.maxListValues} values in all`);
    const values = v.map((x, i) => scalar(field, x, `${at}[${i}]`, op));
    if (field.type === 'value' && op === 'between' && typeof values[0] !== typeof values[1])
      throw badFilter(`${at} mixes numbers and text`);
    return values;
  }
  if (v === null) {
    if (op === 'eq' || op === 'neq') return null;
    throw badFilter(`${at} cannot be null`);
  }
  return scalar(field, v, at, op);
}

function scalar(field: Field, v: unknown, at: string, op: Op): Scalar {
  const like = op === 'like' || op === 'nlike' || op === 'ilike' || op === 'nilike';
  if (typeof v === 'string') {
    if (v.length > LIMITS.maxString) throw badFilter(`${at} is longer than ${LIMITS.maxString} characters`);
    if (v.includes('\u0000')) throw badFilter(`${at} contains a NUL character`);
    if (like && /(^|[^\\])(\\\\)*\\$/.test(v))
      throw badFilter(`${at}: a LIKE pattern cannot end with an escape character`);
  }
  if (like && typeof v !== 'string') throw badFilter(`${at} must be a string pattern`);
  switch (field.type) {
    case 'text':
    case 'textArray': {
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      if (typeof v !== 'string') throw badFilter(`${at} must be a string`);
      return field.normalise && !like ? field.normalise(v) : v;
    }
    case 'value':
      if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
      throw badFilter(`${at} must be a number or a string`);
    case 'number': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw badFilter(`${at} must be a number`);
      return n;
    }
    case 'date': {
      const d = typeof v === 'string' || typeof v === 'number' ? new Date(v) : undefined;
      if (!d || Number.isNaN(d.getTime()) || Math.abs(d.getUTCFullYear()) > 9999)
        throw badFilter(`${at} must be an ISO 8601 date`);
      return d;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw badFilter(`${at} must be true or false`);
  }
}
