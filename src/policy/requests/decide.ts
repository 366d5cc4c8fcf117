import type { Db } from '../../db/connect.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorName, hasRole } from '../../auth/caller.ts';
import type { Access } from '../../catalogue/access.ts';
import { markPublicDoisFindable } from '../doi/drafts.ts';
import { getPolicyRequest, type PolicyRequest } from './repo.ts';

/**
 * A data manager's decision on a pending request, in one transaction with its effect: an approved
 * extension moves the release date, an approved early release releases the session now (and queues
 * its DOI to become findable). Both are refused once the session is public — an embargo cannot be
 * put back. Everything is audited.
 */
export async function decidePolicyRequest(
  db: Db,
  access: Access,
  id: number,
  decision: 'approve' | 'reject',
  note: string | undefined,
): Promise<PolicyRequest> {
  const caller = access.caller;
  if (caller.kind !== 'user' || !hasRole(caller, 'data_manager', 'admin')) {
    throw new AppError('forbidden', 403, 'This needs one of the roles: data_manager, admin');
  }
  const now = access.now;
  const actor = actorName(caller);
  await db.transaction().execute(async (tx) => {
    const req = await tx
      .selectFrom('policy_request')
      .innerJoin('session', 'session.id', 'policy_request.session_id')
      .select([
        'policy_request.id',
        'policy_request.session_id',
        'policy_request.kind',
        'policy_request.status',
        'policy_request.requested_release_date',
        'session.release_date',
        'session.released_at',
      ])
      .where('policy_request.id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!req) throw notFound('policy_request', id);
    if (req.status !== 'pending')
      throw new AppError('policy_request_decided', 409, `Request #${id} was already ${req.status}`);
    const isPublic = req.released_at !== null || req.release_date <= now;
    if (decision === 'approve') {
      if (isPublic)
        throw new AppError(
          'session_public',
          409,
          `Session ${req.session_id} is already public; reject the request instead`,
        );
      if (req.kind === 'extension') {
        // The release date may have moved since the request (a re-import): an extension never shortens.
        if (!(req.requested_release_date! > req.release_date))
          throw new AppError(
            'release_date_not_later',
            409,
            `Session ${req.session_id} is already embargoed until ${req.release_date.toISOString()}, not before the requested ${req.requested_release_date!.toISOString()}; reject the request instead`,
          );
        await tx
          .updateTable('session')
          .set({ release_date: req.requested_release_date! })
          .where('id', '=', req.session_id)
          .execute();
        await tx
          .insertInto('audit_log')
          .values({
            actor,
            action: 'session.embargo_extend',
            target: req.session_id,
            details: JSON.stringify({
              request: id,
              from: req.release_date.toISOString(),
              to: req.requested_release_date!.toISOString(),
            }),
          })
          .execute();
      } else {
        await tx
          .updateTable('session')
          .set({ released_at: now })
          .where('id', '=', req.session_id)
          .where('released_at', 'is', null)
          .execute();
        await tx
          .insertInto('audit_log')
          .values({
            actor,
            action: 'session.release',
            target: req.session_id,
            details: JSON.stringify({
              request: id,
              early: true,
              releaseDate: req.release_date.toISOString(),
              releasedAt: now.toISOString(),
            }),
          })
          .execute();
        await markPublicDoisFindable(tx, now);
      }
    }
    await tx
      .updateTable('policy_request')
      .set({
        status: decision === 'approve' ? 'approved' : 'rejected',
        decided_by: caller.userId,
        decided_at: now,
        decision_note: note ?? null,
      })
      .where('id', '=', id)
      .execute();
    await tx
      .insertInto('audit_log')
      .values({
        actor,
        action: `policy_request.${decision}`,
        target: req.session_id,
        details: JSON.stringify({ request: id, kind: req.kind, note: note ?? null }),
      })
      .execute();
  });
  return getPolicyRequest(db, id);
}
