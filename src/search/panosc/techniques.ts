import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { withDescendants } from '../panet/hierarchy.ts';
import type { Filter } from './ast.ts';
import { whereSql } from './compile.ts';
import { ENTITIES, type EntityName } from './model.ts';

/**
 * A `where` on techniques matches the techniques it names and every PaNET descendant of them: asking
 * for "x-ray probe-based techniques" finds datasets tagged "hard x-ray photoelectron spectroscopy".
 * The `where` is evaluated in SQL over the technique vocabulary (a few hundred rows, not the
 * catalogue); the ids found are widened with the hierarchy and stored on the include for compile.ts.
 */
export async function resolveTechniques(
  db: Db,
  entity: EntityName,
  filter: Filter,
  now: Date,
): Promise<void> {
  for (const inc of filter.include) {
    const target = ENTITIES[entity].relations[inc.relation]!.target;
    if (target === 'Technique' && inc.filter.where) {
      const ctx = { now, aliases: 0 };
      const { rows } = await sql<{ id: string }>`SELECT x.id FROM technique AS x
        WHERE ${whereSql(ENTITIES.Technique, inc.filter.where, 'x', ctx)}`.execute(db);
      inc.techniqueIds = withDescendants(rows.map((r) => r.id));
    }
    await resolveTechniques(db, target, inc.filter, now);
  }
}
