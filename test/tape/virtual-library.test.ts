import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearFaults, injectFaults } from '../../src/archive/tape/faults.ts';
import { type MountedDrive, TapeError } from '../../src/archive/tape/library.ts';
import { simulateWrite } from '../../src/archive/tape/simulate.ts';
import { LTO, MECHANICS, totalSeconds } from '../../src/archive/tape/timing.ts';
import { type CartridgeConfig, VirtualLibrary } from '../../src/archive/tape/virtual-library.ts';
import { REPO } from '../cli/run.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const A = 'A00001L8';
const B = 'B00001L8';
const C = 'C00001L8';

function library(
  options: { capacity?: number; drives?: number; root?: string; clock?: 'simulated' | 'real' } = {},
) {
  const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vtl-'));
  if (!options.root) dirs.push(root);
  const cartridges: CartridgeConfig[] = [A, B, C].map((barcode) => ({
    barcode,
    generation: 'lto8',
    capacity: options.capacity,
  }));
  const lib = new VirtualLibrary({
    name: 'vtl',
    root,
    generation: 'lto8',
    drives: options.drives ?? 2,
    slots: 10,
    clock: options.clock ?? 'simulated',
    realTimeScale: 1000,
    cartridges,
  });
  return { lib, root, file: (bytes: number) => sourceFile(root, bytes) };
}

