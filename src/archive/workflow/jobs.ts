import { defineJob } from '../../jobs/registry.ts';
import { tapeContextOf } from './context.ts';
import { advanceAllRuns, queueDueDatasets } from './runs.ts';
import { drainRecalls } from './scheduler.ts';

/** Queues datasets the archiving policy selects, then moves every unfinished archive run on. */
export const archiveJob = defineJob({
  name: 'archive.tick',
  cron: '* * * * *',
  retryLimit: 3,
  handler: async (_data, services) => {
    const ctx = tapeContextOf(services);
    await queueDueDatasets(ctx.db, services.clock.now());
    await advanceAllRuns(ctx);
  },
});

/** Brings queued files back from tape, batch after batch, until the recall queue is empty. */
export const recallJob = defineJob({
  name: 'restore.tick',
  cron: '* * * * *',
  retryLimit: 3,
  handler: async (_data, services) => {
    await drainRecalls(tapeContextOf(services));
  },
});
