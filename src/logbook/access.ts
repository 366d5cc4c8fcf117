import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { isPrivileged, type Caller } from '../auth/caller.ts';
import { sessionIsPublic, sessionVisible } from '../auth/policy.ts';

// Who may read and write which logbook, as SQL over `logbook lb LEFT JOIN session s`. A session
// logbook follows its session (sessionVisible); instrument logbooks belong to staff and that
// instrument's software; the facility logbook carries broadcasts everyone may read.

const facilityWideKey = (caller: Caller) => caller.kind === 'apikey' && caller.instrumentId === null;

/** Software and staff of an instrument: privileged users, facility-wide keys, that instrument's keys. */
function instrumentTeam(caller: Caller, instrumentRef: RawBuilder<unknown>): RawBuilder<SqlBool> {
  if (isPrivileged(caller) || facilityWideKey(caller)) return sql<SqlBool>`true`;
  if (caller.kind === 'apikey') return sql<SqlBool>`${instrumentRef} = ${caller.instrumentId}`;
  return sql<SqlBool>`false`;
}

/** The session's team: members, staff, and software of its instrument (not the public). */
function sessionTeam(caller: Caller): RawBuilder<SqlBool> {
  if (caller.kind === 'user' && !isPrivileged(caller)) {
    return sql<SqlBool>`EXISTS (SELECT 1 FROM session_member lb_m WHERE lb_m.session_id = s.id AND lb_m.user_id = ${caller.userId})`;
  }
  if (caller.kind === 'anonymous') return sql<SqlBool>`false`;
  return instrumentTeam(caller, sql.ref('s.instrument_id'));
}

export function logbookReadable(caller: Caller, now: Date): RawBuilder<SqlBool> {
  return sql<SqlBool>`(CASE lb.scope
    WHEN 'session' THEN ${sessionVisible(caller, now, 's')}
    WHEN 'instrument' THEN ${instrumentTeam(caller, sql.ref('lb.instrument_id'))}
    ELSE true END)`;
}

export function logbookWritable(caller: Caller): RawBuilder<SqlBool> {
  const facilityWriter = isPrivileged(caller) || facilityWideKey(caller);
  return sql<SqlBool>`(CASE lb.scope
    WHEN 'session' THEN ${sessionTeam(caller)}
    WHEN 'instrument' THEN ${instrumentTeam(caller, sql.ref('lb.instrument_id'))}
    ELSE ${sql.lit(facilityWriter)} END)`;
}

/** A session logbook freezes when its session becomes public; the others never do. */
export function logbookFrozen(now: Date): RawBuilder<SqlBool> {
  return sql<SqlBool>`(lb.scope = 'session' AND ${sessionIsPublic(now, 's')})`;
}
