import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { DoiState } from '../../db/schema.ts';
import { landingPath } from './name.ts';
import type { DoiRegistrar } from './registrar.ts';
import { recordForSession } from '../metadata/record.ts';
import { dataciteAttributes, validateDatacite } from '../metadata/datacite.ts';

export interface SyncResult {
  registered: { doi: string; state: DoiState }[];
  failed: { doi: string; error: string }[];
}

/**
 * How long a worker may hold a registration while it talks to the registrar. Leases run on the
 * database's clock, not on `now` (the policy's time, which `policy release --now T` sets): a run as of
 * a past T must not leave its rows open to the job, nor a crashed run as of a future T hold them till T.
 */
const LEASE_MS = 5 * 60 * 1000;

/**
 * Brings the registrar in step with `doi_registration`: every DOI whose target state differs from
 * what the registrar holds is registered (draft, or published), then recorded and audited. A DOI
 * already in step is never sent again, so re-running does nothing; a failure is recorded on its row
 * and retried by the next run. Rows are leased, so two workers never send the same step.
 */
export async function syncDois(
  db: Db,
  registrar: DoiRegistrar,
  opts: { baseUrl: string; now: Date; actor: string; limit?: number },
): Promise<SyncResult> {
  const { now } = opts;
  const claimed = await sql<{
    doi: string;
    session_id: string;
    target_state: DoiState;
    registered_state: DoiState | null;
  }>`
    UPDATE doi_registration SET lease_until = now() + make_interval(secs => ${LEASE_MS / 1000})
    WHERE doi IN (
      SELECT doi FROM doi_registration
      WHERE registered_state IS DISTINCT FROM target_state AND (lease_until IS NULL OR lease_until < now())
      ORDER BY doi LIMIT ${opts.limit ?? 200}
      FOR UPDATE SKIP LOCKED)
    RETURNING doi, session_id, target_state, registered_state`.execute(db);
  const result: SyncResult = { registered: [], failed: [] };
  for (const row of claimed.rows.sort((a, b) => a.doi.localeCompare(b.doi))) {
    try {
      const record = await recordForSession(db, row.session_id, now, 'registrar');
      if (!record) throw new Error(`session ${row.session_id} has no DOI any more`);
      const attributes = validateDatacite(dataciteAttributes(record, opts.baseUrl));
      await registrar.register({
        doi: row.doi,
        state: row.target_state,
        previous: row.registered_state,
        url: `${opts.baseUrl}${landingPath(row.doi)}`,
        attributes,
      });
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('doi_registration')
          .set({
            registered_state: row.target_state,
            registrar: registrar.name,
            attempts: 0,
            last_error: null,
            lease_until: null,
            registered_at: now,
          })
          .where('doi', '=', row.doi)
          .execute();
        await tx
          .insertInto('audit_log')
          .values({
            actor: opts.actor,
            action: row.target_state === 'findable' ? 'doi.publish' : 'doi.draft',
            target: row.session_id,
            details: JSON.stringify({
              doi: row.doi,
              registrar: registrar.name,
              from: row.registered_state,
              to: row.target_state,
            }),
          })
          .execute();
      });
      result.registered.push({ doi: row.doi, state: row.target_state });
    } catch (e) {
      const error = (e as Error).message ?? String(e);
      await db
        .updateTable('doi_registration')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: error.slice(0, 2000),
          lease_until: null,
        }))
        .where('doi', '=', row.doi)
        .execute();
      result.failed.push({ doi: row.doi, error });
    }
  }
  return result;
}
