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
import { clearFaults, injectFaults } from '../../src/archive/tape/faults.ts';
import { createDownload, getDownload } from '../../src/downloads/requests.ts';
import type { Caller } from '../../src/auth/caller.ts';
import { configureTape, ingest, sha256, tempDir, writeDataset } from './setup.ts';

describe.each(dialects)('tape faults (%s)', (dialect) => {
  let database: Database;
  let ctx: TapeContext;
  let root: string;
  let vtl: string;
  let dir: string;
  let files: Map<string, Buffer>;
  let pid: string;
  const admin: Caller = { kind: 'user', userId: 1, username: 'root', role: 'admin' };

  beforeAll(async () => {
    root = tempDir('fb-tape-faults-');
    vtl = path.join(root, 'vtl');
    database = await freshDatabase(dialect);
    const db = database.db;
    await seedWorld(db);
    ({ dir, files } = writeDataset(path.join(root, 'data'), 30, 300 * 1024));
    pid = await ingest(db, dir);
    await configureTape(db, vtl, { containerBytes: 64 * 1024 });
    ctx = createTapeContext(db, { home: path.join(root, 'home'), dataRoots: [path.join(root, 'data')] });
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const copyOf = (datafileId: number, copy: 1 | 2) =>
    database.db
      .selectFrom('tape_copy as c')
      .innerJoin('tape_file as t', 't.id', 'c.tape_file_id')
      .select(['t.cartridge', 't.tape_file'])
      .where('c.datafile_id', '=', datafileId)
      .where('c.copy', '=', copy)
      .executeTakeFirstOrThrow();
  const fileId = async (rel: string) =>
    (
      await database.db
        .selectFrom('datafile')
        .select('id')
        .where('dataset_pid', '=', pid)
        .where('path', '=', rel)
        .executeTakeFirstOrThrow()
    ).id;

  it('writes past a full cartridge and a failed drive: the copies land elsewhere, nothing is lost', async () => {
    const db = database.db;
    injectFaults(vtl, { fullCartridges: ['A00001'], failedDrives: ['drive0'] });
    const run = await requestArchive(db, pid, { actor: 'test', release: true });
    await advanceRun(ctx, run.id);
    clearFaults(vtl);
    expect(await db.selectFrom('archive_run').select(['step', 'error']).executeTakeFirstOrThrow()).toEqual({
      step: 'done',
      error: null,
    });
    const a1 = await db
      .selectFrom('tape_cartridge')
      .select(['state'])
      .where('barcode', '=', 'A00001')
      .executeTakeFirstOrThrow();
    expect(a1.state).toBe('full');
    const onA1 = await db.selectFrom('tape_file').select('id').where('cartridge', '=', 'A00001').execute();
    expect(onA1).toHaveLength(0);
    const states = await db
      .selectFrom('datafile')
      .select('state')
      .where('dataset_pid', '=', pid)
      .distinct()
      .execute();
    expect(states.map((s) => s.state)).toEqual(['offline']);
  });

  it('reads copy 2 when copy 1 has a bad block, with identical bytes', async () => {
    const db = database.db;
    const rel = 'frames/2/frame_00010.raw';
    const id = await fileId(rel);
    const c1 = await copyOf(id, 1);
    injectFaults(vtl, { badBlocks: [{ barcode: c1.cartridge, tapeFile: c1.tape_file }] });
    await queueRecalls(db, [id], { actor: 'test' });
    const batch = await runRecallBatch(ctx);
    clearFaults(vtl);
    expect(batch).toMatchObject({ total: 1, done: 1, failed: 0 });
    const recall = await db
      .selectFrom('recall')
      .select(['state', 'copy_used'])
      .where('datafile_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(recall).toEqual({ state: 'done', copy_used: 2 });
    expect(sha256(fs.readFileSync(path.join(dir, rel)))).toBe(sha256(files.get(rel)!));
    const cart = await db
      .selectFrom('tape_cartridge')
      .select('errors')
      .where('barcode', '=', c1.cartridge)
      .executeTakeFirstOrThrow();
    expect(cart.errors).toBeGreaterThan(0);
  });

  it('restores the large file past a robot error and a failed drive', async () => {
    const db = database.db;
    const id = await fileId('large.bin');
    injectFaults(vtl, { robotErrors: 1, failedDrives: ['drive0'] });
    await queueRecalls(db, [id], { actor: 'test' });
    const batch = await runRecallBatch(ctx);
    clearFaults(vtl);
    expect(batch).toMatchObject({ done: 1, failed: 0 });
    expect(sha256(fs.readFileSync(path.join(dir, 'large.bin')))).toBe(sha256(files.get('large.bin')!));
  });

  it('fails the recall and its download when both copies are unreadable, and the file stays offline', async () => {
    const db = database.db;
    const rel = 'frames/1/frame_00005.raw';
    const id = await fileId(rel);
    const [c1, c2] = [await copyOf(id, 1), await copyOf(id, 2)];
    injectFaults(vtl, {
      badBlocks: [
        { barcode: c1.cartridge, tapeFile: c1.tape_file },
        { barcode: c2.cartridge, tapeFile: c2.tape_file },
      ],
    });
    const d = await createDownload(db, admin, 'file', [id], [id]);
    const batch = await runRecallBatch(ctx);
    clearFaults(vtl);
    expect(batch).toMatchObject({ total: 1, done: 0, failed: 1 });
    const recall = await db
      .selectFrom('recall')
      .select(['state', 'error'])
      .where('download_id', '=', d.id)
      .executeTakeFirstOrThrow();
    expect(recall.state).toBe('failed');
    expect(recall.error).toMatch(/no readable copy/);
    expect((await getDownload(db, admin, d.id)).status).toBe('failed');
    const f = await db.selectFrom('datafile').select('state').where('id', '=', id).executeTakeFirstOrThrow();
    expect(f.state).toBe('offline');
    expect(fs.existsSync(path.join(dir, rel))).toBe(false);
  });
});
