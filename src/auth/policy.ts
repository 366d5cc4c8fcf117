import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { isPrivileged, type Caller } from './caller.ts';

/**
 * The embargo policy, in one place and in SQL. A session is visible when it is public (its release
 * date has passed or it was released) or the caller belongs to it: a member, facility staff, or an
 * API key of its instrument (a key without instrument is facility-wide software). Every query about
 * sessions and what hangs off them adds this predicate, so lists, counts, search and downloads can
 * never disagree. `s` is the alias under which the query has joined the `session` table.
 */
export function sessionVisible(caller: Caller, now: Date, s = 'session'): RawBuilder<SqlBool> {
  if (isPrivileged(caller)) return sql<SqlBool>`true`;
  if (caller.kind === 'apikey' && caller.instrumentId === null) return sql<SqlBool>`true`;
  const isPublic = sessionIsPublic(now, s);
  if (caller.kind === 'anonymous') return isPublic;
  if (caller.kind === 'apikey') {
    return sql<SqlBool>`(${isPublic} OR ${sql.ref(`${s}.instrument_id`)} = ${caller.instrumentId})`;
  }
  return sql<SqlBool>`(${isPublic} OR EXISTS (SELECT 1 FROM session_member pol_m
    WHERE pol_m.session_id = ${sql.ref(`${s}.id`)} AND pol_m.user_id = ${caller.userId}))`;
}

/** Whether the session under alias `s` is public at `now`: released, or its release date has passed. */
export function sessionIsPublic(now: Date, s = 'session'): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${s}.release_date`)} <= ${now} OR ${sql.ref(`${s}.released_at`)} IS NOT NULL)`;
}

/**
 * `sessionIsPublic` for rows that carry their session's `public_from` (the search postings and
 * technique links of migration 0010): the database derives it from the session in one place,
 * `fairbeam_public_from(release_date, released_at)` (-infinity once released, else the release date),
 * and keeps it in step with the session by triggers, so `public_from <= now` holds exactly when the
 * session is public at `now`. Lets a search filter an index range without joining every session.
 */
export function publicFromIsPublic(now: Date, column: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} <= ${now}`;
}
