import fs from 'node:fs';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, untilWaitingOnLock } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { tempRoot } from '../ingest/trees.ts';

describe.each(dialects)('a download read while its recall fails (%s)', (dialect) => {
  let t: TestApp;
  let root: ReturnType<typeof tempRoot>;
  let ada: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    root = tempRoot();
    t = await startTestApp(dialect, { env: { FAIRBEAM_DATA_ROOTS: root.dir } });
    await seedWorld(t.services.database.db);
    ada = await t.login('ada');
    const dir = path.join(root.dir, 'two');
    fs.mkdirSync(dir);
    for (const f of ['a.txt', 'b.txt']) fs.writeFileSync(path.join(dir, f), 'data\n');
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      headers: { cookie: await t.login('sam') },
      payload: {
        session: 'EMB',
        name: 'two',
        directory: dir,
        files: [
          { path: 'a.txt', size: 5 },
          { path: 'b.txt', size: 5 },
        ],
      },
    });
    expect(reg.statusCode).toBe(201);
    for (const f of await t.services.database.db
      .selectFrom('datafile')
      .select(['id', 'path'])
      .where('dataset_pid', '=', reg.json().pid)
      .execute())
      ids[f.path] = f.id;
  });
  afterAll(async () => {
    await t?.close();
    root?.remove();
  });

  it('a failed download reads as failed', async () => {
    const db = t.services.database.db;
    const id = uuidv7();
    await db
      .insertInto('download')
      .values({
        id,
        actor: 'user:ada',
        status: 'failed',
        format: 'zip',
        datafile_ids: [ids['a.txt']!, ids['b.txt']!],
        pending_ids: [ids['b.txt']!],
      })
      .execute();
    const res = await t.app.inject({ url: `/api/downloads/${id}`, headers: { cookie: ada } });
    expect(res.json()).toMatchObject({ id, status: 'failed' });
  });

  // Needs a second connection to hold the scheduler's transaction open; PGlite has one.
  if (dialect === 'postgres')
    it('stays failed when the recall fails between the read of its status and its update', async () => {
      const db = t.services.database.db;
      const id = uuidv7();
      // a.txt is back, b.txt still restoring: reading the download moves its pending list to [b].
      await db.updateTable('datafile').set({ state: 'online' }).where('id', '=', ids['a.txt']!).execute();
      await db.updateTable('datafile').set({ state: 'restoring' }).where('id', '=', ids['b.txt']!).execute();
      await db
        .insertInto('download')
        .values({
          id,
          actor: 'user:ada',
          status: 'restoring',
          format: 'zip',
          datafile_ids: [ids['a.txt']!, ids['b.txt']!],
          pending_ids: [ids['a.txt']!, ids['b.txt']!],
        })
        .execute();
      let commit!: () => void;
      const held = new Promise<void>((r) => (commit = r));
      let failed!: () => void;
      const isFailed = new Promise<void>((r) => (failed = r));
      // The recall scheduler failing b.txt's recall (as scheduler.ts fail() does), not yet committed.
      const scheduler = db.transaction().execute(async (tx) => {
        await tx
          .updateTable('download')
          .set({ status: 'failed' })
          .where('id', '=', id)
          .where('status', '=', 'restoring')
          .execute();
        failed();
        await held;
      });
      await isFailed;
      const read = t.app.inject({ url: `/api/downloads/${id}`, headers: { cookie: ada } });
      await untilWaitingOnLock(db);
      commit();
      await scheduler;
      const res = await read;
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, status: 'failed' });
      const row = await db
        .selectFrom('download')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('failed');
    });
});