function sourceFile(root: string, bytes: number): string {
  const f = path.join(root, `src-${crypto.randomUUID()}`);
  fs.writeFileSync(f, crypto.randomBytes(bytes));
  return f;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('virtual tape library', () => {
  it('writes tape files and reads them back byte-identical, whole or one byte range, counting drive time', async () => {
    const { lib, file } = library();
    const drive = await lib.mount(A);
    const a = file(3000);
    const b = file(9 * 1024 * 1024); // more than one 4 MiB piece
    const wa = await drive.writeFile(a);
    const wb = await drive.writeFile(b);
    expect([wa.tapeFile, wb.tapeFile]).toEqual([1, 2]);
    expect(wa).toMatchObject({ bytes: 3000, sha256: sha256(fs.readFileSync(a)) });
    expect(wb.sha256).toBe(sha256(fs.readFileSync(b)));
    expect(sha256(await collect(drive.readFile(2)))).toBe(wb.sha256);
    // A range across a piece boundary comes back exactly.
    const range = { offset: 4 * 1024 * 1024 - 10, length: 100 };
    expect(await collect(drive.readFile(2, range))).toEqual(
      fs.readFileSync(b).subarray(range.offset, range.offset + range.length),
    );
    expect(await collect(drive.readFile(1))).toEqual(fs.readFileSync(a));
    await expect(collect(drive.readFile(1, { offset: 2990, length: 20 }))).rejects.toMatchObject({
      kind: 'missing',
    });
    await expect(drive.fileSize(2)).resolves.toBe(9 * 1024 * 1024);
    await lib.unmount(drive);

    const s = lib.seconds();
    expect(s).toMatchObject({ robot: 40, load: 15, unload: 20, tapeMark: 4 });
    expect(s.streaming).toBeCloseTo((2 * 3000 + 100 + 2 * 9 * 1024 * 1024) / LTO.lto8.rate, 9);
    expect(s.locate).toBeGreaterThan(0); // back to tape file 1, back to the start
    expect(lib.mounts()).toBe(1);
    const [cart] = await lib.cartridges();
    expect(cart).toMatchObject({
      barcode: A,
      used: 3000 + 9 * 1024 * 1024,
      files: 2,
      slot: 0,
      failed: false,
    });
  });

  it('locates to a tape file, rewinds, and charges locate time by distance along the serpentine tape', async () => {
    const { lib, file } = library({ capacity: 52_000_000 }); // 250 kB per wrap over 208 wraps
    const drive = await lib.mount(A);
    for (let i = 0; i < 4; i++) await drive.writeFile(file(100_000));
    expect(drive.position()).toBe(5);
    const before = lib.seconds().locate;
    await drive.locate(2);
    expect(drive.position()).toBe(2);
    const back = lib.seconds().locate - before;
    // Byte 400 000 lies on wrap 1 (running back), 40 % down the tape, just beside byte 100 000 on
    // wrap 0: only the start-up cost, no travel.
    expect(back).toBeCloseTo(MECHANICS.locateStart, 9);
    await drive.locate(2);
    expect(lib.seconds().locate - before).toBe(back); // staying put is free
    await drive.rewind();
    expect(drive.position()).toBe(1);
    const fullLength = 2 * (LTO.lto8.averageLocate - MECHANICS.locateStart);
    expect(lib.seconds().locate - before - back).toBeCloseTo(MECHANICS.locateStart + 0.4 * fullLength, 9);
    await drive.locate(5); // the end of data, where the next write goes
    await expect(drive.locate(6)).rejects.toMatchObject({ kind: 'missing' });
    await expect(drive.locate(0)).rejects.toMatchObject({ kind: 'missing' });
    expect((await drive.writeFile(file(10))).tapeFile).toBe(5);
    expect(lib.drives()[0]).toMatchObject({ loaded: A, position: 6 });
  });

  it('refuses to write past the end of a cartridge, leaving no partial tape file, and goes on with another', async () => {
    const { lib, file, root } = library({ capacity: 10_000 });
    const drive = await lib.mount(A);
    await drive.writeFile(file(6000));
    const err = await drive.writeFile(file(6000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TapeError);
    expect(err).toMatchObject({ kind: 'full', barcode: A });
    expect(fs.readdirSync(path.join(root, 'cartridges', A))).toEqual(['00000001.tf']);
    await drive.writeFile(file(4000)); // exactly fills it
    await lib.unmount(drive);
    const other = await lib.mount(B);
    expect((await other.writeFile(file(6000))).tapeFile).toBe(1);
    const carts = await lib.cartridges();
    expect(carts.map((c) => [c.barcode, c.used, c.files, c.slot])).toEqual([
      [A, 10_000, 2, 0],
      [B, 6000, 1, null],
      [C, 0, 0, 2],
    ]);
  });

  it('fails a drive: its operations raise drive errors, mounts go to the other drive, none left is a drive error', async () => {
    const { lib, root, file } = library();
    const drive = await lib.mount(A);
    await drive.writeFile(file(100));
    injectFaults(root, { failedDrives: [drive.name] });
    await expect(drive.writeFile(file(100))).rejects.toMatchObject({ kind: 'drive', drive: drive.name });
    await expect(collect(drive.readFile(1))).rejects.toMatchObject({ kind: 'drive' });
    expect(lib.drives().find((d) => d.name === drive.name)).toMatchObject({ failed: true, loaded: A });
    await lib.unmount(drive); // the robot still takes the cartridge out
    const other = await lib.mount(A);
    expect(other.name).not.toBe(drive.name);
    expect(sha256(await collect(other.readFile(1)))).toHaveLength(64);
    injectFaults(root, { failedDrives: [other.name] });
    await lib.unmount(other);
    await expect(lib.mount(A)).rejects.toMatchObject({ kind: 'drive' });
    clearFaults(root);
    await expect(lib.mount(A)).resolves.toBeDefined();
  });

  it('has bad blocks: reads touching them raise medium errors, the rest of the cartridge reads fine', async () => {
    const { lib, root, file } = library();
    const drive = await lib.mount(A);
    const one = file(10_000);
    await drive.writeFile(one);
    await drive.writeFile(file(10_000));
    injectFaults(root, { badBlocks: [{ barcode: A, tapeFile: 1, offset: 5000, length: 100 }] });
    await expect(collect(drive.readFile(1))).rejects.toMatchObject({ kind: 'medium', barcode: A });
    await expect(collect(drive.readFile(1, { offset: 5050, length: 10 }))).rejects.toMatchObject({
      kind: 'medium',
    });
    expect(await collect(drive.readFile(1, { offset: 0, length: 5000 }))).toEqual(
      fs.readFileSync(one).subarray(0, 5000),
    );
    expect(await collect(drive.readFile(1, { offset: 5100, length: 4900 }))).toEqual(
      fs.readFileSync(one).subarray(5100),
    );
    expect((await collect(drive.readFile(2))).length).toBe(10_000);
    injectFaults(root, { badBlocks: [{ barcode: A, tapeFile: 2 }] });
    await expect(collect(drive.readFile(2, { offset: 1, length: 1 }))).rejects.toMatchObject({
      kind: 'medium',
    });
    expect((await lib.cartridges()).find((c) => c.barcode === A)?.failed).toBe(true);
  });

  it('reports a cartridge as full when told to, before writing anything', async () => {
    const { lib, root, file } = library();
    injectFaults(root, { fullCartridges: [B] });
    const drive = await lib.mount(B);
    await expect(drive.writeFile(file(100))).rejects.toMatchObject({ kind: 'full', barcode: B });
    expect((await lib.cartridges()).find((c) => c.barcode === B)).toMatchObject({ used: 0, files: 0 });
  });

  it('has robot errors: the mount fails, the cartridge stays in its slot and the drive is free again', async () => {
    const { lib, root } = library({ drives: 1 });
    injectFaults(root, { robotErrors: 1 });
    await expect(lib.mount(A)).rejects.toMatchObject({ kind: 'robot', barcode: A });
    expect(lib.drives()[0]).toMatchObject({ loaded: null });
    expect((await lib.cartridges())[0]!.slot).toBe(0);
    const drive = await lib.mount(A);
    expect(drive.barcode).toBe(A);
    expect(lib.mounts()).toBe(1);
  });

  it('mounts as many cartridges at once as it has drives; more wait, also across library instances', async () => {
    const { lib, root, file } = library({ drives: 2 });
    const [a, b] = await Promise.all([lib.mount(A), lib.mount(B)]);
    expect(new Set([a.name, b.name]).size).toBe(2);
    await expect(lib.mount(C)).rejects.toMatchObject({ kind: 'busy' });
    const twin = library({ root, drives: 2 }).lib; // another worker on the same library
    await expect(twin.mount(A)).rejects.toMatchObject({ kind: 'busy' });
    expect(twin.drives().map((d) => d.loaded)).toEqual([A, B]);
    await Promise.all([a.writeFile(file(1000)), b.writeFile(file(2000))]);
    await lib.unmount(a);
    const c = await twin.mount(C);
    expect(c.name).toBe(a.name);
    await expect(twin.mount(A)).rejects.toMatchObject({ kind: 'busy' });
    await twin.unmount(c);
    await lib.unmount(b);
    expect(lib.drives().every((d) => d.loaded === null)).toBe(true);
  });

  it('takes over claims of dead processes, including an earlier process that had this pid', async () => {
    const { lib, root } = library({ drives: 1 });
    const claims = path.join(root, 'claims');
    fs.mkdirSync(claims);
    // A worker restarted in a fresh container can get the pid its killed predecessor had.
    const recycled = JSON.stringify({ pid: process.pid, nonce: 'earlier-process', holder: A });
    fs.writeFileSync(path.join(claims, 'drive0.json'), recycled);
    fs.writeFileSync(path.join(claims, `cartridge-${A}.json`), recycled);
    expect(lib.drives()[0]!.loaded).toBeNull();
    const drive = await lib.mount(A);
    expect(lib.drives()[0]).toMatchObject({ name: 'drive0', loaded: A });
    await lib.unmount(drive);
    expect(fs.readdirSync(claims)).toEqual([]);
    // A claim file caught between its creation and its first write belongs to a live process.
    fs.writeFileSync(path.join(claims, `cartridge-${B}.json`), '');
    await expect(lib.mount(B)).rejects.toMatchObject({ kind: 'busy' });
  });

  it(
    'never lists a tape file whose writer was killed, and the next mount appends in its place',
    { timeout: 60_000 },
    async () => {
      const { lib, root, file } = library({ capacity: 1e9 });
      const first = await lib.mount(A);
      await first.writeFile(file(1000));
      await lib.unmount(first);
      const fifo = path.join(root, 'feed');
      execFileSync('mkfifo', [fifo]);
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/tape/child-writer.ts', root, A, fifo], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((r) => child.on('exit', r));
      const feed = await fs.promises.open(fifo, 'w'); // opens once the child reads the pipe
      await feed.write(crypto.randomBytes(1024 * 1024));
      const partial = path.join(root, 'cartridges', A, '00000002.partial');
      for (let i = 0; i < 200 && !(fs.statSync(partial, { throwIfNoEntry: false })?.size ?? 0); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(fs.statSync(partial).size).toBeGreaterThan(0);
      expect(lib.drives().some((d) => d.loaded === A)).toBe(true);
      child.kill('SIGKILL');
      await exited;
      await feed.close().catch(() => {});

      expect((await lib.cartridges())[0]).toMatchObject({ files: 1, used: 1000, slot: 0 });
      expect(lib.drives().every((d) => d.loaded === null)).toBe(true);
      const again = await lib.mount(A); // takes over the dead process's claim
      expect(fs.existsSync(partial)).toBe(false);
      const src = file(5000);
      const w = await again.writeFile(src);
      expect(w).toMatchObject({ tapeFile: 2, bytes: 5000 });
      expect(await collect(again.readFile(2))).toEqual(fs.readFileSync(src));
    },
  );

  it('charges shoe-shining when the source cannot keep the drive streaming', async () => {
    const { lib, file } = library();
    const drive = await lib.mount(A);
    const src = file(4 * 1024 * 1024);
    await drive.writeFile(src, { feedRate: 200e6 }); // within speed matching: slower, no stops
    const matched = lib.seconds();
    expect(matched.underrun).toBeGreaterThan(0);
    expect(matched.reposition).toBe(0);
    await drive.writeFile(src, { feedRate: 10e6 }); // below the slowest matching speed
    const shoe = lib.seconds();
    expect(shoe.reposition).toBe(MECHANICS.backhitch);
    expect(totalSeconds(shoe) - totalSeconds(matched)).toBeGreaterThanOrEqual((4 * 1024 * 1024) / 10e6);
  });

  it('runs in real time when asked, at a chosen speed-up', async () => {
    const { lib } = library({ clock: 'real' });
    const started = performance.now();
    const drive = await lib.mount(A); // 35 s of robot and load at 1000× is 35 ms
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    await lib.unmount(drive);
  });

  it('spends exactly the drive time the closed-form simulation predicts for the same writes', async () => {
    const capacity = 50_000;
    const { lib, file } = library({ capacity });
    const src = file(7000);
    let drive: MountedDrive = await lib.mount(A);
    const order = [A, B, C];
    for (let i = 0; i < 15; i++) {
      try {
        await drive.writeFile(src);
      } catch (err) {
        if (!(err instanceof TapeError && err.kind === 'full')) throw err;
        await lib.unmount(drive);
        drive = await lib.mount(order[order.indexOf(drive.barcode) + 1]!);
        await drive.writeFile(src);
      }
    }
    await lib.unmount(drive);
    const sim = simulateWrite({
      files: 15,
      size: 7000,
      packed: false,
      drive: 'lto8',
      containerSize: 1,
      capacity,
    });
    expect(lib.mounts()).toBe(sim.mounts);
    expect(sim.mounts).toBe(3);
    const got = lib.seconds();
    for (const [kind, seconds] of Object.entries(sim.seconds))
      expect(got[kind as keyof typeof got]).toBeCloseTo(seconds, 6);
  });
});
