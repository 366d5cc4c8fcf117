import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { queueRecalls } from '../../src/archive/workflow/recalls.ts';
import { runRecallBatch } from '../../src/archive/workflow/scheduler.ts';
import { sha256 } from './setup.ts';
import { archivedWorld, datafilesOf } from './archived-world.ts';

describe.each(dialects)('recalls that cannot be written (%s)', (dialect) => {
  const w = archivedWorld(dialect, { prefix: 'fb-tape-recall-err-', small: 12, largeBytes: 300 * 1024 });

  it('fails only the recall whose destination cannot be written; the rest of the batch comes back', async () => {
    const { database, ctx, dir, files, pid } = w;
    const db = database.db;
    const all = await datafilesOf(db, pid);
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
