import { defineJob } from '../jobs/registry.ts';
import { releaseExpiredEmbargoes } from './release.ts';

/** Opens sessions whose embargo ended; scheduled, and safe to run any number of times. */
export const releaseJob = defineJob({
  name: 'policy.release',
  cron: '*/15 * * * *',
  handler: async (_data, services) => {
    await releaseExpiredEmbargoes(services.database.db, services.clock.now(), 'job:policy.release');
  },
});
