import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/connect.ts';
import { dialects, freshDatabase } from '../../../test/helpers/db.ts';
import { seedWorld } from '../../../test/helpers/world.ts';
import { ingest, sha256, tempDir, writeDataset } from '../../../test/tape/setup.ts';
import { packTree } from '../packing/pack.ts';
import { sessionContainers } from './list.ts';
import { SessionNotFoundError, recordPack } from './record.ts';

// Small files are 0.5-12.5 KiB (writeDataset): about three containers, and large.bin goes whole.
const SETTINGS = { targetSize: 30_000, largeFileThreshold: 20_000 };

describe.each(dialects)('recording `archive pack --session` in the catalogue (%s)', (dialect) => {
  let database: Database;
  let root: string;
  let dir: string;
  let files: Map<string, Buffer>;
  const db = () => database.db;
  const pack = (from: string, outDir: string, settings = SETTINGS) =>
    packTree({ root: from, outDir, session: 'EMB', workers: 1, ...settings });
  const counts = async (packId: number) => ({
    containers: await countOf('session_container', packId),
    ownTape: await countOf('session_own_tape_file', packId),
    members: Number(
      (
        await sql<{ n: string }>`SELECT count(*) AS n FROM session_container_member m
          JOIN session_container c ON c.id = m.container_id WHERE c.pack_id = ${packId}`.execute(db())
      ).rows[0]!.n,
    ),
  });
  const countOf = async (table: 'session_container' | 'session_own_tape_file', packId: number) =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('pack_id', '=', packId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    await seedWorld(db());
    root = tempDir('fb-packs-');
    ({ dir, files } = writeDataset(path.join(root, 'data'), 12, 30_000));
    await ingest(db(), dir);
    // On disk but not registered: packed, recorded in the container counts, linked to nothing.
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a datafile');
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('records containers, own tape files and where each registered datafile lies; a re-run adds nothing', async () => {
    const out = path.join(root, 'out-a');
    const result = await pack(dir, out);
    expect(result.containers.length).toBeGreaterThan(1);
    const recorded = await recordPack(db(), result, SETTINGS);
    expect(recorded).toMatchObject({
      session: 'EMB',
      outDir: out,
      containers: result.containers.length,
      ownTapeFiles: 1,
      datafiles: files.size,
      checksummed: result.containers.length,
      changed: [],
    });

    const listed = await sessionContainers(db(), 'EMB');
    expect(listed.packs).toHaveLength(1);
    const [p] = listed.packs;
    expect(p).toMatchObject({ outDir: out, source: dir, files: 13, targetSize: 30_000, problems: [] });
    expect(p!.ownTapeFiles).toEqual([
      { path: 'large.bin', size: 30_000, reason: 'large', datafileId: expect.any(Number) },
    ]);
    for (const c of p!.containers) {
      const bytes = fs.readFileSync(c.file);
      expect(c.sha256).toBe(sha256(bytes));
      expect(c.fileSize).toBe(bytes.length);
    }
    expect(p!.containers.reduce((n, c) => n + c.datafiles, 0)).toBe(files.size - 1);

    // Every registered small file: its recorded byte ranges of the container file hold its bytes.
    const members = await db()
      .selectFrom('session_container_member as m')
      .innerJoin('session_container as c', 'c.id', 'm.container_id')
      .innerJoin('datafile as f', 'f.id', 'm.datafile_id')
      .select(['f.path', 'c.file', 'm.member_path', 'm.blob_offset', 'm.length', 'm.extents'])
      .execute();
    expect(members.map((m) => m.path).sort()).toEqual(
      [...files.keys()].filter((k) => k !== 'large.bin').sort(),
    );
    for (const m of members) {
      const want = files.get(m.path)!;
      expect(m.member_path).toBe(m.path);
      expect(Number(m.length)).toBe(want.length);
      expect(m.extents).not.toBeNull();
      const fd = fs.openSync(m.file, 'r');
      const got = Buffer.concat(
        m.extents!.map(([offset, length]) => {
          const b = Buffer.alloc(length);
          fs.readSync(fd, b, 0, length, offset);
          return b;
        }),
      );
      fs.closeSync(fd);
      expect(got.equals(want)).toBe(true);
    }

    const before = await counts(recorded.packId);
    const again = await recordPack(db(), await pack(dir, out), SETTINGS);
    expect(again).toMatchObject({ packId: recorded.packId, checksummed: 0, datafiles: files.size });
    expect(await counts(recorded.packId)).toEqual(before);
  });

  it('drops what a new pack into the same directory no longer has', async () => {
    const out = path.join(root, 'out-b');
    const first = await recordPack(db(), await pack(dir, out), SETTINGS);
    expect(first.containers).toBeGreaterThan(1);
    const oneContainer = { targetSize: 1e9, largeFileThreshold: 1e9 };
    const second = await recordPack(db(), await pack(dir, out, oneContainer), oneContainer);
    expect(second).toMatchObject({
      packId: first.packId,
      containers: 1,
      ownTapeFiles: 0,
      datafiles: files.size,
    });
    expect(await counts(first.packId)).toEqual({ containers: 1, ownTape: 0, members: files.size });
    const p = (await sessionContainers(db(), 'EMB')).packs.find((x) => x.outDir === out)!;
    expect(p.containers.map((c) => c.name)).toEqual(['EMB-00001.h5']);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.h5'))).toEqual(['EMB-00001.h5']);
  });

  it('does not link a file whose bytes changed since it was registered, and says which', async () => {
    const other = writeDataset(path.join(root, 'data'), 3, 10, 'scan2');
    await ingest(db(), other.dir);
    const changedPath = 'frames/1/frame_00001.raw';
    const bytes = fs.readFileSync(path.join(other.dir, changedPath));
    bytes[0] = bytes[0]! ^ 0xff;
    fs.writeFileSync(path.join(other.dir, changedPath), bytes);
    const recorded = await recordPack(db(), await pack(other.dir, path.join(root, 'out-c')), SETTINGS);
    expect(recorded.changed).toEqual([
      { path: changedPath, reason: 'sha256 differs from the registered datafile' },
    ]);
    expect(recorded.datafiles).toBe(other.files.size - 1);
  });

  it('records nothing of a recording that fails half-way, and keeps the previous record', async () => {
    const out = path.join(root, 'out-d');
    const first = await recordPack(db(), await pack(dir, out), SETTINGS);
    const before = await counts(first.packId);
    // A fault after the pack and its containers were written in the transaction: own tape files refused.
    await sql`CREATE FUNCTION fb_test_refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'disk full (test)'; END $$`.execute(db());
    await sql`CREATE TRIGGER fb_test_refuse BEFORE INSERT ON session_own_tape_file
      FOR EACH ROW EXECUTE FUNCTION fb_test_refuse()`.execute(db());
    try {
      await expect(recordPack(db(), await pack(dir, path.join(root, 'out-e')), SETTINGS)).rejects.toThrow(
        /disk full/,
      );
      await expect(recordPack(db(), await pack(dir, out), SETTINGS)).rejects.toThrow(/disk full/);
    } finally {
      await sql`DROP TRIGGER fb_test_refuse ON session_own_tape_file`.execute(db());
      await sql`DROP FUNCTION fb_test_refuse()`.execute(db());
    }
    const packs = await db().selectFrom('session_pack').select(['out_dir', 'generation']).execute();
    expect(packs.map((p) => p.out_dir)).not.toContain(path.join(root, 'out-e'));
    expect(packs.find((p) => p.out_dir === out)?.generation).toBe(1);
    expect(await counts(first.packId)).toEqual(before);
  });

  it('refuses a session the catalogue does not have', async () => {
    const result = await pack(dir, path.join(root, 'out-f'));
    await expect(recordPack(db(), { ...result, session: 'NOPE' }, SETTINGS)).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    expect(
      await db()
        .selectFrom('session_pack')
        .select('id')
        .where('out_dir', '=', path.join(root, 'out-f'))
        .execute(),
    ).toEqual([]);
  });
});
