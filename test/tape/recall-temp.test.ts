import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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

describe.each(dialects)('recalls read through a whole container (%s)', (dialect) => {
  let database: Database;
  let ctx: TapeContext;
  let root: string;
  let dir: string;
  let files: Map<string, Buffer>;
  let pid: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-recall-tmp-');
    database = await freshDatabase(dialect);
    const db = database.db;
    await seedWorld(db);
    ({ dir, files } = writeDataset(path.join(root, 'data'), 6, 1000));
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

  it('removes the container copy a killed recall left in the temp directory', async () => {
    const db = database.db;
    // What a recall killed while reading a container whole leaves behind: its temp directory.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    const left = fs.mkdtempSync(path.join(os.tmpdir(), `fairbeam-recall-${dead}-`));
    fs.writeFileSync(path.join(left, 'container.h5'), Buffer.alloc(64 * 1024));
    // A member without recorded extents is read by copying its whole container off tape.
    const rel = 'frames/1/frame_00001.raw';
    const f = await db
      .selectFrom('datafile')
      .select('id')
      .where('dataset_pid', '=', pid)
      .where('path', '=', rel)
      .executeTakeFirstOrThrow();
    await db.updateTable('tape_copy').set({ extents: null }).where('datafile_id', '=', f.id).execute();
    await queueRecalls(db, [f.id], { actor: 'test' });
    expect(await runRecallBatch(ctx)).toMatchObject({ done: 1, failed: 0 });
    expect(sha256(fs.readFileSync(path.join(dir, rel)))).toBe(sha256(files.get(rel)!));
    expect(fs.existsSync(left)).toBe(false);
  });
});
