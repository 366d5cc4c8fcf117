import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, untilWaitingOnLock } from '../helpers/db.ts';
import type { Database } from '../../src/db/connect.ts';
import { addCartridges, saveLibrary, savePool } from '../../src/archive/workflow/libraries.ts';
import { AppError } from '../../src/errors.ts';
import { tempDir } from './setup.ts';

describe.each(dialects)('registering cartridges in two libraries (%s)', (dialect) => {
  let database: Database;
  let root: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-carts-');
    database = await freshDatabase(dialect);
    const db = database.db;
    for (const [lib, pool, copy] of [
      ['one', 'P1', 1],
      ['two', 'P2', 2],
    ] as const) {
      await saveLibrary(db, { name: lib, kind: 'virtual', root: path.join(root, lib) });
      await savePool(db, pool, lib, copy);
    }
  });
  afterAll(async () => {
    await database?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const cartridge = (barcode: string) =>
    database.db
      .selectFrom('tape_cartridge')
      .select(['library', 'pool'])
      .where('barcode', '=', barcode)
      .executeTakeFirstOrThrow();

  it('refuses a barcode that another library already has (409 cartridge_exists)', async () => {
    await addCartridges(database.db, 'P2', ['X00001']);
    await expect(addCartridges(database.db, 'P1', ['X00001'])).rejects.toMatchObject({
      code: 'cartridge_exists',
      status: 409,
    });
    expect(await cartridge('X00001')).toEqual({ library: 'two', pool: 'P2' });
  });

  // Needs a second connection to hold the other registration open; PGlite has one.
  if (dialect === 'postgres')
    it('refuses it too when the other library registers it between the check and the insert', async () => {
      const db = database.db;
      let commit!: () => void;
      const held = new Promise<void>((r) => (commit = r));
      let inserted!: () => void;
      const isIn = new Promise<void>((r) => (inserted = r));
      const other = db.transaction().execute(async (tx) => {
        await addCartridges(tx, 'P2', ['X00002', 'X00003']);
        inserted();
        await held;
      });
      await isIn;
      // Sees no X00002 yet, then waits on the barcode's unique index until the other commits.
      const mine = addCartridges(db, 'P1', ['X00004', 'X00002']).then(
        () => null,
        (err: unknown) => err,
      );
      await untilWaitingOnLock(db);
      commit();
      await other;
      const err = await mine;
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'cartridge_exists', status: 409 });
      expect(await cartridge('X00002')).toEqual({ library: 'two', pool: 'P2' });
      // Nothing of the refused registration was kept.
      const x4 = await db
        .selectFrom('tape_cartridge')
        .select('barcode')
        .where('barcode', '=', 'X00004')
        .execute();
      expect(x4).toEqual([]);
    });
});
