import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../db/connect.ts';
import type { LogbookScope } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { sessionVisible } from '../auth/policy.ts';
import type { Access } from '../catalogue/access.ts';
import { logbookFrozen, logbookReadable, logbookWritable } from './access.ts';

export interface Logbook {
  id: string;
  scope: LogbookScope;
  sessionId: string | null;
  instrumentId: string | null;
  facility: string | null;
  state: 'open' | 'frozen';
  lastSeq: number;
  canWrite: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** Logbooks the caller may read, with their state and whether the caller may write. */
export function readableLogbooks(db: Db, access: Access) {
  return db
    .selectFrom('logbook as lb')
    .leftJoin('session as s', 's.id', 'lb.session_id')
    .where(logbookReadable(access.caller, access.now))
    .select([
      'lb.id',
      'lb.scope',
      'lb.session_id',
      'lb.instrument_id',
      'lb.facility',
      'lb.last_seq',
      logbookFrozen(access.now).as('frozen'),
      logbookWritable(access.caller).as('writable'),
    ]);
}

type Row = {
  id: string;
  scope: LogbookScope;
  session_id: string | null;
  instrument_id: string | null;
  facility: string | null;
  last_seq: number;
  frozen: boolean;
  writable: boolean;
};

// A logbook's scope never changes: remembering it lets a post prepare its events (the default kind
// depends on the scope) before the one statement that checks access and writes them.
const scopes = new WeakMap<Db, Map<string, LogbookScope>>();
const MAX_SCOPES = 10_000;

/** The scope of a logbook this process has looked up before, if any (no access implied). */
export const knownScope = (db: Db, id: string): LogbookScope | undefined => scopes.get(db)?.get(id);

function rememberScope(db: Db, id: string, scope: LogbookScope) {
  let known = scopes.get(db);
  if (!known) scopes.set(db, (known = new Map()));
  if (known.size >= MAX_SCOPES) known.delete(known.keys().next().value!);
  known.set(id, scope);
}

/**
 * True when the caller may post to logbook `id` now (the checks of findLogbook and assertWritable
 * in one SQL predicate), for statements that check access as they write.
 */
export function logbookWritableNow(access: Access, id: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM logbook lb LEFT JOIN session s ON s.id = lb.session_id
    WHERE lb.id = ${id} AND ${logbookReadable(access.caller, access.now)}
      AND ${logbookWritable(access.caller)} AND NOT ${logbookFrozen(access.now)})`;
}

const toLogbook = (r: Row): Logbook => ({
  id: r.id,
  scope: r.scope,
  sessionId: r.session_id,
  instrumentId: r.instrument_id,
  facility: r.facility,
  state: r.frozen ? 'frozen' : 'open',
  lastSeq: Number(r.last_seq),
  canWrite: Boolean(r.writable) && !r.frozen,
});

/** One logbook; 404 when it does not exist or the caller may not read it (embargo does not leak). */
export async function findLogbook(db: Db, access: Access, id: string): Promise<Logbook> {
  if (!isUuid(id)) throw notFound('logbook', id);
  const row = (await readableLogbooks(db, access).where('lb.id', '=', id).executeTakeFirst()) as
    Row | undefined;
  if (!row) throw notFound('logbook', id);
  rememberScope(db, row.id, row.scope);
  return toLogbook(row);
}

/** Refuses writes: frozen logbooks for everyone, others for readers who are not writers. */
export function assertWritable(logbook: Logbook, access: Access): void {
  if (access.caller.kind === 'anonymous')
    throw new AppError('unauthenticated', 401, 'Log in or send an API key');
  if (logbook.state === 'frozen') {
    throw new AppError(
      'logbook_frozen',
      403,
      'This logbook is frozen: its session has been released and the logbook is read-only',
    );
  }
  if (!logbook.canWrite)
    throw new AppError('forbidden', 403, 'You may read this logbook but not write to it');
}

async function ensureLogbook(
  db: Db,
  scope: LogbookScope,
  column: 'session_id' | 'instrument_id' | 'facility',
  key: string,
) {
  await db
    .insertInto('logbook')
    .values({ id: uuidv7(), scope, [column]: key })
    .onConflict((oc) => oc.column(column).doNothing())
    .execute();
  return (await db.selectFrom('logbook').select('id').where(column, '=', key).executeTakeFirstOrThrow()).id;
}

/** The session's logbook, created on first use; 404 if the caller may not see the session. */
export async function sessionLogbook(db: Db, access: Access, sessionId: string): Promise<Logbook> {
  const visible = await db
    .selectFrom('session')
    .select('id')
    .where('id', '=', sessionId)
    .where(sessionVisible(access.caller, access.now))
    .executeTakeFirst();
  if (!visible) throw notFound('session', sessionId);
  return findLogbook(db, access, await ensureLogbook(db, 'session', 'session_id', sessionId));
}

export async function instrumentLogbook(db: Db, access: Access, instrumentId: string): Promise<Logbook> {
  const found = await db
    .selectFrom('instrument')
    .select('id')
    .where('id', '=', instrumentId)
    .executeTakeFirst();
  if (!found) throw notFound('instrument', instrumentId);
  const id = await ensureLogbook(db, 'instrument', 'instrument_id', instrumentId);
  const row = (await readableLogbooks(db, access).where('lb.id', '=', id).executeTakeFirst()) as
    Row | undefined;
  if (!row)
    throw new AppError(
      'forbidden',
      403,
      'Instrument logbooks are for facility staff and the instrument software',
    );
  return toLogbook(row);
}

export async function facilityLogbook(db: Db, access: Access, name: string): Promise<Logbook> {
  const found = await db.selectFrom('facility').select('name').where('name', '=', name).executeTakeFirst();
  if (!found) throw notFound('facility', name);
  return findLogbook(db, access, await ensureLogbook(db, 'facility', 'facility', name));
}

/**
 * The logbook of the session running now on an instrument (start <= now <= end; the latest started
 * if several overlap): where beamline software posts without knowing session ids.
 */
export async function runningSessionLogbook(db: Db, access: Access, instrumentId: string): Promise<Logbook> {
  const running = await db
    .selectFrom('session')
    .select('id')
    .where('instrument_id', '=', instrumentId)
    .where('start_at', '<=', access.now)
    .where('end_at', '>=', access.now)
    .where(sessionVisible(access.caller, access.now))
    .orderBy('start_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!running)
    throw new AppError(
      'no_running_session',
      404,
      `No session visible to you is running on ${instrumentId} now`,
    );
  return sessionLogbook(db, access, running.id);
}

export interface LogbookCounts {
  events: number;
  annotation: number;
  notification: number;
  broadcast: number;
  comments: number;
  deleted: number;
}

/** The logbook's counts, kept on its row by posts and deletes (migration 0009). */
export async function logbookCounts(db: Db, id: string): Promise<LogbookCounts> {
  const r = await db
    .selectFrom('logbook')
    .where('id', '=', id)
    .select([
      'live_events',
      'live_annotations',
      'live_notifications',
      'live_broadcasts',
      'live_comments',
      'deleted_events',
    ])
    .executeTakeFirstOrThrow();
  return {
    events: Number(r.live_events),
    annotation: Number(r.live_annotations),
    notification: Number(r.live_notifications),
    broadcast: Number(r.live_broadcasts),
    comments: Number(r.live_comments),
    deleted: Number(r.deleted_events),
  };
}
