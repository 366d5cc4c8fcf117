import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../src/archive/packing/format.ts';
import { simulateWrite, type SimulationInput } from '../../src/archive/tape/simulate.ts';
import {
  LTO,
  type LtoGeneration,
  locateSeconds,
  longitudinal,
  writeSeconds,
} from '../../src/archive/tape/timing.ts';
import { cliEnv, runCli } from '../cli/run.ts';

const MB = 1e6;
const run = (over: Partial<SimulationInput>) =>
  simulateWrite({
    files: 1_000_000,
    size: MB,
    packed: true,
    drive: 'lto8',
    containerSize: 32 * GiB,
    ...over,
  });

describe('LTO timing model', () => {
  it('averages the datasheet file access time over locates from the beginning of tape', () => {
    for (const g of ['lto7', 'lto8', 'lto9'] as LtoGeneration[]) {
      const fig = LTO[g];
      const n = 100_000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += locateSeconds(0, ((i + 0.5) / n) * fig.capacity, fig, fig.capacity);
      expect(sum / n).toBeCloseTo(fig.averageLocate, 0);
    }
  });

  it('lays bytes out serpentine: wrap 0 runs to the end of tape, wrap 1 comes back', () => {
    expect(longitudinal(0, 100, 10)).toBe(0);
    expect(longitudinal(9.99, 100, 10)).toBeCloseTo(0.999);
    expect(longitudinal(10, 100, 10)).toBe(1);
    expect(longitudinal(15, 100, 10)).toBeCloseTo(0.5);
    expect(longitudinal(20, 100, 10)).toBe(0);
  });

  it('streams at the native rate, slows down to a slower source, and shoe-shines below the slowest speed', () => {
    const fig = LTO.lto8;
    const bytes = 100 * GiB;
    const fast = writeSeconds(bytes, fig);
    expect(fast).toEqual({ streaming: bytes / fig.rate, underrun: 0, reposition: 0, backhitches: 0 });
    const matched = writeSeconds(bytes, fig, 200 * MB);
    expect(matched.reposition).toBe(0);
    expect(matched.streaming + matched.underrun).toBeCloseTo(bytes / (200 * MB), 6);
    const slow = writeSeconds(bytes, fig, 50 * MB);
    expect(slow.backhitches).toBeGreaterThan(50);
    expect(slow.streaming + slow.underrun + slow.reposition).toBeCloseTo(bytes / (50 * MB), 6);
    const slower = writeSeconds(bytes, fig, 100 * MB);
    // Nearer the slowest speed the buffer drains more slowly: longer bursts, fewer stops.
    expect(slower.backhitches).toBeLessThan(slow.backhitches);
    expect(slower.backhitches).toBeGreaterThan(0);
  });
});

