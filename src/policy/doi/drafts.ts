import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { sessionIsPublic } from '../../auth/policy.ts';
import { disambiguatedDoi, sessionDoi } from './name.ts';

/**
 * Gives every session that has ended by `now` and has no DOI yet its DOI, and queues its
 * registration: a draft, or findable straight away when the session is already public (imported
 * with a past release date). Pure database work, so the import can call it inside its transaction;
 * the registrar is called later by `syncDois`. Idempotent. Returns the DOIs assigned.
 */
export async function ensureDraftDois(db: Db, now: Date, prefix: string, actor: string): Promise<string[]> {
  const sessions = await db
    .selectFrom('session')
    .innerJoin('instrument', 'instrument.id', 'session.instrument_id')
    .select(['session.id', 'instrument.facility', sessionIsPublic(now).as('is_public')])
    .where('session.doi', 'is', null)
    .where('session.end_at', '<=', now)
    .orderBy('session.id')
    .execute();
  if (sessions.length === 0) return [];
  const wanted = sessions.map((s) => ({ ...s, doi: sessionDoi(prefix, s.facility, s.id) }));
  const taken = new Set(
    (
      await db
        .selectFrom('session')
        .select('doi')
        .where(
          'doi',
          'in',
          wanted.map((w) => w.doi),
        )
        .execute()
    ).map((r) => r.doi),
  );
  const assigned: { id: string; doi: string; isPublic: boolean }[] = [];
  for (const w of wanted) {
    const doi = taken.has(w.doi) ? disambiguatedDoi(w.doi, w.id) : w.doi;
    taken.add(doi);
    assigned.push({ id: w.id, doi, isPublic: Boolean(w.is_public) });
  }
  const done: string[] = [];
  for (let i = 0; i < assigned.length; i += 500) {
    const slice = assigned.slice(i, i + 500);
    const values = sql.join(slice.map((a) => sql`(${a.id}, ${a.doi})`));
    // Only the sessions this call gave their DOI: another pass may have done so since the select
    // (its update committed while ours waited), and must stay the only one to queue and audit it.
    const updated = await sql<{
      id: string;
    }>`UPDATE session SET doi = v.doi FROM (VALUES ${values}) AS v(id, doi)
      WHERE session.id = v.id AND session.doi IS NULL RETURNING session.id`.execute(db);
    const mine = new Set(updated.rows.map((r) => r.id));
    const chunk = slice.filter((a) => mine.has(a.id));
    if (chunk.length === 0) continue;
    done.push(...chunk.map((a) => a.doi));
    await db
      .insertInto('doi_registration')
      .values(
        chunk.map((a) => ({
          doi: a.doi,
          session_id: a.id,
          target_state: a.isPublic ? ('findable' as const) : ('draft' as const),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    await db
      .insertInto('audit_log')
      .values(
        chunk.map((a) => ({
          actor,
          action: 'doi.assign',
          target: a.id,
          details: JSON.stringify({ doi: a.doi }),
        })),
      )
      .execute();
  }
  return done;
}

/** Queues the move to findable for the DOI of every public session (released, or past its date). */
export async function markPublicDoisFindable(db: Db, now: Date): Promise<number> {
  const res = await db
    .updateTable('doi_registration')
    .set({ target_state: 'findable' })
    .from('session')
    .whereRef('session.id', '=', 'doi_registration.session_id')
    .where('doi_registration.target_state', '=', 'draft')
    .where(sessionIsPublic(now))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
