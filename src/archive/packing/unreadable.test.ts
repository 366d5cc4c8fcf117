import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openContainer } from './container-reader.ts';
import { packContainer } from './pack-container.ts';
import { packTree } from './pack.ts';
import { scanTree } from './scan.ts';
import { useTempDirs, writeTree } from './testing/trees.ts';
import { verifyContainer } from './verify.ts';

const tempDir = useTempDirs();

describe('files that cannot be packed', () => {
  it('reports a file that vanished between scan and read, and packs the rest', async () => {
    const root = writeTree(tempDir('src'), { 'a.txt': 'a', 'gone.txt': 'soon gone', 'z.txt': 'z' });
    const { entries } = scanTree(root);
    fs.rmSync(path.join(root, 'gone.txt'));
    const outDir = tempDir('out');
    const outcome = await packContainer({
      root,
      outDir,
      name: 'c.h5',
      members: entries,
      session: '',
      created: new Date().toISOString(),
      planDigest: 'test',
    });
    expect(outcome.problems).toEqual([{ path: 'gone.txt', reason: 'vanished while packing (ENOENT)' }]);
    expect((await verifyContainer(outcome.file)).ok).toBe(true);
    const opened = await openContainer(outcome.file);
    expect(opened.rows.map((r) => r.path)).toEqual(['a.txt', 'z.txt']);
    opened.close();
  });

  it('reports special files and unreadable directories by path in the pack result', async () => {
    const root = writeTree(tempDir('src'), { 'ok.txt': 'fine', 'locked/inside.txt': 'x' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const result = await packTree({
      root,
      outDir: tempDir('out'),
      scanFs: {
        readdir: (dir) => {
          if (dir.endsWith('locked')) throw Object.assign(new Error('denied'), { code: 'EACCES' });
          return fs.readdirSync(dir, { withFileTypes: true });
        },
        lstat: (file) => fs.lstatSync(file),
        readlink: (file) => fs.readlinkSync(file),
      },
    });
    expect(result.problems).toEqual([
      { path: 'locked', reason: 'permission denied (EACCES)' },
      { path: 'pipe', reason: 'not a regular file, directory or symlink (fifo)' },
    ]);
    expect(result.totals.files).toBe(1);
  });
});
