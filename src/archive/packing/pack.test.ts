import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openContainer } from './container-reader.ts';
import { MANIFEST_NAME, readManifest } from './manifest.ts';
import { PackUsageError, packTree } from './pack.ts';
import { bytes, useTempDirs, writeHdf5File, writeTree } from './testing/trees.ts';

const tempDir = useTempDirs();

function tenFiles(): string {
  return writeTree(
    tempDir('src'),
    Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.bin`, bytes(10_000, i)])),
  );
}

describe('packTree', () => {
  it('records the session and the spec attributes in every container', async () => {
    const result = await packTree({
      root: tenFiles(),
      outDir: tempDir('out'),
      targetSize: 35_000,
      session: 'ma-42',
    });
    expect(result.containers.map((c) => [c.name, c.files, c.status])).toEqual([
      ['ma-42-00001.h5', 3, 'written'],
      ['ma-42-00002.h5', 3, 'written'],
      ['ma-42-00003.h5', 3, 'written'],
      ['ma-42-00004.h5', 1, 'written'],
    ]);
    const opened = await openContainer(result.containers[0]!.file);
    expect(opened.attributes).toMatchObject({
      format: 'fairbeam-container',
      version: 1,
      session: 'ma-42',
      memberCount: 3,
    });
    expect(Date.parse(opened.attributes.created)).not.toBeNaN();
    // The digest reaches the workers after they start writing; each container has its own, as listed.
    expect(opened.attributes.planDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(opened.attributes.planDigest).toBe(result.containers[0]!.digest);
    expect(readManifest(result.outDir)?.containers.map((c) => c.digest)).toEqual(
      result.containers.map((c) => c.digest),
    );
    expect(new Set(result.containers.map((c) => c.digest)).size).toBe(4);
    opened.close();
    expect(result.totals).toMatchObject({ files: 10, bytes: 100_000 });
  });

  it('skips finished containers and removes leftovers when run again', async () => {
    const root = tenFiles();
    const out = tempDir('out');
    const first = await packTree({ root, outDir: out, targetSize: 35_000 });
    fs.rmSync(first.containers[1]!.file);
    fs.writeFileSync(path.join(out, `${first.containers[1]!.name}.partial`), 'half a container');
    const again = await packTree({ root, outDir: out, targetSize: 35_000 });
    expect(again.containers.map((c) => c.status)).toEqual(['existing', 'written', 'existing', 'existing']);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(readManifest(out)?.state).toBe('complete');
  });

  it('replaces containers of an earlier plan when the tree changed', async () => {
    const root = tenFiles();
    const out = tempDir('out');
    await packTree({ root, outDir: out, targetSize: 35_000 });
    for (let i = 3; i < 10; i++) fs.rmSync(path.join(root, `f${i}.bin`));
    const again = await packTree({ root, outDir: out, targetSize: 35_000 });
    expect(again.containers.map((c) => c.name)).toEqual([expect.stringMatching(/-00001\.h5$/)]);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.h5'))).toHaveLength(1);
  });

  it('keeps large and HDF5 files out of containers and lists them as own tape files', async () => {
    const root = writeTree(tempDir('src'), { 'small.txt': 'x', 'big.raw': bytes(20_000) });
    await writeHdf5File(path.join(root, 'scan_0001.dat'));
    const result = await packTree({ root, outDir: tempDir('out'), largeFileThreshold: 16_384 });
    expect(result.ownTapeFiles).toEqual([
      { path: 'big.raw', size: 20_000, reason: 'large' },
      { path: 'scan_0001.dat', size: expect.any(Number), reason: 'hdf5' },
    ]);
    const opened = await openContainer(result.containers[0]!.file);
    expect(opened.rows.map((r) => r.path)).toEqual(['small.txt']);
    opened.close();
  });

  it('renames no container when its manifest cannot be written, and stops every worker', async () => {
    const root = tenFiles();
    const out = tempDir('out');
    // A directory where the manifest goes: its atomic rename fails after the workers have started.
    fs.mkdirSync(path.join(out, MANIFEST_NAME));
    await expect(packTree({ root, outDir: out, targetSize: 35_000 })).rejects.toThrow(/EISDIR|directory/);
    expect(fs.readdirSync(out).filter((name) => name.endsWith('.h5'))).toEqual([]);
    // The workers went back to the pool: the same run goes through once the manifest can be written.
    fs.rmdirSync(path.join(out, MANIFEST_NAME));
    const again = await packTree({ root, outDir: out, targetSize: 35_000 });
    expect(again.containers.map((c) => c.status)).toEqual(['written', 'written', 'written', 'written']);
    expect(fs.readdirSync(out).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('refuses a missing directory and an output directory inside the input', async () => {
    const root = tenFiles();
    await expect(packTree({ root: path.join(root, 'nope'), outDir: tempDir() })).rejects.toThrow(
      new PackUsageError(`${path.join(root, 'nope')}: no such directory`),
    );
    await expect(packTree({ root, outDir: path.join(root, 'out') })).rejects.toThrow(/must not be inside/);
  });
});
