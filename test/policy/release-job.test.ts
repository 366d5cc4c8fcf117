import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type PgBoss from 'pg-boss';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { startJobs } from '../../src/jobs/runtime.ts';
import { releaseJob } from '../../src/policy/jobs.ts';
import { auditOf, EMB_DOI, EMB_RELEASE } from './helpers.ts';

// The release runs by itself: `fairbeam serve` and `fairbeam worker` call startJobs, which schedules
// policy.release with pg-boss and works its queue. Here the same call runs over the test database,
// and the scheduled job's runs are sent by hand (cron ticks are minutes apart).

describe.each(dialects)('release job under pg-boss (%s)', (dialect) => {
  let t: TestApp;
  let boss: PgBoss | undefined;
  beforeEach(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterEach(async () => {
    await boss?.stop({ graceful: false, wait: true, timeout: 5000 });
    boss = undefined;
    await t.close();
  });

  async function runJob(b: PgBoss): Promise<string> {
    const id = (await b.send(releaseJob.name, {}))!;
    await expect
      .poll(async () => (await b.getJobById(releaseJob.name, id))?.state, { timeout: 30_000, interval: 200 })
      .toBe('completed');
    return id;
  }

  it('is scheduled every 15 minutes and releases, publishes and audits once however often it runs', async () => {
    boss = await startJobs(t.services, true);
    const schedules = await boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron])).toContainEqual(['policy.release', '*/15 * * * *']);

    t.clock.set('2029-01-05T00:15:00Z');
    expect(new Date(EMB_RELEASE) <= t.clock.now()).toBe(true);
    await runJob(boss);
    await runJob(boss);
    await runJob(boss);

    const db = t.services.database.db;
    const emb = await db
      .selectFrom('session')
      .select(['released_at'])
      .where('id', '=', 'EMB')
      .executeTakeFirstOrThrow();
    expect(emb.released_at?.toISOString()).toBe('2029-01-05T00:15:00.000Z');
    expect(await auditOf(t, 'session.release', 'EMB')).toHaveLength(1);
    expect((await auditOf(t, 'doi.publish', 'EMB')).map((a) => a.actor)).toEqual(['job:policy.release']);
    expect(
      (await db.selectFrom('local_doi').select('state').where('doi', '=', EMB_DOI).executeTakeFirstOrThrow())
        .state,
    ).toBe('findable');
  });
});
