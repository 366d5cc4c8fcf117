import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveCli } from './testing/capture.ts';
import { bytes, expectSameTree, snapshotTree, useTempDirs, writeTree } from './testing/trees.ts';

const tempDir = useTempDirs();

describe('fairbeam archive (CLI)', () => {
  it('packs, lists, verifies and extracts with machine-readable output', async () => {
    const root = writeTree(tempDir('src'), { 'a/x.bin': bytes(3000), 'b.txt': 'b', l: { symlink: 'b.txt' } });
    const out = tempDir('out');
    const pack = await archiveCli('pack', root, '--out', out, '--json');
    expect(pack.code).toBe(0);
    const result = JSON.parse(pack.stdout);
    expect(result).toMatchObject({
      session: '',
      totals: { files: 2, bytes: 3001 },
      problems: [],
      recorded: null,
    });
    const file = result.containers[0].file as string;
    expect(path.basename(file)).toBe(`${path.basename(root)}-00001.h5`);

    const ls = JSON.parse((await archiveCli('ls', file, '--json')).stdout);
    expect(ls).toMatchObject({ format: 'fairbeam-container', session: '', memberCount: 4 });
    expect(ls.members.map((m: { path: string }) => m.path)).toEqual(['a', 'a/x.bin', 'b.txt', 'l']);
    expect((await archiveCli('ls', file)).stdout).toMatch(/^lrwxrwxrwx +0 .* l -> b\.txt$/m);

    const verify = await archiveCli('verify', file);
    expect(verify).toMatchObject({ code: 0, stdout: `${file}: OK (4 members, 2 files, 2.9 KiB)\n` });

    const to = tempDir('restore');
    expect((await archiveCli('extract', file, '--to', to)).code).toBe(0);
    expectSameTree(snapshotTree(to), snapshotTree(root));
  });

  it('says that --session is checked and recorded in the catalogue (test/cli/archive-pack-session.test.ts)', async () => {
    const help = await archiveCli('pack', '--help');
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('catalogue session the files belong to: checked before anything is written');
    expect(text).toContain('recorded in the catalogue (see `fairbeam archive containers`)');
  });

  it('packs with --verify-blob (all of /blob read back before the rename)', async () => {
    const help = (await archiveCli('pack', '--help')).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--verify-blob before renaming a container, also read all of /blob back');
    const root = writeTree(tempDir('src'), { 'a.bin': bytes(300_000, 1), 'b.bin': bytes(5000, 2) });
    const pack = await archiveCli('pack', root, '--out', tempDir('out'), '--verify-blob', '--json');
    expect(pack.code).toBe(0);
    const file = JSON.parse(pack.stdout).containers[0].file as string;
    expect((await archiveCli('verify', file)).stdout).toBe(`${file}: OK (2 members, 2 files, 297.9 KiB)\n`);
  });

  it('prints the plan without writing anything', async () => {
    const root = writeTree(tempDir('src'), { small: 'x', big: bytes(2048) });
    const out = path.join(tempDir('out'), 'not-created');
    const run = await archiveCli('pack', root, '--out', out, '--plan-only', '--large-file-threshold', '1KiB');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Plan: 1 files (1 B) in 1 container(s)');
    expect(run.stdout).toMatch(/Own tape files \(1, 2\.0 KiB\):\n {2}big {2}large {2}2\.0 KiB/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('explains bad input with exit code 2 and broken containers with exit code 1', async () => {
    const dir = tempDir();
    const missing = await archiveCli('pack', path.join(dir, 'nope'), '--out', path.join(dir, 'o'));
    expect(missing).toMatchObject({
      code: 2,
      stderr: `fairbeam: ${path.join(dir, 'nope')}: no such directory\n`,
    });
    const badSize = await archiveCli('pack', dir, '--out', path.join(dir, 'o'), '--target-size', 'huge');
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain('invalid size "huge"');
    // An --out the system refuses (here: under a plain file) is one line naming it, not a stack.
    const plain = path.join(tempDir(), 'plain');
    fs.writeFileSync(plain, 'x');
    const outUnderFile = await archiveCli('pack', dir, '--out', path.join(plain, 'o'));
    expect(outUnderFile).toMatchObject({
      code: 1,
      stderr: `fairbeam: packing failed: ENOTDIR: not a directory, mkdir '${path.join(plain, 'o')}'\n`,
    });

    fs.writeFileSync(path.join(dir, 'notes.h5'), 'plain text');
    const notContainer = await archiveCli('ls', path.join(dir, 'notes.h5'));
    expect(notContainer.code).toBe(1);
    expect(notContainer.stderr).toContain('notes.h5: not a fairbeam container');
    const verify = await archiveCli('verify', path.join(dir, 'notes.h5'), path.join(dir, 'gone.h5'));
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('gone.h5: no such file');
    expect(verify.stderr).toContain('verification failed');
  });

  it('exits 1 and lists the paths it could not pack, after packing the rest', async () => {
    const root = writeTree(tempDir('src'), { 'ok.txt': 'fine' });
    fs.mkdirSync(path.join(root, 'dev'));
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(root, 'dev/pipe')]);
    const run = await archiveCli('pack', root, '--out', tempDir('out'));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'Not packed (1):\n  dev/pipe: not a regular file, directory or symlink (fifo)',
    );
    expect(run.stdout).toMatch(/Packed 1 files/);
  });
});