describe('tape simulate', () => {
  it('keeps LTO-8 and LTO-9 drives streaming ≥ 95 % with 32 GiB containers over full cartridges', () => {
    for (const drive of ['lto8', 'lto9'] as LtoGeneration[]) {
      // 10 million 2 MB files: 20 TB, so mounts are amortised as in a real archive run.
      const packed = run({ drive, files: 10_000_000, size: 2 * MB });
      expect(packed.streamingShare).toBeGreaterThanOrEqual(0.95);
      expect(packed.tapeMarks).toBe(Math.ceil(10_000_000 / Math.floor((32 * GiB) / (2 * MB))));
      expect(packed.mounts).toBe(Math.ceil(20e12 / LTO[drive].capacity));
    }
  });

  it('leaves unpacked small files far below streaming: every one costs a synchronised tape mark', () => {
    const packed = run({});
    const unpacked = run({ packed: false });
    expect(unpacked.tapeMarks).toBe(1_000_000);
    expect(unpacked.streamingShare).toBeLessThan(0.01);
    expect(unpacked.driveSeconds).toBeGreaterThan(100 * packed.driveSeconds);
    expect(unpacked.bytes).toBe(packed.bytes);
    expect(unpacked.seconds.streaming).toBeCloseTo(packed.seconds.streaming, 6);
  });

  it('improves monotonically with container size and, unpacked, with file size', () => {
    const sizes = [256 * MiB, 1 * GiB, 4 * GiB, 16 * GiB, 32 * GiB, 64 * GiB];
    const byContainer = sizes.map((containerSize) => run({ files: 5_000_000, size: 2 * MB, containerSize }));
    for (let i = 1; i < byContainer.length; i++) {
      expect(byContainer[i]!.streamingShare).toBeGreaterThan(byContainer[i - 1]!.streamingShare);
      expect(byContainer[i]!.driveSeconds).toBeLessThan(byContainer[i - 1]!.driveSeconds);
      expect(byContainer[i]!.tapeMarks).toBeLessThan(byContainer[i - 1]!.tapeMarks);
    }
    const fileSizes = [10_000, 100_000, MB, 10 * MB, 100 * MB, 1000 * MB];
    const unpacked = fileSizes.map((size) => run({ files: 10_000, size, packed: false }));
    for (let i = 1; i < unpacked.length; i++)
      expect(unpacked[i]!.streamingShare).toBeGreaterThan(unpacked[i - 1]!.streamingShare);
  });

  it('writes files above the large-file threshold as their own tape files even when packing', () => {
    const r = run({ files: 100, size: 100 * MiB });
    expect(r.tapeFiles).toBe(100);
    expect(run({ files: 100, size: 100 * MiB, largeFileThreshold: GiB }).tapeFiles).toBe(1);
  });

  it('counts one mount per cartridge, moving to a new one when the next tape file does not fit', () => {
    const r = run({ files: 30, size: 1e12, packed: false, drive: 'lto7' });
    expect(r).toMatchObject({ mounts: 5, cartridges: 5, tapeFiles: 30 });
    // A 32 GiB container fills most of a 50 GB cartridge; the 16 GiB left over needs a second one.
    const small = run({ files: 3 * 16, size: GiB, largeFileThreshold: 2 * GiB, capacity: 50e9 });
    expect(small).toMatchObject({ tapeFiles: 2, mounts: 2 });
    expect(run({ files: 0 })).toMatchObject({ mounts: 0, driveSeconds: 0, streamingShare: 0 });
    expect(() => run({ files: 1, size: 13e12, packed: false })).toThrow(RangeError);
  });

  it('charges a slow source: below the slowest matching speed, the drive shoe-shines', () => {
    const fed = run({ files: 10_000_000, size: 2 * MB, feedRate: 60 * MB });
    const streaming = run({ files: 10_000_000, size: 2 * MB });
    expect(fed.backhitches).toBeGreaterThan(1000);
    expect(fed.streamingShare).toBeLessThan(streaming.streamingShare / 5);
  });
});

// Each run is a real `fairbeam` process (tsx start-up dominates), so a few runs cover the flags.
describe('fairbeam tape simulate', { timeout: 600_000 }, () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-tape-sim-'));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  const env = cliEnv(path.join(home, 'home'));

  it('prints packed and unpacked side by side or as one JSON object, and refuses bad flags with exit code 2', async () => {
    const [both, json, conflict, badDrive] = await Promise.all([
      runCli(['tape', 'simulate', '--files', '1000000', '--size', '1MB'], env),
      runCli(
        [
          'tape',
          'simulate',
          '--files',
          '1000000',
          '--size',
          '5MB',
          '--drive',
          'lto9',
          '--container',
          '32GiB',
          '--json',
        ],
        env,
      ),
      runCli(['tape', 'simulate', '--files', '10', '--size', '1MB', '--packed', '--unpacked'], env),
      runCli(['tape', 'simulate', '--files', '10', '--size', '1MB', '--drive', 'lto5'], env),
    ]);
    for (const r of [both, json]) expect(r.code, r.stderr).toBe(0);
    expect(both.stdout).toMatch(/packed\s+unpacked/);
    expect(both.stdout).toMatch(/mounts\s+1\s+1\n/);
    expect(both.stdout).toMatch(/streaming share\s+92\.9 %\s+0\.1 %/);
    expect(both.stdout).toMatch(/unpacked needs \d+\.\d× the drive time of packed/);

    // Without --packed or --unpacked the object is the packed report with the unpacked one inside.
    const report = JSON.parse(json.stdout) as Record<string, unknown> & { unpacked: Record<string, unknown> };
    const expected = (packed: boolean) =>
      JSON.parse(JSON.stringify(run({ drive: 'lto9', size: 5 * MB, packed }))) as Record<string, unknown>;
    expect(report).toMatchObject({ ...expected(true), files: 1_000_000, bytes: 5e12, mounts: 1 });
    expect(report.streamingShare).toBeGreaterThan(0.95);
    expect(report.unpacked).toEqual(expected(false));
    expect(report.unpacked.streamingShare).toBeLessThan(0.05);

    for (const r of [conflict, badDrive]) expect(r.code, r.stderr).toBe(2);
    expect(conflict.stderr).toContain('--packed and --unpacked exclude each other');
    expect(badDrive.stderr).toContain('expected lto7, lto8 or lto9');
    expect(fs.existsSync(path.join(home, 'home', 'db'))).toBe(false); // no database needed
  });
});
