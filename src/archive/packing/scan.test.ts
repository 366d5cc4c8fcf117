import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScanRootError, nodeScanFs, scanTree } from './scan.ts';
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
