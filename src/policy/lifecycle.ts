import type { Services } from '../services.ts';
import { releaseExpiredEmbargoes } from './release.ts';
import { ensureDraftDois } from './doi/drafts.ts';
import { syncDois, type SyncResult } from './doi/sync.ts';
import { registrarFor } from './doi/registrar-for.ts';

export type LifecycleServices = Pick<Services, 'config' | 'database' | 'clock'>;

export interface ReleaseRun {
  released: string[];
  draftDois: string[];
  dois: SyncResult;
}

/**
 * One pass of the open-data lifecycle at `now`: open the sessions whose embargo ended, give ended
 * sessions their draft DOI, and bring the DOI registrar in step (drafts created, released sessions'
 * DOIs published). Every step is idempotent, so the pass can be re-run or killed at any point.
 */
export async function runReleasePass(
  services: LifecycleServices,
  now: Date,
  actor: string,
): Promise<ReleaseRun> {
  const db = services.database.db;
  const released = await releaseExpiredEmbargoes(db, now, actor);
  const draftDois = await db
    .transaction()
    .execute((tx) => ensureDraftDois(tx, now, services.config.doiPrefix, actor));
  const dois = await syncDois(db, registrarFor(services), { baseUrl: services.config.baseUrl, now, actor });
  return { released, draftDois, dois };
}
