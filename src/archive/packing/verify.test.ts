import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContainerError, openContainer } from './container-reader.ts';
import { packContainer } from './pack-container.ts';
import { packTree } from './pack.ts';
import { planContainers } from './plan.ts';
import { scanTree } from './scan.ts';
import { bytes, useTempDirs, writeHdf5File, writeTree } from './testing/trees.ts';
import { verifyContainer } from './verify.ts';

const tempDir = useTempDirs();

async function packedContainer(): Promise<string> {
  const root = writeTree(tempDir('src'), {
    'a.bin': bytes(5000, 1),
    'b.bin': bytes(7000, 2),
    'd/': { dir: true },
  });
  const [container] = (await packTree({ root, outDir: tempDir('out') })).containers;
  return container!.file;
}

describe('verifyContainer', () => {
  it('accepts a container as written', async () => {
    const report = await verifyContainer(await packedContainer());
    expect(report).toMatchObject({ ok: true, members: 3, files: 2, bytes: 12_000, problems: [] });
  });

  it('names the member whose bytes were damaged', async () => {
    const file = await packedContainer();
    const opened = await openContainer(file);
    const b = opened.rows.find((r) => r.path === 'b.bin')!;
    const firstBytes = Buffer.from(opened.readBlob(b.offset, 16));
    opened.close();
    // Find the member's bytes in the file itself and flip one, as a failing disk or tape would.
    const raw = fs.readFileSync(file);
    const at = raw.indexOf(firstBytes);
    raw[at + 3] = raw[at + 3]! ^ 0xff;
    fs.writeFileSync(file, raw);
    const report = await verifyContainer(file);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.stringMatching(/^b\.bin: sha256 mismatch/)]);
  });

  it('reports a truncated container by name', async () => {
    const file = await packedContainer();
    fs.truncateSync(file, 3000);
    await expect(verifyContainer(file)).rejects.toThrow(ContainerError);
    await expect(verifyContainer(file)).rejects.toThrow(`${file}: corrupt container`);
  });

  it('tells files that are not containers apart', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not hdf5 at all');
    await expect(verifyContainer(path.join(dir, 'notes.txt'))).rejects.toThrow(
      /notes.txt: not a fairbeam container \(not an HDF5 file\)/,
    );
    await writeHdf5File(path.join(dir, 'scan.nxs'));
    await expect(verifyContainer(path.join(dir, 'scan.nxs'))).rejects.toThrow(
      /scan.nxs: not a fairbeam container \(no format=/,
    );
    await expect(verifyContainer(path.join(dir, 'missing.h5'))).rejects.toThrow(/missing.h5: no such file/);
  });
});

describe('the verification before the rename', () => {
  it('rejects a .partial whose bytes were damaged after the fsync, and never renames it', async () => {
    const content = { 'a.bin': bytes(5000, 1), 'b.bin': bytes(300_000, 2), 'c.bin': bytes(7000, 3) };
    const root = writeTree(tempDir('src'), content);
    const outDir = tempDir('out');
    const [planned] = planContainers(root, scanTree(root)).containers;
    const job = {
      ...planned!,
      root,
      outDir,
      session: '',
      created: new Date().toISOString(),
      planDigest: planned!.digest,
    };
    const damage = (partial: string) => {
      // Flip one byte of b.bin inside /blob, as a torn or misdirected write would.
      const raw = fs.readFileSync(partial);
      const at = raw.indexOf(Buffer.from(content['b.bin']).subarray(1000, 1032));
      expect(at).toBeGreaterThan(0);
      raw[at + 5] = raw[at + 5]! ^ 0x01;
      fs.writeFileSync(partial, raw);
    };
    await expect(packContainer(job, undefined, undefined, damage)).rejects.toThrow(
      /verification after writing failed: \/blob bytes \d+\+\d+ differ from what was written/,
    );
    expect(fs.existsSync(path.join(outDir, planned!.name))).toBe(false);

    // Undamaged, the same job passes and renames.
    await packContainer(job);
    expect((await verifyContainer(path.join(outDir, planned!.name))).ok).toBe(true);
  });
});
