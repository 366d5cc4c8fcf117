import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { PolicyRequestKind, PolicyRequestStatus } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorName, hasRole, isPrivileged } from '../../auth/caller.ts';
import { sessionIsPublic, sessionVisible } from '../../auth/policy.ts';
import type { Access } from '../../catalogue/access.ts';

export interface PolicyRequest {
  id: number;
  sessionId: string;
  kind: PolicyRequestKind;
  requestedReleaseDate: string | null;
  reason: string;
  status: PolicyRequestStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  /** The session's release date now (after an approved extension: the new one). */
  releaseDate: string;
}

export interface NewPolicyRequest {
  kind: PolicyRequestKind;
  releaseDate?: string;
  reason: string;
}

const selectRequests = (db: Db) =>
  db
    .selectFrom('policy_request as r')
    .innerJoin('session', 'session.id', 'r.session_id')
    .innerJoin('app_user as req', 'req.id', 'r.requested_by')
    .leftJoin('app_user as dec', 'dec.id', 'r.decided_by')
    .select([
      'r.id',
      'r.session_id',
      'r.kind',
      'r.requested_release_date',
      'r.reason',
      'r.status',
      'req.username as requested_by',
      'r.requested_at',
      'dec.username as decided_by',
      'r.decided_at',
      'r.decision_note',
      'session.release_date',
    ]);

type Row = NonNullable<Awaited<ReturnType<ReturnType<typeof selectRequests>['executeTakeFirst']>>>;

const toRequest = (r: Row): PolicyRequest => ({
  id: Number(r.id),
  sessionId: r.session_id,
  kind: r.kind,
  requestedReleaseDate: r.requested_release_date?.toISOString() ?? null,
  reason: r.reason,
  status: r.status,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at.toISOString(),
  decidedBy: r.decided_by,
  decidedAt: r.decided_at?.toISOString() ?? null,
  decisionNote: r.decision_note,
  releaseDate: r.release_date.toISOString(),
});

/**
 * The session as the caller may see it, with whether it is public and the caller's role in it.
 * 404 when the caller may not see it (its existence must not leak).
 */
async function sessionFor(db: Db, access: Access, sessionId: string) {
  const userId = access.caller.kind === 'user' ? access.caller.userId : -1;
  const row = await db
    .selectFrom('session')
    .select([
      'session.id',
      'session.release_date',
      sessionIsPublic(access.now).as('is_public'),
      sql<
        string | null
      >`(SELECT m.role FROM session_member m WHERE m.session_id = session.id AND m.user_id = ${userId})`.as(
        'role',
      ),
    ])
    .where('session.id', '=', sessionId)
    .where(sessionVisible(access.caller, access.now))
    .executeTakeFirst();
  if (!row) throw notFound('session', sessionId);
  return { ...row, isPublic: Boolean(row.is_public) };
}

/** A PI asks for a later release date or for release now; one open request per session. */
export async function createPolicyRequest(
  db: Db,
  access: Access,
  sessionId: string,
  input: NewPolicyRequest,
): Promise<PolicyRequest> {
  const caller = access.caller;
  if (caller.kind !== 'user')
    throw new AppError('forbidden', 403, 'Only a person (the session PI) can ask for an embargo change');
  const session = await sessionFor(db, access, sessionId);
  if (session.role !== 'principal_investigator') {
    throw new AppError(
      'not_principal_investigator',
      403,
      `Only a principal investigator of session ${sessionId} can ask for an embargo change`,
    );
  }
  if (session.isPublic) throw new AppError('session_public', 409, `Session ${sessionId} is already public`);
  let requested: Date | null = null;
  if (input.kind === 'extension') {
    if (!input.releaseDate)
      throw new AppError('release_date_required', 400, 'An extension needs the new releaseDate');
    requested = new Date(input.releaseDate);
    if (!(requested > session.release_date)) {
      throw new AppError(
        'invalid_release_date',
        422,
        `The new release date must be after the current one (${session.release_date.toISOString()})`,
      );
    }
  } else if (input.releaseDate) {
    throw new AppError(
      'unexpected_release_date',
      400,
      'An early release takes no releaseDate: it releases when approved',
    );
  }
  const id = await db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('policy_request')
      .values({
        session_id: sessionId,
        kind: input.kind,
        requested_release_date: requested,
        reason: input.reason,
        requested_by: caller.userId,
        requested_at: access.now,
      })
      // An open request already (policy_request_one_pending), committed before or meanwhile: 409.
      .onConflict((oc) => oc.column('session_id').where('status', '=', 'pending').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      const open = await tx
        .selectFrom('policy_request')
        .select('id')
        .where('session_id', '=', sessionId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const openId = Number(open?.id ?? 0);
      throw new AppError(
        'policy_request_pending',
        409,
        `Session ${sessionId} already has an open request (#${openId})`,
        { id: openId },
      );
    }
    await tx
      .insertInto('audit_log')
      .values({
        actor: actorName(caller),
        action: 'policy_request.create',
        target: sessionId,
        details: JSON.stringify({
          request: Number(row.id),
          kind: input.kind,
          releaseDate: requested?.toISOString() ?? null,
          reason: input.reason,
        }),
      })
      .execute();
    return row.id;
  });
  return getPolicyRequest(db, id);
}

export async function getPolicyRequest(db: Db, id: number): Promise<PolicyRequest> {
  const row = await selectRequests(db).where('r.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('policy_request', id);
  return toRequest(row);
}

/** The requests of a session, oldest first: for its members and the facility roles. */
export async function listSessionRequests(
  db: Db,
  access: Access,
  sessionId: string,
): Promise<PolicyRequest[]> {
  const session = await sessionFor(db, access, sessionId);
  if (!session.role && !isPrivileged(access.caller)) {
    throw new AppError(
      'forbidden',
      403,
      `Only members of session ${sessionId} and facility staff see its embargo requests`,
    );
  }
  return (await selectRequests(db).where('r.session_id', '=', sessionId).orderBy('r.id').execute()).map(
    toRequest,
  );
}

/** Requests across sessions (the data managers' queue), oldest first. */
export async function listRequests(
  db: Db,
  access: Access,
  status?: PolicyRequestStatus,
): Promise<PolicyRequest[]> {
  if (!hasRole(access.caller, 'data_manager', 'admin'))
    throw new AppError('forbidden', 403, 'This needs one of the roles: data_manager, admin');
  let q = selectRequests(db).orderBy('r.id').limit(1000);
  if (status) q = q.where('r.status', '=', status);
  return (await q.execute()).map(toRequest);
}
