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
import { configureTape, ingest, sha256, tempDir, writeDataset } from './setup.ts';

describe.each(dialects)('recalls that cannot be written (%s)', (dialect) => {
  let database: Database;
  let ctx: TapeContext;
  let root: string;
  let dir: string;
  let files: Map<string, Buffer>;
  let pid: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-recall-err-');
    database = await freshDatabase(dialect);
    const db = database.db;
    await seedWorld(db);
    ({ dir, files } = writeDataset(path.join(root, 'data'), 12, 300 * 1024));
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

  it('fails only the recall whose destination cannot be written; the rest of the batch comes back', async () => {
    const db = database.db;
    const all = await db
      .selectFrom('datafile')
      .select(['id', 'path', 'state'])
      .where('dataset_pid', '=', pid)
      .orderBy('path')
      .execute();
    expect(new Set(all.map((f) => f.state))).toEqual(new Set(['offline']));
    // Something else now sits where one released file was: a directory with a file in it.
    const blocked = all.find((f) => f.path === 'frames/1/frame_00005.raw')!;
    fs.mkdirSync(path.join(dir, blocked.path));
    fs.writeFileSync(path.join(dir, blocked.path, 'keep.txt'), 'not ours');

    await queueRecalls(
      db,
      all.map((f) => f.id),
      { actor: 'test' },
    );
    const batch = await runRecallBatch(ctx);
    expect(batch).toMatchObject({ total: all.length, done: all.length - 1, failed: 1 });

    const recalls = await db
      .selectFrom('recall')
      .select(['datafile_id', 'state', 'error', 'lease_owner'])
      .orderBy('datafile_id')
      .execute();
    for (const r of recalls) {
      expect(r.lease_owner).toBeNull();
      if (r.datafile_id === blocked.id) {
        expect(r.state).toBe('failed');
        expect(r.error).toContain(blocked.path);
      } else expect(r.state).toBe('done');
    }
    const states = await db
      .selectFrom('datafile')
      .select(['id', 'state'])
      .where('dataset_pid', '=', pid)
      .execute();
    for (const s of states) expect(s.state).toBe(s.id === blocked.id ? 'offline' : 'online');
    for (const f of all)
      if (f.id !== blocked.id)
        expect(sha256(fs.readFileSync(path.join(dir, f.path)))).toBe(sha256(files.get(f.path)!));
    expect(fs.readFileSync(path.join(dir, blocked.path, 'keep.txt'), 'utf8')).toBe('not ours');
    expect(fs.existsSync(`${path.join(dir, blocked.path)}.fairbeam-restore`)).toBe(false);
  });
});
