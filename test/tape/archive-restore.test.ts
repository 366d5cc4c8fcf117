import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { createTapeContext, type TapeContext } from '../../src/archive/workflow/context.ts';
import { advanceRun, requestArchive } from '../../src/archive/workflow/runs.ts';
import { drainRecalls } from '../../src/archive/workflow/scheduler.ts';
import { queueRecalls } from '../../src/archive/workflow/recalls.ts';
import { releaseDisk } from '../../src/archive/workflow/release.ts';
import { configureTape, datafileAt, ingest, sha256, tempDir, writeDataset } from './setup.ts';

describe.each(dialects)('archive to tape and restore through a download (%s)', (dialect) => {
  let t: TestApp;
  let ctx: TapeContext;
  let root: string;
  let files: Map<string, Buffer>;
  let dir: string;
  let pid: string;

  beforeAll(async () => {
    root = tempDir('fb-tape-e2e-');
    const data = path.join(root, 'data');
    t = await startTestApp(dialect, {
      env: { FAIRBEAM_DATA_ROOTS: data, FAIRBEAM_HOME: path.join(root, 'home') },
    });
    const db = t.services.database.db;
    await seedWorld(db);
    ({ dir, files } = writeDataset(data, 150, 700 * 1024));
    pid = await ingest(db, dir);
    await configureTape(db, path.join(root, 'vtl'));
    ctx = createTapeContext(db, { home: path.join(root, 'home'), dataRoots: [data] });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('archives every file twice on cartridges of two pools, verified, then releases the disk', async () => {
    const db = t.services.database.db;
    const run = await requestArchive(db, pid, { actor: 'test', release: true });
    expect(await advanceRun(ctx, run.id)).toBe(true);
    const after = await db
      .selectFrom('archive_run')
      .selectAll()
      .where('id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect([after.step, after.error]).toEqual(['done', null]);
    const states = await db
      .selectFrom('datafile')
      .select(['path', 'state'])
      .where('dataset_pid', '=', pid)
      .execute();
    expect(states).toHaveLength(files.size);
    expect(new Set(states.map((s) => s.state))).toEqual(new Set(['offline']));
    const copies = await db
      .selectFrom('tape_copy')
      .innerJoin('tape_file', 'tape_file.id', 'tape_copy.tape_file_id')
      .innerJoin('tape_cartridge', 'tape_cartridge.barcode', 'tape_file.cartridge')
      .select([
        'tape_copy.datafile_id',
        'tape_copy.copy',
        'tape_cartridge.pool',
        'tape_file.verified_at',
        'tape_file.kind',
      ])
      .execute();
    expect(copies).toHaveLength(2 * files.size);
    for (const c of copies)
      expect([c.copy, c.pool, c.verified_at !== null]).toEqual([c.copy, c.copy === 1 ? 'A' : 'B', true]);
    // Small files went into containers, the large one as its own tape file.
    const kinds = await db.selectFrom('tape_file').select(['kind', 'copy']).execute();
    expect(kinds.filter((k) => k.kind === 'file' && k.copy === 1)).toHaveLength(1);
    expect(kinds.filter((k) => k.kind === 'container' && k.copy === 1).length).toBeGreaterThan(1);
    for (const rel of files.keys()) expect(fs.existsSync(path.join(dir, rel))).toBe(false);
  });

  it('refuses to restore two files of the same path into one directory (they would overwrite each other)', async () => {
    const db = t.services.database.db;
    const other = await ingest(db, writeDataset(path.join(root, 'data'), 2, 1024, 'scan-again').dir);
    const [a, b] = await Promise.all(
      [pid, other].map((p) =>
        db
          .selectFrom('datafile')
          .select('id')
          .where('dataset_pid', '=', p)
          .where('path', '=', 'frames/0/frame_00000.raw')
          .executeTakeFirstOrThrow(),
      ),
    );
    const target = path.join(root, 'restored-clash');
    await expect(queueRecalls(db, [a!.id, b!.id], { actor: 'test', target })).rejects.toMatchObject({
      code: 'restore_path_clash',
      status: 409,
      message: expect.stringContaining('frames/0/frame_00000.raw'),
    });
    expect(await db.selectFrom('recall').select('id').where('target', '=', target).execute()).toEqual([]);
  });

  it('a re-run of an interrupted release deletes a leftover disk copy, never a file changed since', async () => {
    const db = t.services.database.db;
    const [same, other] = [...files.keys()].slice(0, 2) as [string, string];
    // As if a release had been killed between marking these offline and deleting them.
    fs.writeFileSync(path.join(dir, same), files.get(same)!);
    fs.writeFileSync(path.join(dir, other), Buffer.from('written here after the release'));
    await releaseDisk(db, pid, [path.dirname(dir)]);
    expect(fs.existsSync(path.join(dir, same))).toBe(false);
    expect(fs.readFileSync(path.join(dir, other), 'utf8')).toBe('written here after the release');
    fs.rmSync(path.join(dir, other));
  });

  it('a download of an offline file answers 202, becomes ready after the recall, and sends identical bytes', async () => {
    const db = t.services.database.db;
    const cookie = await t.login('ada');
    const onTape = async () =>
      (await t.app.inject({ url: `/api/datasets/${encodeURIComponent(pid)}`, headers: { cookie } })).json()
        .filesOnTape;
    expect(await onTape()).toBe(files.size);
    const wanted = ['frames/1/frame_00101.raw', 'large.bin', 'frames/3/frame_00003.raw'];
    for (const rel of wanted) {
      const f = await datafileAt(db, pid, rel);
      const meta = (await t.app.inject({ url: `/api/datafiles/${f.id}`, headers: { cookie } })).json();
      expect(meta.state).toBe('offline');
      expect(meta.copies.map((c: { copy: number; pool: string }) => [c.copy, c.pool])).toEqual([
        [1, 'A'],
        [2, 'B'],
      ]);
      expect(meta.copies[0]).toMatchObject({ library: 'vtl', length: files.get(rel)!.length });
      const first = await t.app.inject({ url: `/api/datafiles/${f.id}/content`, headers: { cookie } });
      expect(first.statusCode).toBe(202);
      const d = first.json();
      expect(d).toMatchObject({ status: 'restoring', pending: [f.id] });
      expect(
        (await db.selectFrom('datafile').select('state').where('id', '=', f.id).executeTakeFirstOrThrow())
          .state,
      ).toBe('restoring');
      const [batch] = await drainRecalls(ctx);
      expect(batch).toMatchObject({ total: 1, done: 1, failed: 0 });
      // Only the member's bytes were read from tape, not its container.
      expect(batch!.bytesRead).toBe(files.get(rel)!.length);
      const status = await t.app.inject({ url: `/api/downloads/${d.id}`, headers: { cookie } });
      expect(status.json()).toMatchObject({ status: 'ready', pending: [] });
      const body = await t.app.inject({ url: `/api/datafiles/${f.id}/content`, headers: { cookie } });
      expect(body.statusCode).toBe(200);
      expect(sha256(body.rawPayload)).toBe(sha256(files.get(rel)!));
    }
    expect(await onTape()).toBe(files.size - wanted.length);
  });

  it('a whole-dataset download recalls every offline file, grouped by cartridge, and the tar holds them all', async () => {
    const cookie = await t.login('ada');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/downloads',
      headers: { cookie },
      payload: { datasets: [pid], format: 'tar' },
    });
    expect(res.statusCode).toBe(202);
    const d = res.json();
    expect(d.pending.length).toBe(files.size - 3);
    const [batch] = await drainRecalls(ctx);
    expect(batch).toMatchObject({ done: files.size - 3, failed: 0 });
    // Copy 1 of everything is on pool A: one mount per cartridge used.
    expect(new Set(batch!.mounted).size).toBe(batch!.mounted.length);
    expect((await t.app.inject({ url: `/api/downloads/${d.id}`, headers: { cookie } })).json().status).toBe(
      'ready',
    );
    for (const [rel, bytes] of files)
      expect(sha256(fs.readFileSync(path.join(dir, rel)))).toBe(sha256(bytes));
    const tar = await t.app.inject({ url: `/api/downloads/${d.id}/content`, headers: { cookie } });
    expect(tar.statusCode).toBe(200);
    const total = [...files.values()].reduce((sum, b) => sum + b.length, 0);
    expect(tar.rawPayload.length).toBeGreaterThan(total);
    // The large file's bytes appear whole in the tar stream.
    expect(tar.rawPayload.indexOf(files.get('large.bin')!)).toBeGreaterThan(0);
  });
});
