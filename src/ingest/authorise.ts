import type { Db } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { isPrivileged } from '../auth/caller.ts';
import { sessionVisible } from '../auth/policy.ts';
import type { Access } from '../catalogue/access.ts';

/**
 * Who may add datasets to a session: facility staff, data managers and admins, and software whose
 * API key belongs to the session's instrument (or is facility-wide). A session the caller cannot
 * see is a 404, so registration does not reveal embargoed sessions; seeing it without the right to
 * write (a member, another beamline's key on a public session) is a 403.
 */
export async function authoriseRegistration(db: Db, access: Access, sessionId: string): Promise<void> {
  const { caller } = access;
  if (caller.kind === 'anonymous') throw new AppError('unauthenticated', 401, 'Log in or send an API key');
  const session = await db
    .selectFrom('session')
    .select(['session.id', 'session.instrument_id'])
    .where('session.id', '=', sessionId)
    .where(sessionVisible(caller, access.now))
    .executeTakeFirst();
  if (!session) throw notFound('session', sessionId);
  if (isPrivileged(caller)) return;
  if (caller.kind === 'apikey') {
    if (caller.instrumentId === null || caller.instrumentId === session.instrument_id) return;
    throw new AppError(
      'forbidden_instrument',
      403,
      `This API key belongs to instrument ${caller.instrumentId}; session ${sessionId} is on ${session.instrument_id}`,
    );
  }
  throw new AppError(
    'forbidden',
    403,
    'Registering datasets needs an instrument API key or the staff or data_manager role',
  );
}
