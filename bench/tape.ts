// Archiving a million small files to tape, packed into 32 GiB containers or written one by one, on
// LTO-8 and LTO-9, with the timing model of the virtual tape library (simulated time). A smaller run
// through the virtual library itself, writing real tape files to disk, checks that the closed-form
// simulation and the library charge the same drive seconds. `npm run bench -- tape`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GiB } from '../src/archive/packing/format.ts';
import { formatBytes } from '../src/archive/packing/size.ts';
import { TapeError } from '../src/archive/tape/library.ts';
import { type SimulationReport, simulateWrite } from '../src/archive/tape/simulate.ts';
import { LTO, type LtoGeneration, MECHANICS, totalSeconds } from '../src/archive/tape/timing.ts';
import { VirtualLibrary } from '../src/archive/tape/virtual-library.ts';
import { machine } from './util.ts';

const FILES = 1_000_000;
const MB = 1e6;
const CONTAINER = 32 * GiB;

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const hours = (s: number) => (s / 3600).toFixed(2);
const times = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)}×`;
const lto = (g: LtoGeneration) => `LTO-${g.slice(3)}`;
/** File sizes as the facility states them: 100 kB, 1 MB. */
const decimal = (bytes: number) =>
  bytes >= MB ? `${bytes / MB} MB` : bytes >= 1000 ? `${bytes / 1000} kB` : `${bytes} B`;

function row(label: string, r: SimulationReport, reference?: SimulationReport): string {
  const ratio = reference ? times(r.driveSeconds / reference.driveSeconds) : '1×';
  return `| ${label} | ${r.tapeMarks.toLocaleString('en')} | ${r.mounts} | ${hours(r.driveSeconds)} | ${pct(r.streamingShare)} | ${ratio} |`;
}

function archiveTable(): string[] {
  const out = [
    '| drive, file size, mode | tape marks | mounts | drive hours | streaming share | drive time vs packed |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const drive of ['lto8', 'lto9'] as LtoGeneration[])
    for (const size of [100_000, 1 * MB, 10 * MB]) {
      const input = { files: FILES, size, drive, containerSize: CONTAINER };
      const packed = simulateWrite({ ...input, packed: true });
      const unpacked = simulateWrite({ ...input, packed: false });
      const label = `${lto(drive)}, ${decimal(size)}`;
      out.push(row(`${label}, packed`, packed), row(`${label}, unpacked`, unpacked, packed));
    }
  return out;
}

function containerTable(): string[] {
  const out = [
    '| container size | tape marks | mounts | drive hours | streaming share | drive time vs 32 GiB |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  const input = { files: 10 * FILES, size: 2 * MB, drive: 'lto8' as const, packed: true };
  const reference = simulateWrite({ ...input, containerSize: CONTAINER });
  for (const containerSize of [256 * 2 ** 20, 1 * GiB, 4 * GiB, 16 * GiB, 32 * GiB, 64 * GiB])
    out.push(row(formatBytes(containerSize), simulateWrite({ ...input, containerSize }), reference));
  return out;
}

function feedTable(): string[] {
  const out = [
    '| disks deliver | backhitches | drive hours | streaming share | drive time vs streaming |',
    '|---|--:|--:|--:|--:|',
  ];
  const input = {
    files: 10 * FILES,
    size: 2 * MB,
    drive: 'lto9' as const,
    packed: true,
    containerSize: CONTAINER,
  };
  const reference = simulateWrite(input);
  for (const feedRate of [undefined, 300 * MB, 150 * MB, 100 * MB, 50 * MB]) {
    const r = simulateWrite({ ...input, feedRate });
    out.push(
      `| ${feedRate ? `${feedRate / MB} MB/s` : '≥ 400 MB/s'} | ${r.backhitches.toLocaleString('en')} | ${hours(r.driveSeconds)} | ${pct(r.streamingShare)} | ${times(r.driveSeconds / reference.driveSeconds)} |`,
    );
  }
  return out;
}

/**
 * The same kind of run through the virtual library, writing real tape files: N small files one by
 * one, then the same bytes as containers of 250 files (to the drive a container is one tape file),
 * on cartridges small enough that both runs change cartridges.
 */
async function virtualLibraryCheck(): Promise<string[]> {
  const files = 1000;
  const size = 100_000;
  const perContainer = 250;
  const capacity = 60e6;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tape-'));
  try {
    const src = path.join(root, 'small');
    fs.writeFileSync(src, crypto.randomBytes(size));
    const big = path.join(root, 'container');
    fs.writeFileSync(big, Buffer.concat(Array.from({ length: perContainer }, () => fs.readFileSync(src))));
    const out = [
      '| virtual library run | tape files | mounts | drive seconds (library) | drive seconds (closed form) | wall time |',
      '|---|--:|--:|--:|--:|--:|',
    ];
    for (const packed of [false, true]) {
      const barcodes = Array.from({ length: 4 }, (_, i) => `V${packed ? 'P' : 'U'}000${i}L8`);
      const lib = new VirtualLibrary({
        name: 'bench',
        root: path.join(root, packed ? 'packed' : 'unpacked'),
        generation: 'lto8',
        drives: 1,
        slots: 4,
        clock: 'simulated',
        cartridges: barcodes.map((barcode) => ({ barcode, generation: 'lto8', capacity })),
      });
      const started = performance.now();
      let drive = await lib.mount(barcodes[0]!);
      let next = 1;
      for (const source of Array.from({ length: packed ? files / perContainer : files }, () =>
        packed ? big : src,
      )) {
        try {
          await drive.writeFile(source);
        } catch (err) {
          if (!(err instanceof TapeError && err.kind === 'full')) throw err;
          await lib.unmount(drive);
          drive = await lib.mount(barcodes[next++]!);
          await drive.writeFile(source);
        }
      }
      await lib.unmount(drive);
      const wall = performance.now() - started;
      const sim = simulateWrite({
        files,
        size,
        packed,
        drive: 'lto8',
        containerSize: perContainer * size,
        capacity,
      });
      out.push(
        `| ${files} × ${decimal(size)}, ${packed ? 'packed' : 'unpacked'} | ${sim.tapeFiles} | ${lib.mounts()} | ${totalSeconds(lib.seconds()).toFixed(3)} | ${sim.driveSeconds.toFixed(3)} | ${(wall / 1000).toFixed(2)} s |`,
      );
    }
    return out;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  const fig = LTO.lto8;
  const lines = [
    '## Tape: a million small files, packed vs unpacked',
    '',
    `Simulated time with the virtual tape library's timing model (docs/TAPE.md): LTO-8 ${fig.rate / MB} MB/s and ` +
      `${fig.capacity / 1e12} TB native, LTO-9 ${LTO.lto9.rate / MB} MB/s and ${LTO.lto9.capacity / 1e12} TB; a synchronised ` +
      `tape mark ${MECHANICS.tapeMark} s, ${MECHANICS.perFile * 1000} ms per tape file, robot ${MECHANICS.robotMove} s each way, ` +
      `load ${fig.load} s, unload ${fig.unload} s, rewind before unload. Packed: ${formatBytes(CONTAINER)} containers, one ` +
      'tape mark each; unpacked: every file is a tape file closed by a tape mark. Streaming share = seconds moving ' +
      'data at the native rate ÷ all drive seconds, mounts included. The model is arithmetic, so the figures do not ' +
      `depend on the machine (${machine()}, shared with other work); only the wall times below do.`,
    '',
    `### ${FILES.toLocaleString('en')} files written once, from empty cartridges`,
    '',
    ...archiveTable(),
    '',
    'Unpacked, every file costs a 2 s tape mark, so drive time grows with the number of files and not with the ' +
      'bytes: a million files take about 23 drive-days whatever their size. Packed, a run of 1 TB still pays one ' +
      'mount (robot, load, rewind, unload: about two minutes) against 46 minutes of streaming, which keeps the share ' +
      'near 93 % (71 % for 100 GB); it rises above 95 % once runs fill cartridges, as below.',
    '',
    '### Container size (10 M files of 2 MB = 20 TB on LTO-8)',
    '',
    ...containerTable(),
    '',
    'Each 32 GiB container streams for 95 s and stops for 2 s at its tape mark; doubling the container halves the ' +
      'tape marks, with diminishing returns past 32 GiB.',
    '',
    '### Disks slower than the drive (20 TB packed on LTO-9)',
    '',
    ...feedTable(),
    '',
    `Down to the slowest speed-matching rate (${LTO.lto9.minRate / MB} MB/s for LTO-9) the drive slows down ` +
      'without stopping; below it the 1 GB buffer runs dry again and again and every refill costs a ' +
      `${MECHANICS.backhitch} s backhitch (shoe-shining). Packing only helps if the disks can feed the drive.`,
    '',
    '### Cross-check: the virtual library writing real tape files',
    '',
    ...(await virtualLibraryCheck()),
    '',
    'Cartridges of 60 MB, containers of 25 MB. The library (real files on disk, simulated clock) ' +
      'and the closed form agree to the millisecond; the wall time is what simulating costs on this machine.',
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await run());
