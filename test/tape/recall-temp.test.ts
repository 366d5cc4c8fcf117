import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { queueRecalls } from '../../src/archive/workflow/recalls.ts';
import { runRecallBatch } from '../../src/archive/workflow/scheduler.ts';
import { datafileAt, sha256 } from './setup.ts';
import { archivedWorld } from './archived-world.ts';

describe.each(dialects)('recalls read through a whole container (%s)', (dialect) => {
  const w = archivedWorld(dialect, { prefix: 'fb-tape-recall-tmp-', small: 6, largeBytes: 1000 });

  it('removes the container copy a killed recall left in the temp directory', async () => {
    const { database, ctx, dir, files, pid } = w;
    const db = database.db;
    // What a recall killed while reading a container whole leaves behind: its temp directory.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    const left = fs.mkdtempSync(path.join(os.tmpdir(), `fairbeam-recall-${dead}-`));
    fs.writeFileSync(path.join(left, 'container.h5'), Buffer.alloc(64 * 1024));
    // A member without recorded extents is read by copying its whole container off tape.
    const rel = 'frames/1/frame_00001.raw';
    const f = await datafileAt(db, pid, rel);
    await db.updateTable('tape_copy').set({ extents: null }).where('datafile_id', '=', f.id).execute();
    await queueRecalls(db, [f.id], { actor: 'test' });
    expect(await runRecallBatch(ctx)).toMatchObject({ done: 1, failed: 0 });
    expect(sha256(fs.readFileSync(path.join(dir, rel)))).toBe(sha256(files.get(rel)!));
    expect(fs.existsSync(left)).toBe(false);
  });
});
