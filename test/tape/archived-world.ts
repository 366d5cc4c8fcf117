import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freshDatabase, type Dialect } from '../helpers/db.ts';
import { seedWorld } from '../helpers/world.ts';
import type { Database, Db } from '../../src/db/connect.ts';
import { createTapeContext, type TapeContext } from '../../src/archive/workflow/context.ts';
import { advanceRun, requestArchive } from '../../src/archive/workflow/runs.ts';
import { configureTape, ingest, tempDir, writeDataset } from './setup.ts';

/** A dataset archived to the virtual library with release, so every file is offline on tape. */
export interface ArchivedWorld {
  database: Database;
  ctx: TapeContext;
  root: string;
  dir: string;
  files: Map<string, Buffer>;
  pid: string;
}

/**
 * Registers the beforeAll/afterAll of a describe block: a fresh database with seedWorld, a dataset
 * of `small` small files and one of `largeBytes` (writeDataset) ingested and archived with release
 * (configureTape with `tape`, default 64 KiB containers). The returned object is filled in by beforeAll.
 */
export function archivedWorld(
  dialect: Dialect,
  opts: {
    prefix: string;
    small: number;
    largeBytes: number;
    tape?: Parameters<typeof configureTape>[2];
    timeout?: number;
  },
): ArchivedWorld {
  const w = {} as ArchivedWorld;
  beforeAll(async () => {
    w.root = tempDir(opts.prefix);
    w.database = await freshDatabase(dialect);
    const db = w.database.db;
    await seedWorld(db);
    const data = path.join(w.root, 'data');
    ({ dir: w.dir, files: w.files } = writeDataset(data, opts.small, opts.largeBytes));
    w.pid = await ingest(db, w.dir);
    await configureTape(db, path.join(w.root, 'vtl'), opts.tape ?? { containerBytes: 64 * 1024 });
    w.ctx = createTapeContext(db, { home: path.join(w.root, 'home'), dataRoots: [data] });
    const run = await requestArchive(db, w.pid, { actor: 'test', release: true });
    await advanceRun(w.ctx, run.id);
  }, opts.timeout ?? 120_000);
  afterAll(async () => {
    await w.database?.close();
    if (w.root) fs.rmSync(w.root, { recursive: true, force: true });
  });
  return w;
}

/** The dataset's files ordered by path. */
export function datafilesOf(db: Db, pid: string) {
  return db
    .selectFrom('datafile')
    .select(['id', 'path', 'size', 'state'])
    .where('dataset_pid', '=', pid)
    .orderBy('path')
    .execute();
}
