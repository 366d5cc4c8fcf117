import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { queueRecalls } from '../../src/archive/workflow/recalls.ts';
import { runRecallBatch } from '../../src/archive/workflow/scheduler.ts';
import { sha256 } from './setup.ts';
import { archivedWorld } from './archived-world.ts';

describe.each(dialects)('recall scheduler (%s)', (dialect) => {
  const w = archivedWorld(dialect, {
    prefix: 'fb-tape-sched-',
    small: 999,
    largeBytes: 200 * 1024,
    // Small cartridges: the ~8 MiB of containers spread over several cartridges per pool.
    tape: { perPool: 6, capacity: 3 * 1024 * 1024, containerBytes: 1024 * 1024 },
    timeout: 180_000,
  });
  beforeAll(async () => {
    const after = await w.database.db
      .selectFrom('archive_run')
      .select(['step', 'error'])
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ step: 'done', error: null });
  });

  it('serves 1,000 recalls spread over cartridges with at most one mount per cartridge, in tape order', async () => {
    const { database, ctx, dir, files, pid } = w;
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
