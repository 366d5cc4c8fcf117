import type { Db } from '../db/connect.ts';
import { markPublicDoisFindable } from './doi/drafts.ts';

/**
 * Opens every session whose release date has passed at `now`: marks it released and audits it.
 * Idempotent: a released session is never touched again, so re-running (or two workers) is safe.
 * The DOIs of public sessions are queued to become findable in the same transaction (the
 * registrar is called afterwards by `syncDois`).
 */
export async function releaseExpiredEmbargoes(db: Db, now: Date, actor: string): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    const released = await tx
      .updateTable('session')
      .set({ released_at: now })
      .where('released_at', 'is', null)
      .where('release_date', '<=', now)
      .returning(['id', 'release_date'])
      .execute();
    if (released.length) {
      await tx
        .insertInto('audit_log')
        .values(
          released.map((s) => ({
            actor,
            action: 'session.release',
            target: s.id,
            details: JSON.stringify({
              releaseDate: s.release_date.toISOString(),
              releasedAt: now.toISOString(),
            }),
          })),
        )
        .execute();
    }
    await markPublicDoisFindable(tx, now);
    return released.map((s) => s.id).sort();
  });
}
