import type { Db } from '../../db/connect.ts';
import type { Clock } from '../../clock.ts';
import { RegistrarError, type DoiRegistrar, type DoiRegistration } from './registrar.ts';

/**
 * The built-in registrar of the embedded default: keeps what DataCite would hold (state, URL,
 * metadata) in the `local_doi` table, with DataCite's one rule on states — a findable DOI never
 * goes back to draft.
 */
export function localRegistrar(db: Db, clock: Clock): DoiRegistrar {
  return {
    name: 'local',
    async register(r: DoiRegistration) {
      const now = clock.now();
      const existing = await db
        .selectFrom('local_doi')
        .select('state')
        .where('doi', '=', r.doi)
        .executeTakeFirst();
      if (existing?.state === 'findable' && r.state === 'draft') {
        throw new RegistrarError(`${r.doi} is findable and cannot return to draft`, 422);
      }
      const values = { state: r.state, url: r.url, metadata: JSON.stringify(r.attributes), updated_at: now };
      await db
        .insertInto('local_doi')
        .values({ doi: r.doi, created_at: now, ...values })
        .onConflict((oc) => oc.column('doi').doUpdateSet(values))
        .execute();
    },
  };
}
