import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { withDescendants } from '../panet/hierarchy.ts';
import type { Cond, Filter, Include } from './ast.ts';
import { and, whereSql } from './compile.ts';
import { ENTITIES, type EntityName } from './model.ts';

/**
 * A `where` on techniques matches the techniques it names and every PaNET descendant of them: asking
 * for "x-ray probe-based techniques" finds datasets tagged "hard x-ray photoelectron spectroscopy".
 * The `where` is evaluated in SQL over the technique vocabulary (a few hundred rows, not the
 * catalogue); the ids found are widened with the hierarchy (static: the shipped PaNET file) and
 * stored on the include for compile.ts.
 *
 * The ids a `where` matched last time are kept (NAMES_MAX filters, least recently used dropped), so
 * that a repeated filter costs no statement of its own. The vocabulary can change at run time, so the
 * main statement checks them (`TechniqueNames.check`, in the same snapshot as the search): a page
 * comes back empty, or a count says so, when they no longer hold, and the search is run again with
 * the ids resolved afresh (`refresh`). An empty page asks the vocabulary once more to tell a stale
 * cache from no match: the statement it used to cost anyway.
 */
const NAMES_MAX = 256;
const known = new Map<string, string[]>();

/** The vocabulary's ids matching a technique `where`, in one canonical order (an array to compare). */
const matchingIds = (where: Cond, now: Date) =>
  sql<string[]>`(SELECT coalesce(array_agg(tq.id ORDER BY tq.id COLLATE "C"), '{}') FROM technique AS tq
    WHERE ${whereSql(ENTITIES.Technique, where, 'tq', { now, aliases: 0 })})`;

async function resolve(db: Db, where: Cond, now: Date): Promise<string[]> {
  const { rows } = await sql<{ ids: string[] }>`SELECT ${matchingIds(where, now)} AS ids`.execute(db);
  return rows[0]?.ids ?? [];
}

function remember(key: string, ids: string[]): void {
  known.delete(key);
  known.set(key, ids);
  if (known.size > NAMES_MAX) known.delete(known.keys().next().value!);
}

interface Cached {
  inc: Include;
  where: Cond;
  key: string;
  ids: string[];
}

/** The technique includes of one search that took their ids from the cache, to check and refresh. */
export class TechniqueNames {
  constructor(
    private cached: Cached[],
    private readonly now: Date,
  ) {}

  /**
   * True in a statement when every cached resolution still matches the vocabulary (a pseudo-constant:
   * PostgreSQL evaluates it once, and the estimates of the rest of the plan do not change); undefined
   * when nothing came from the cache.
   */
  check(): RawBuilder<SqlBool> | undefined {
    if (this.cached.length === 0) return undefined;
    return and(
      this.cached.map((c) => sql<SqlBool>`${matchingIds(c.where, this.now)} = CAST(${c.ids} AS text[])`),
    );
  }

  /**
   * Resolves the cached includes afresh (one statement each) and sets their ids; true when any of them
   * had changed (the search must then run again), false when the cache was right.
   */
  async refresh(db: Db): Promise<boolean> {
    let changed = false;
    for (const c of this.cached) {
      const ids = await resolve(db, c.where, this.now);
      remember(c.key, ids);
      if (ids.length !== c.ids.length || ids.some((id, i) => id !== c.ids[i])) {
        changed = true;
        c.inc.techniqueIds = withDescendants(ids);
      }
    }
    this.cached = [];
    return changed;
  }
}

/**
 * Sets `techniqueIds` on every technique include with a `where` (at any depth). With `useCache`, ids
 * known from an earlier search are used without a statement: the caller must then put `check()` in its
 * statement and handle a failed check (see TechniqueNames).
 */
export async function resolveTechniques(
  db: Db,
  entity: EntityName,
  filter: Filter,
  now: Date,
  useCache = false,
): Promise<TechniqueNames> {
  const cached: Cached[] = [];
  const walk = async (entity: EntityName, filter: Filter) => {
    for (const inc of filter.include) {
      const target = ENTITIES[entity].relations[inc.relation]!.target;
      if (target === 'Technique' && inc.filter.where) {
        const where = inc.filter.where;
        const key = JSON.stringify(where);
        const hit = useCache ? known.get(key) : undefined;
        if (hit) cached.push({ inc, where, key, ids: hit });
        const ids = hit ?? (await resolve(db, where, now));
        remember(key, ids);
        inc.techniqueIds = withDescendants(ids);
      }
      await walk(target, inc.filter);
    }
  };
  await walk(entity, filter);
  return new TechniqueNames(cached, now);
}
