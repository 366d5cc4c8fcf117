import type { Db } from '../db/connect.ts';

/** Appends one audit entry. The table refuses updates and deletes (see migration 0001). */
export async function audit(
  db: Db,
  entry: { actor: string; action: string; target?: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
