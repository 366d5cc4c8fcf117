import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../helpers/db.ts';
import { seedWorld } from '../helpers/world.ts';
import type { Database } from '../../src/db/connect.ts';
import { createTapeContext, type TapeContext } from '../../src/archive/workflow/context.ts';
import { advanceRun, requestArchive } from '../../src/archive/workflow/runs.ts';
import { packStep } from '../../src/archive/workflow/pack-step.ts';
import { writeStep } from '../../src/archive/workflow/write-step.ts';
import { verifyStep } from '../../src/archive/workflow/verify-step.ts';
import { TapeError } from '../../src/archive/tape/library.ts';
import { configureTape, ingest, tempDir, writeDataset } from './setup.ts';

describe.each(dialects)('archive runs while the drives are busy (%s)', (dialect) => {
  let database: Database;
  let ctx: TapeContext;
  let root: string;
  let pid: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-busy-');
    database = await freshDatabase(dialect);
    const db = database.db;
    await seedWorld(db);
    const { dir } = writeDataset(path.join(root, 'data'), 12, 300 * 1024);
    pid = await ingest(db, dir);
    await configureTape(db, path.join(root, 'vtl'), { containerBytes: 64 * 1024 });
    ctx = createTapeContext(db, { home: path.join(root, 'home'), dataRoots: [path.join(root, 'data')] });
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('verify waits for a free drive instead of declaring the cartridges it could not mount failed', async () => {
    const db = database.db;
    const run = await requestArchive(db, pid, { actor: 'test' });
    await packStep(ctx, run.id);
    await writeStep(ctx, run.id);
    const written = await db.selectFrom('tape_file').select(['id', 'cartridge']).orderBy('id').execute();
    const used = new Set(written.map((f) => f.cartridge));
    expect(used).toEqual(new Set(['A00001', 'B00001']));

    // Both drives of the library hold other cartridges (say, two restores of other datasets).
    const library = await ctx.libraries.get(db, 'vtl');
    const others = [await library.mount('A00002'), await library.mount('B00002')];
    try {
      await expect(verifyStep(ctx, run.id)).rejects.toSatisfy(
        (err) => err instanceof TapeError && err.kind === 'busy',
      );
    } finally {
      for (const d of others) await library.unmount(d);
    }
    const carts = await db
      .selectFrom('tape_cartridge')
      .select(['barcode', 'state'])
      .where('barcode', 'in', [...used])
      .orderBy('barcode')
      .execute();
    expect(carts).toEqual([
      { barcode: 'A00001', state: 'available' },
      { barcode: 'B00001', state: 'available' },
    ]);
    expect(await db.selectFrom('tape_file').select(['id', 'cartridge']).orderBy('id').execute()).toEqual(
      written,
    );

    // With the drives free again the run finishes on the copies it already wrote.
    expect(await advanceRun(ctx, run.id)).toBe(true);
    const after = await db
      .selectFrom('archive_run')
      .select(['step', 'error'])
      .where('id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ step: 'done', error: null });
    const copies = await db.selectFrom('tape_file').select(['id', 'cartridge']).orderBy('id').execute();
    expect(copies).toEqual(written);
  });
});
