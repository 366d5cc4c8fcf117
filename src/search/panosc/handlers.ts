import { sql, type SqlBool } from 'kysely';
import type { Database } from '../../db/connect.ts';
import { AppError } from '../../errors.ts';
import type { Cond } from './ast.ts';
import { searchCount } from './count.ts';
import { searchList, type Item } from './execute.ts';
import type { EntityName } from './model.ts';
import { badFilter, parseFilterParam, parseWhereParam } from './parse.ts';
import { runSearch } from './service.ts';

/** The PaNOSC collections and the entity behind each. */
export const COLLECTIONS = {
  datasets: 'Dataset',
  documents: 'Document',
  instruments: 'Instrument',
} as const satisfies Record<string, EntityName>;
export type Collection = keyof typeof COLLECTIONS;

export interface PanoscQuery {
  filter?: unknown;
  query?: unknown;
  where?: unknown;
}

export type PanoscCall =
  | { kind: 'list'; collection: Collection }
  | { kind: 'count'; collection: Collection }
  | { kind: 'get'; collection: Collection; pid: string }
  | { kind: 'files'; pid: string };

const textParam = (v: unknown, name: string, max = 64 * 1024): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badFilter(`${name} was given more than once`);
  if (v.length > max) throw badFilter(`${name} is longer than ${max} characters`);
  return v;
};

/** Reads `/datasets/10.5072%2Fabc/files`-style paths (segments already split off the prefix). */
export function routeOf(segments: string[]): PanoscCall | undefined {
  const [head, ...rest] = segments;
  const collection = head?.toLowerCase();
  if (!collection || !Object.hasOwn(COLLECTIONS, collection)) return undefined;
  const c = collection as Collection;
  if (rest.length === 0) return { kind: 'list', collection: c };
  if (rest.length === 1 && rest[0]!.toLowerCase() === 'count') return { kind: 'count', collection: c };
  if (c === 'datasets' && rest.length >= 2 && rest[rest.length - 1]!.toLowerCase() === 'files') {
    return { kind: 'files', pid: rest.slice(0, -1).join('/') };
  }
  return { kind: 'get', collection: c, pid: rest.join('/') };
}

/** Answers one PaNOSC call for anonymous callers at `now`: a bare array, an object, or `{count}`. */
export async function answer(
  db: Pick<Database, 'db' | 'kind' | 'withSettings'>,
  call: PanoscCall,
  q: PanoscQuery,
  now: Date,
): Promise<Item[] | Item | { count: number }> {
  const query = textParam(q.query, 'query', 1000);
  switch (call.kind) {
    case 'list': {
      const filter = parseFilterParam(COLLECTIONS[call.collection], textParam(q.filter, 'filter'));
      return runSearch(db, (tx) =>
        searchList(tx, { entity: COLLECTIONS[call.collection], filter, query, now }),
      );
    }
    case 'count': {
      const entity = COLLECTIONS[call.collection];
      const filter = parseFilterParam(entity, textParam(q.filter, 'filter'));
      const where = parseWhereParam(entity, textParam(q.where, 'where'));
      if (where)
        filter.where = filter.where ? ({ kind: 'and', items: [filter.where, where] } satisfies Cond) : where;
      return { count: await runSearch(db, (tx) => searchCount(tx, { entity, filter, query, now })) };
    }
    case 'get': {
      const entity = COLLECTIONS[call.collection];
      const filter = parseFilterParam(entity, textParam(q.filter, 'filter'));
      const pidEq = pidPredicate(entity, call.pid);
      const [item] = await runSearch(db, (tx) =>
        searchList(tx, { entity, filter: { ...filter, limit: 1, skip: 0 }, query, now, extra: pidEq }),
      );
      if (!item) throw notFoundIn(entity, call.pid);
      return item;
    }
    case 'files': {
      const filter = parseFilterParam('File', textParam(q.filter, 'filter'));
      return runSearch(db, async (tx) => {
        const visible = await searchCount(tx, {
          entity: 'Dataset',
          filter: { include: [], limit: 1, skip: 0 },
          now,
          extra: pidPredicate('Dataset', call.pid),
        });
        if (visible === 0) throw notFoundIn('Dataset', call.pid);
        return searchList(tx, {
          entity: 'File',
          filter,
          now,
          extra: (a) => sql<SqlBool>`${sql.ref(`${a}.dataset_pid`)} = ${call.pid}`,
        });
      });
    }
  }
}

function pidPredicate(entity: EntityName, pid: string) {
  return (a: string) => {
    if (entity === 'Document') {
      return sql<SqlBool>`(${sql.ref(`${a}.doi`)} = ${pid} OR (${sql.ref(`${a}.doi`)} IS NULL AND ${sql.ref(`${a}.id`)} = ${pid}))`;
    }
    return sql<SqlBool>`${sql.ref(`${a}.${entity === 'Dataset' ? 'pid' : 'id'}`)} = ${pid}`;
  };
}

const notFoundIn = (entity: EntityName, pid: string) =>
  new AppError(
    `${entity.toLowerCase()}_not_found`,
    404,
    `No public ${entity.toLowerCase()} ${JSON.stringify(pid)}`,
  );
