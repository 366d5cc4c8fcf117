import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { sessionIsPublic } from '../../auth/policy.ts';

/**
 * The records an OAI-PMH harvester sees: public sessions with a DOI. A record's datestamp is when
 * it became public — its release (the job's, or an early release) or else its release date — so an
 * incremental harvest `from` the last one picks up newly opened sessions.
 */
export const datestampOf = sql<Date>`date_trunc('second', COALESCE(session.released_at, session.release_date))`;

export interface RecordFilter {
  from?: Date;
  until?: Date;
  /** Instrument id, or null for the whole `instrument` set. */
  instrument?: string | null;
}

export function publicRecordQuery(db: Db, now: Date, f: RecordFilter) {
  let q = db.selectFrom('session').where(sessionIsPublic(now)).where('session.doi', 'is not', null);
  if (f.from) q = q.where(datestampOf, '>=', f.from);
  if (f.until) q = q.where(datestampOf, '<=', f.until);
  if (f.instrument) q = q.where('session.instrument_id', '=', f.instrument);
  return q;
}

export interface RecordHeader {
  sessionId: string;
  doi: string;
  datestamp: Date;
  instrumentId: string;
}

/** One page of headers in (datestamp, doi) order after the keyset position, plus whether more follow. */
export async function recordPage(
  db: Db,
  now: Date,
  f: RecordFilter,
  after: [Date, string] | undefined,
  limit: number,
) {
  let q = publicRecordQuery(db, now, f)
    .select(['session.id', 'session.doi', 'session.instrument_id', datestampOf.as('datestamp')])
    .orderBy(datestampOf)
    .orderBy('session.doi')
    .limit(limit + 1);
  if (after) q = q.where(sql<boolean>`(${datestampOf}, session.doi) > (${after[0]}, ${after[1]})`);
  const rows = await q.execute();
  const headers: RecordHeader[] = rows.slice(0, limit).map((r) => ({
    sessionId: r.id,
    doi: r.doi!,
    datestamp: new Date(r.datestamp),
    instrumentId: r.instrument_id,
  }));
  return { headers, more: rows.length > limit };
}

export async function countRecords(db: Db, now: Date, f: RecordFilter): Promise<number> {
  const row = await publicRecordQuery(db, now, f)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function headerForDoi(db: Db, now: Date, doi: string): Promise<RecordHeader | undefined> {
  const r = await publicRecordQuery(db, now, {})
    .select(['session.id', 'session.doi', 'session.instrument_id', datestampOf.as('datestamp')])
    .where(sql`lower(session.doi)`, '=', doi.toLowerCase())
    .executeTakeFirst();
  return r
    ? { sessionId: r.id, doi: r.doi!, datestamp: new Date(r.datestamp), instrumentId: r.instrument_id }
    : undefined;
}

export async function earliestDatestamp(db: Db, now: Date): Promise<Date | undefined> {
  const r = await publicRecordQuery(db, now, {})
    .select(sql<Date | null>`min(${datestampOf})`.as('first'))
    .executeTakeFirst();
  return r?.first ? new Date(r.first) : undefined;
}
