import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../helpers/db.ts';
import { seedWorld } from '../helpers/world.ts';
import type { Database } from '../../src/db/connect.ts';
import { createTapeContext, type TapeContext } from '../../src/archive/workflow/context.ts';
import { advanceAllRuns, queueDueDatasets, requestArchive } from '../../src/archive/workflow/runs.ts';
import { packStep, runStagingDir } from '../../src/archive/workflow/pack-step.ts';
import { configureTape, ingest, tempDir, writeDataset } from './setup.ts';

describe.each(dialects)('archive runs of several datasets (%s)', (dialect) => {
  let database: Database;
  let ctx: TapeContext;
  let root: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-runs-');
    database = await freshDatabase(dialect);
    await seedWorld(database.db);
    await configureTape(database.db, path.join(root, 'vtl'), { containerBytes: 64 * 1024 });
    ctx = createTapeContext(database.db, {
      home: path.join(root, 'home'),
      dataRoots: [path.join(root, 'data')],
    });
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a run whose disk copies cannot be released ends failed with the reason and does not hold up later runs', async () => {
    const db = database.db;
    // Registered from a directory outside every data root: it can be archived, never released.
    const outside = await ingest(db, writeDataset(path.join(root, 'elsewhere'), 6, 1000, 'outside').dir);
    const inside = await ingest(db, writeDataset(path.join(root, 'data'), 6, 1000, 'inside').dir);
    const first = await requestArchive(db, outside, { actor: 'test', release: true });
    const second = await requestArchive(db, inside, { actor: 'test', release: true });
    expect(first.id).toBeLessThan(second.id);

    await advanceAllRuns(ctx);

    const runs = await db
      .selectFrom('archive_run')
      .select(['id', 'step', 'error', 'lease_owner'])
      .orderBy('id')
      .execute();
    expect(runs.map((r) => [r.id, r.step, r.lease_owner])).toEqual([
      [first.id, 'failed', null],
      [second.id, 'done', null],
    ]);
    expect(runs[0]!.error).toMatch(/no directory under a data root/);
    const states = async (pid: string) =>
      new Set(
        (await db.selectFrom('datafile').select('state').where('dataset_pid', '=', pid).execute()).map(
          (f) => f.state,
        ),
      );
    // The outside dataset's files have their two copies and stay on disk.
    expect(await states(outside)).toEqual(new Set(['archived']));
    expect(await states(inside)).toEqual(new Set(['offline']));
    expect(fs.existsSync(path.join(root, 'elsewhere', 'outside', 'large.bin'))).toBe(true);
  });

  it('a run whose dataset directory is gone ends failed with the reason and does not hold up later runs', async () => {
    const db = database.db;
    const goneDir = writeDataset(path.join(root, 'data'), 4, 1000, 'gone').dir;
    const gone = await ingest(db, goneDir);
    const kept = await ingest(db, writeDataset(path.join(root, 'data'), 4, 1000, 'kept').dir);
    fs.rmSync(goneDir, { recursive: true });
    const first = await requestArchive(db, gone, { actor: 'test' });
    const second = await requestArchive(db, kept, { actor: 'test' });

    await advanceAllRuns(ctx);

    const runs = await db
      .selectFrom('archive_run')
      .select(['id', 'step', 'error'])
      .where('id', 'in', [first.id, second.id])
      .orderBy('id')
      .execute();
    expect(runs.map((r) => [r.id, r.step])).toEqual([
      [first.id, 'failed'],
      [second.id, 'done'],
    ]);
    expect(runs[0]!.error).toMatch(/no such directory/);
    const states = async (pid: string) =>
      new Set(
        (await db.selectFrom('datafile').select('state').where('dataset_pid', '=', pid).execute()).map(
          (f) => f.state,
        ),
      );
    expect(await states(gone)).toEqual(new Set(['online']));
    expect(await states(kept)).toEqual(new Set(['archived']));
  });

  it('a run that keeps failing (its packed containers were deleted) does not hold up later runs', async () => {
    const db = database.db;
    const lost = await ingest(db, writeDataset(path.join(root, 'data'), 4, 1000, 'lost').dir);
    const next = await ingest(db, writeDataset(path.join(root, 'data'), 4, 1000, 'next').dir);
    const first = await requestArchive(db, lost, { actor: 'test' });
    const second = await requestArchive(db, next, { actor: 'test' });
    await packStep(ctx, first.id);
    fs.rmSync(runStagingDir(ctx, first.id), { recursive: true });

    // The error is still reported (the job is retried), after the other runs had their turn.
    await expect(advanceAllRuns(ctx)).rejects.toThrow(/ENOENT/);

    const runs = await db
      .selectFrom('archive_run')
      .select(['id', 'step', 'lease_owner'])
      .where('id', 'in', [first.id, second.id])
      .orderBy('id')
      .execute();
    expect(runs).toEqual([
      { id: first.id, step: 'write', lease_owner: null },
      { id: second.id, step: 'done', lease_owner: null },
    ]);
  });

  it('the policy tries a dataset whose run failed again a day later, not at every tick', async () => {
    const db = database.db;
    const pid = await ingest(db, writeDataset(path.join(root, 'data'), 2, 1000, 'failing').dir);
    const failed = {
      dataset_pid: pid,
      reason: 'policy',
      actor: 'policy',
      step: 'failed',
      error: 'x',
    } as const;
    await db
      .insertInto('archive_run')
      .values({ ...failed, finished_at: sql<Date>`now() - interval '1 hour'` })
      .execute();
    await db.updateTable('archive_policy').set({ enabled: true, min_age_days: 0 }).execute();
    try {
      expect(await queueDueDatasets(db, new Date())).not.toContain(pid);
      await db
        .updateTable('archive_run')
        .set({ finished_at: sql<Date>`now() - interval '25 hours'` })
        .where('dataset_pid', '=', pid)
        .execute();
      expect(await queueDueDatasets(db, new Date())).toContain(pid);
      // Queued once: the new run is under way, so the next tick queues nothing more for it.
      expect(await queueDueDatasets(db, new Date())).not.toContain(pid);
    } finally {
      await db.updateTable('archive_policy').set({ enabled: false }).execute();
    }
  });
});
