import type PgBoss from 'pg-boss';
import type { Services } from '../services.ts';
import { createBoss } from './boss.ts';
import { registerJobs } from './registry.ts';
import { allJobs } from './all.ts';

/** Starts pg-boss with every job; `work` = also handle jobs in this process (serve's in-process worker). */
export async function startJobs(services: Services, work: boolean): Promise<PgBoss> {
  const boss = createBoss(services.database);
  await boss.start();
  await registerJobs(boss, services, allJobs, work);
  return boss;
}
