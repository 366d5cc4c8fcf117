import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../helpers/db.ts';
import { seedWorld } from '../helpers/world.ts';
import type { Database } from '../../src/db/connect.ts';
import { createTapeContext, type TapeContext } from '../../src/archive/workflow/context.ts';
import { advanceRun, requestArchive } from '../../src/archive/workflow/runs.ts';
import { queueRecalls } from '../../src/archive/workflow/recalls.ts';
import { runRecallBatch } from '../../src/archive/workflow/scheduler.ts';
import { releaseDisk } from '../../src/archive/workflow/release.ts';
import { configureTape, ingest, tempDir, writeDataset } from './setup.ts';

describe.each(dialects)('releasing restored files (%s)', (dialect) => {
  let database: Database;
  let ctx: TapeContext;
  let root: string;
  let dir: string;
  let pid: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-release-');
    database = await freshDatabase(dialect);
    const db = database.db;
    await seedWorld(db);
    ({ dir } = writeDataset(path.join(root, 'data'), 6, 1000));
    pid = await ingest(db, dir);
    await configureTape(db, path.join(root, 'vtl'), { containerBytes: 64 * 1024 });
    ctx = createTapeContext(db, { home: path.join(root, 'home'), dataRoots: [path.join(root, 'data')] });
    const run = await requestArchive(db, pid, { actor: 'test', release: true });
    await advanceRun(ctx, run.id);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('counts as released only the files it deleted, not those refused as changed since', async () => {
    const db = database.db;
    const all = await db
      .selectFrom('datafile')
      .select(['id', 'path', 'size'])
      .where('dataset_pid', '=', pid)
      .orderBy('path')
      .execute();
    await queueRecalls(
      db,
      all.map((f) => f.id),
      { actor: 'test' },
    );
    expect(await runRecallBatch(ctx)).toMatchObject({ done: all.length, failed: 0 });
    const changed = all.find((f) => f.path === 'large.bin')!;
    fs.appendFileSync(path.join(dir, changed.path), 'edited after the restore');

    const r = await releaseDisk(db, pid, ctx.dataRoots);
    expect(r.refused).toEqual([{ path: changed.path, reason: 'changed on disk since it was archived' }]);
    const gone = all.filter((f) => f.id !== changed.id);
    expect(r.released).toBe(gone.length);
    expect(r.bytes).toBe(gone.reduce((s, f) => s + Number(f.size), 0));
    for (const f of gone) expect(fs.existsSync(path.join(dir, f.path))).toBe(false);
    expect(fs.existsSync(path.join(dir, changed.path))).toBe(true);
  });
});
