import { defineJob } from '../jobs/registry.ts';
import { runReleasePass } from './lifecycle.ts';

/**
 * Opens sessions whose embargo ended, assigns draft DOIs to ended sessions and registers DOIs;
 * scheduled, and safe to run any number of times.
 */
export const releaseJob = defineJob({
  name: 'policy.release',
  cron: '*/15 * * * *',
  handler: async (_data, services) => {
    await runReleasePass(services, services.clock.now(), 'job:policy.release');
  },
});
