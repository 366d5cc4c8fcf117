import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prewarmWorkers, scanInWorker } from './pool.ts';
import { ScanRootError, nodeScanFs, scanTree, scanTreeShared } from './scan.ts';
import { useTempDirs, writeTree } from './testing/trees.ts';

const tempDir = useTempDirs();

describe('scanTree', () => {
  it('records files, directories and symlinks without following links', () => {
    const root = writeTree(tempDir(), {
      'a.txt': 'hello',
      'empty/': { dir: true },
      'sub/b.bin': Buffer.alloc(10),
      loop: { symlink: '.' },
      dangling: { symlink: '/nowhere/at/all' },
    });
    const { entries, problems } = scanTree(root);
    const byPath = Object.fromEntries(entries.map((e) => [e.path, e]));
    expect(Object.keys(byPath).sort()).toEqual(['a.txt', 'dangling', 'empty', 'loop', 'sub', 'sub/b.bin']);
    expect(byPath['a.txt']).toMatchObject({ type: 'file', size: 5, mode: 0o644, target: '' });
    expect(byPath['loop']).toMatchObject({ type: 'symlink', target: '.' });
    expect(byPath['dangling']).toMatchObject({ type: 'symlink', target: '/nowhere/at/all' });
    expect(byPath['empty']).toMatchObject({ type: 'dir', size: 0 });
    expect(problems).toEqual([]);
  });

  it('reports special files by path instead of packing them', () => {
    const root = writeTree(tempDir(), { 'ok.txt': 'x' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const { entries, problems } = scanTree(root);
    expect(entries.map((e) => e.path)).toEqual(['ok.txt']);
    expect(problems).toEqual([{ path: 'pipe', reason: 'not a regular file, directory or symlink (fifo)' }]);
  });

  it('reports a directory it may not read and scans the rest', () => {
    const root = writeTree(tempDir(), { 'secret/x': 'x', 'public/y': 'y' });
    // Tests run as root, where chmod 000 does not stop reads: inject the EACCES instead.
    const deny = {
      ...nodeScanFs,
      readdir: (dir: string) => {
        if (dir.endsWith('/secret'))
          throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return nodeScanFs.readdir(dir);
      },
    };
    const { entries, problems } = scanTree(root, deny);
    expect(entries.map((e) => e.path).sort()).toEqual(['public', 'public/y', 'secret']);
    expect(problems).toEqual([{ path: 'secret', reason: 'permission denied (EACCES)' }]);
  });

  it('refuses a root that is missing or not a directory', () => {
    const dir = tempDir();
    expect(() => scanTree(path.join(dir, 'nope'))).toThrow(ScanRootError);
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(() => scanTree(path.join(dir, 'file'))).toThrow(/not a directory/);
  });
});

describe('scanTreeShared', () => {
  it('finds what scanTree finds, with half of the subdirectories scanned by a loaded worker', async () => {
    const spec: Parameters<typeof writeTree>[1] = { 'top.txt': 'x', link: { symlink: 'top.txt' } };
    for (let d = 0; d < 5; d++) for (let f = 0; f < 3; f++) spec[`d${d}/sub/f${f}`] = `${d}-${f}`;
    spec['d3/sub/empty/'] = { dir: true };
    // A symlink in each half: link targets cross from the worker too.
    spec['d1/sub/ln'] = { symlink: 'f0' };
    spec['d2/sub/ln'] = { symlink: '../sub/f1' };
    const root = writeTree(tempDir(), spec);
    prewarmWorkers(1);
    let used = 0;
    const shared = await scanTreeShared(root, async (directories) => {
      // Waits for a worker to have loaded (scanInWorker answers null until one has).
      for (let tries = 0; tries < 300; tries++) {
        const elsewhere = scanInWorker(root, directories);
        if (elsewhere) {
          used = directories.length;
          return elsewhere;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('no packing worker loaded within 30 s');
    });
    const alone = scanTree(root);
    const byPath = (r: typeof alone) => [...r.entries].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(used).toBe(2);
    expect(byPath(shared)).toEqual(byPath(alone));
    expect(shared.problems).toEqual(alone.problems);
  }, 60_000);
});
