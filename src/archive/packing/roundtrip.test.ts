import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractContainer } from './extract.ts';
import { packTree } from './pack.ts';
import { bytes, expectSameTree, snapshotTree, useTempDirs, writeTree } from './testing/trees.ts';

const tempDir = useTempDirs();

describe('pack then extract', () => {
  it('restores bytes, modes, mtimes, empty files and directories, unicode and long paths, symlinks', async () => {
    const longName = 'n'.repeat(200);
    const deep = Array.from({ length: 12 }, (_, i) => `${longName.slice(0, 150)}${i}`).join('/');
    const root = writeTree(tempDir('src'), {
      'plain.txt': 'hello\n',
      'empty.bin': '',
      'random.dat': bytes(300_000),
      'empty-dir/': { dir: true },
      'nested/empty/': { dir: true },
      'Ünïcødé ✓/日本語 データ.txt': 'unicode',
      [`${deep}/deep.txt`]: 'very long path',
      'link-rel': { symlink: 'plain.txt' },
      'link-abs': { symlink: '/etc/hostname' },
      'link-dangling': { symlink: 'does/not/exist' },
      'bin/run.sh': '#!/bin/sh\n',
      'readonly-dir/file': 'x',
    });
    fs.chmodSync(path.join(root, 'bin/run.sh'), 0o755);
    fs.chmodSync(path.join(root, 'plain.txt'), 0o600);
    fs.chmodSync(path.join(root, 'readonly-dir'), 0o555);
    fs.utimesSync(path.join(root, 'random.dat'), 1_600_000_000, 1_600_000_000.123);
    fs.lutimesSync(path.join(root, 'link-rel'), 1_500_000_000, 1_500_000_000);
    fs.utimesSync(path.join(root, 'nested/empty'), 1_400_000_000, 1_400_000_000);
    expect(Buffer.byteLength(`${deep}/deep.txt`)).toBeGreaterThan(1800);
    const before = snapshotTree(root);

    const out = tempDir('out');
    const result = await packTree({ root, outDir: out, targetSize: 100_000, workers: 2 });
    expect(result.problems).toEqual([]);
    expect(result.containers.length).toBeGreaterThan(1);
    const to = tempDir('restore');
    for (const container of result.containers) await extractContainer(container.file, { to });

    expectSameTree(snapshotTree(to), before);
  });

  it('extracts selected members and whole directories only', async () => {
    const root = writeTree(tempDir('src'), { 'a/1': '1', 'a/2': '2', 'b/3': '3', c: 'c' });
    const out = tempDir('out');
    const [container] = (await packTree({ root, outDir: out })).containers;
    const to = tempDir('restore');
    const result = await extractContainer(container!.file, { to, paths: ['a', 'c'] });
    expect(result).toMatchObject({ members: 4, files: 3 });
    expect(snapshotTree(to).map((i) => i.path)).toEqual(['a', 'a/1', 'a/2', 'c']);
    await expect(extractContainer(container!.file, { to, paths: ['nope'] })).rejects.toThrow(
      /nope: no such member in/,
    );
  });
});
