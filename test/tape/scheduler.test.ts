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

describe.each(dialects)('recall scheduler (%s)', (dialect) => {
  let database: Database;
  let ctx: TapeContext;
  let root: string;
  let dir: string;
  let files: Map<string, Buffer>;
  let pid: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-sched-');
    database = await freshDatabase(dialect);
    const db = database.db;
    await seedWorld(db);
    ({ dir, files } = writeDataset(path.join(root, 'data'), 999, 200 * 1024));
    pid = await ingest(db, dir);
    // Small cartridges: the ~8 MiB of containers spread over several cartridges per pool.
    await configureTape(db, path.join(root, 'vtl'), {
      perPool: 6,
      capacity: 3 * 1024 * 1024,
      containerBytes: 1024 * 1024,
    });
    ctx = createTapeContext(db, { home: path.join(root, 'home'), dataRoots: [path.join(root, 'data')] });
    const run = await requestArchive(db, pid, { actor: 'test', release: true });
    await advanceRun(ctx, run.id);
    const after = await db.selectFrom('archive_run').select(['step', 'error']).executeTakeFirstOrThrow();
    expect(after).toEqual({ step: 'done', error: null });
  }, 180_000);
  afterAll(async () => {
    await database?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('serves 1,000 recalls spread over cartridges with at most one mount per cartridge, in tape order', async () => {
    const db = database.db;
    const ids = (await db.selectFrom('datafile').select('id').where('dataset_pid', '=', pid).execute()).map(
      (r) => r.id,
    );
    expect(ids).toHaveLength(1000);
    const used = await db
      .selectFrom('tape_copy as c')
      .innerJoin('tape_file as t', 't.id', 'c.tape_file_id')
      .select('t.cartridge')
      .distinct()
      .where('c.copy', '=', 1)
      .execute();
    expect(used.length).toBeGreaterThanOrEqual(4);
    // Queued in an order unrelated to the tape: reversed.
    await queueRecalls(db, [...ids].reverse(), { actor: 'test' });
    const library = await ctx.libraries.get(db, 'vtl');
    const mountsBefore = library.mounts();
    const order: string[] = [];
    const batch = await runRecallBatch(ctx, { onProgress: (p) => p.cartridge && order.push(p.cartridge) });
    expect(batch).toMatchObject({ total: 1000, done: 1000, failed: 0, requeued: 0 });
    expect(library.mounts() - mountsBefore).toBe(used.length);
    expect([...batch.mounted].sort()).toEqual(used.map((u) => u.cartridge).sort());
    // Each cartridge's recalls were served in one stretch.
    const stretches = order.filter((c, i) => i === 0 || order[i - 1] !== c);
    expect(stretches).toEqual(batch.mounted);
    // In tape order within a cartridge: the recalls finished in (tape file, offset) order.
    const finished = await db
      .selectFrom('recall as r')
      .innerJoin('tape_copy as c', (j) => j.onRef('c.datafile_id', '=', 'r.datafile_id').on('c.copy', '=', 1))
      .innerJoin('tape_file as t', 't.id', 'c.tape_file_id')
      .select(['t.cartridge', 't.tape_file', 'c.offset', 'r.finished_at', 'r.id'])
      .orderBy('r.finished_at')
      .orderBy('r.updated_at')
      .execute();
    for (const cart of batch.mounted) {
      const seq = finished
        .filter((f) => f.cartridge === cart)
        .map((f) => [f.tape_file, Number(f.offset)] as const);
      const sorted = [...seq].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(seq.map((s) => s[0])).toEqual(sorted.map((s) => s[0]));
    }
    for (const [rel, bytes] of files)
      expect(sha256(fs.readFileSync(path.join(dir, rel))), rel).toBe(sha256(bytes));
  });
});
