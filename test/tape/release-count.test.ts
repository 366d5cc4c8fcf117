import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { queueRecalls } from '../../src/archive/workflow/recalls.ts';
import { runRecallBatch } from '../../src/archive/workflow/scheduler.ts';
import { releaseDisk } from '../../src/archive/workflow/release.ts';
import { archivedWorld, datafilesOf } from './archived-world.ts';

describe.each(dialects)('releasing restored files (%s)', (dialect) => {
  const w = archivedWorld(dialect, { prefix: 'fb-tape-release-', small: 6, largeBytes: 1000 });

  it('counts as released only the files it deleted, not those refused as changed since', async () => {
    const { database, ctx, dir, pid } = w;
    const db = database.db;
    const all = await datafilesOf(db, pid);
    await queueRecalls(
      db,
      all.map((f) => f.id),
      { actor: 'test' },
    );
    expect(await runRecallBatch(ctx)).toMatchObject({ done: all.length, failed: 0 });
    const changed = all.find((f) => f.path === 'large.bin')!;
    fs.appendFileSync(path.join(dir, changed.path), 'edited after the restore');

    const r = await releaseDisk(db, pid, ctx.dataRoots);
    expect(r.refused).toEqual([{ path: changed.path, reason: 'changed on disk since it was archived' }]);
    const gone = all.filter((f) => f.id !== changed.id);
    expect(r.released).toBe(gone.length);
    expect(r.bytes).toBe(gone.reduce((s, f) => s + Number(f.size), 0));
    for (const f of gone) expect(fs.existsSync(path.join(dir, f.path))).toBe(false);
    expect(fs.existsSync(path.join(dir, changed.path))).toBe(true);
  });
});
