import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LtfsLibrary, type LtfsLibraryConfig } from '../../src/archive/tape/ltfs-library.ts';
import type { TapeLibrary } from '../../src/archive/tape/library.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

// Plain directories stand in for mounted LTFS volumes: LTFS presents a cartridge as a file system.
function volumes(extra: Partial<LtfsLibraryConfig> = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ltfs-'));
  dirs.push(tmp);
  const v1 = path.join(tmp, 'mnt', 'LT0001L8');
  const v2 = path.join(tmp, 'mnt', 'LT0002L8');
  fs.mkdirSync(v1, { recursive: true });
  fs.mkdirSync(v2, { recursive: true });
  const config: LtfsLibraryConfig = {
    name: 'ltfs',
    volumes: [v1, { path: v2, capacity: 10_000 }],
    generation: 'lto8',
    claimsDir: path.join(tmp, 'claims'),
    ...extra,
  };
  const file = (bytes: number) => {
    const f = path.join(tmp, `src-${crypto.randomUUID()}`);
    fs.writeFileSync(f, crypto.randomBytes(bytes));
    return f;
  };
  return { tmp, v1, v2, config, lib: new LtfsLibrary(config), file };
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

describe('LTFS library', () => {
  it('treats each mounted volume as a cartridge and keeps tape files in its fairbeam folder', async () => {
    const { lib, v1, file } = volumes();
    fs.writeFileSync(path.join(v1, 'README.txt'), 'written by someone else');
    const drive = await lib.mount('LT0001L8');
    const src = file(5 * 1024 * 1024);
    const w = await drive.writeFile(src);
    expect(w.tapeFile).toBe(1);
    expect(w.sha256).toBe(sha256(fs.readFileSync(src)));
    expect((await drive.writeFile(file(10))).tapeFile).toBe(2);
    expect(fs.readdirSync(path.join(v1, 'fairbeam')).sort()).toEqual(['00000001.tf', '00000002.tf']);
    // Compared by hash: a deep equality of 5 MiB buffers element by element takes minutes.
    expect(sha256(await collect(drive.readFile(1)))).toBe(w.sha256);
    expect(await collect(drive.readFile(1, { offset: 4 * 1024 * 1024 - 1, length: 3 }))).toEqual(
      fs.readFileSync(src).subarray(4 * 1024 * 1024 - 1, 4 * 1024 * 1024 + 2),
    );
    await expect(drive.fileSize(2)).resolves.toBe(10);
    await expect(collect(drive.readFile(3))).rejects.toMatchObject({ kind: 'missing' });
    await drive.locate(2);
    expect(drive.position()).toBe(2);
    await drive.rewind();
    expect(drive.position()).toBe(1);
    expect(lib.drives().find((d) => d.loaded === 'LT0001L8')).toMatchObject({ name: 'ltfs:LT0001L8' });
    await lib.unmount(drive);
    const [one, two] = await lib.cartridges();
    expect(one).toMatchObject({
      barcode: 'LT0001L8',
      used: 5 * 1024 * 1024 + 10,
      files: 2,
      slot: 0,
      failed: false,
    });
    expect(one!.capacity).toBeGreaterThan(one!.used); // used plus the file system's free space
    expect(two).toMatchObject({ barcode: 'LT0002L8', capacity: 10_000, used: 0 });
    expect(fs.readFileSync(path.join(v1, 'README.txt'), 'utf8')).toBe('written by someone else');
    expect(lib.mounts()).toBe(1);
    expect(lib.seconds().streaming).toBeGreaterThan(0);
  });

  it('reports a full volume without leaving a partial tape file', async () => {
    const { lib, v2, file } = volumes();
    const drive = await lib.mount('LT0002L8');
    await drive.writeFile(file(8000));
    await expect(drive.writeFile(file(8000))).rejects.toMatchObject({ kind: 'full', barcode: 'LT0002L8' });
    expect(fs.readdirSync(path.join(v2, 'fairbeam'))).toEqual(['00000001.tf']);
  });

  it('raises a drive error for a volume that is not mounted', async () => {
    const { lib, v1 } = volumes();
    fs.rmSync(v1, { recursive: true });
    await expect(lib.mount('LT0001L8')).rejects.toMatchObject({ kind: 'drive', barcode: 'LT0001L8' });
    expect((await lib.cartridges())[0]).toMatchObject({ failed: true, files: 0 });
    expect(lib.drives()[0]).toMatchObject({ failed: true });
    await expect(lib.mount('NOPE00L8')).rejects.toMatchObject({ kind: 'missing' });
  });

  it('never lists an unfinished tape file and drops it at the next mount', async () => {
    const { lib, v1, file } = volumes();
    const folder = path.join(v1, 'fairbeam');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, '00000001.partial'), 'half a container');
    expect((await lib.cartridges())[0]).toMatchObject({ files: 0, used: 0 });
    const drive = await lib.mount('LT0001L8');
    expect(fs.readdirSync(folder)).toEqual([]);
    expect((await drive.writeFile(file(100))).tapeFile).toBe(1);
  });

  it('lets one user at a time have a volume, across library instances', async () => {
    const { lib, config } = volumes();
    const other: TapeLibrary = new LtfsLibrary(config);
    const drive = await lib.mount('LT0001L8');
    await expect(other.mount('LT0001L8')).rejects.toMatchObject({ kind: 'busy' });
    expect((await other.cartridges())[0]!.slot).toBeNull();
    expect(other.drives()[0]).toMatchObject({ loaded: 'LT0001L8' });
    await lib.unmount(drive);
    const mine = await other.mount('LT0001L8');
    expect(mine.barcode).toBe('LT0001L8');
  });
});
