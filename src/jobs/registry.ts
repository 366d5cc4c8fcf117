import type PgBoss from 'pg-boss';
import type { Services } from '../services.ts';

/**
 * A typed, idempotent background job: the handler may be killed and re-run at any point without
 * loss (STYLE.md rule 7). `cron` schedules it (pg-boss keeps one schedule across all workers).
 */
export interface JobDefinition<T extends object = object> {
  name: string;
  handler: (data: T, services: Services) => Promise<void>;
  cron?: string;
  /** Retries with backoff before the job is marked failed. */
  retryLimit?: number;
}

export const defineJob = <T extends object>(def: JobDefinition<T>): JobDefinition<T> => def;

/** Creates the queues and schedules, and (when `work` is set) starts handling them. */
export async function registerJobs(
  boss: PgBoss,
  services: Services,
  jobs: JobDefinition[],
  work: boolean,
): Promise<void> {
  for (const job of jobs) {
    await boss.createQueue(job.name, { name: job.name, retryLimit: job.retryLimit ?? 5, retryBackoff: true });
    if (job.cron) await boss.schedule(job.name, job.cron, {});
    if (work) {
      await boss.work<object>(job.name, { pollingIntervalSeconds: 1 }, async (batch) => {
        for (const j of batch) await job.handler(j.data, services);
      });
    }
  }
}
