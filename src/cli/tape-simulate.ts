import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_TARGET_SIZE } from '../archive/packing/format.ts';
import { formatBytes, parseSize } from '../archive/packing/size.ts';
import { type SimulationReport, simulateWrite } from '../archive/tape/simulate.ts';
import { isGeneration, type LtoGeneration } from '../archive/tape/timing.ts';
import { type CliContext, UsageError } from './context.ts';
import { printJson } from './db.ts';

interface SimulateFlags {
  files: number;
  size: number;
  packed?: boolean;
  unpacked?: boolean;
  drive: LtoGeneration;
  containerSize?: number;
  container?: number;
  feedRate?: number;
  json?: boolean;
}

/**
 * `fairbeam tape simulate`: the timing model's answer to "why pack small files", without a database
 * or a library. With neither --packed nor --unpacked it runs both; its JSON is then the packed report
 * with the unpacked one under `unpacked`.
 */
export function registerSimulateCommand(tape: Command, ctx: CliContext): void {
  tape
    .command('simulate')
    .description('Drive time, streaming share and mounts for writing N files of one size, packed and/or not')
    .requiredOption('--files <n>', 'number of files', count)
    .requiredOption('--size <size>', 'size of each file (e.g. 100KiB)', size)
    .option('--packed', 'only packed into containers')
    .option('--unpacked', 'only every file as its own tape file')
    .option('--drive <lto>', 'lto7, lto8 or lto9', generation, 'lto8')
    .option(
      '--container-size <size>',
      `target container size (default ${formatBytes(DEFAULT_TARGET_SIZE)})`,
      size,
    )
    .option('--container <size>', 'same as --container-size', size)
    .option('--feed-rate <size>', 'bytes per second the disks deliver (default: enough to stream)', size)
    .option('--json', 'print one JSON object')
    .action((opts: SimulateFlags) => {
      if (opts.packed && opts.unpacked) throw new UsageError('--packed and --unpacked exclude each other');
      const run = (packed: boolean) =>
        simulateWrite({
          files: opts.files,
          size: opts.size,
          packed,
          drive: opts.drive,
          containerSize: opts.containerSize ?? opts.container ?? DEFAULT_TARGET_SIZE,
          feedRate: opts.feedRate,
        });
      let reports: SimulationReport[];
      try {
        reports = opts.packed ? [run(true)] : opts.unpacked ? [run(false)] : [run(true), run(false)];
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
      const [first, second] = reports as [SimulationReport, SimulationReport?];
      if (opts.json) return void printJson(ctx.stdout, second ? { ...first, unpacked: second } : first);
      ctx.stdout.write(render(reports, opts.size));
    });
}

const hours = (s: number) => (s >= 36 ? `${(s / 3600).toFixed(2)} h` : `${s.toFixed(1)} s`);

function render(reports: SimulationReport[], size: number): string {
  const r0 = reports[0]!;
  const rows: [string, (r: SimulationReport) => string][] = [
    ['tape files', (r) => String(r.tapeFiles)],
    ['tape marks', (r) => String(r.tapeMarks)],
    ['mounts', (r) => String(r.mounts)],
    ['drive time', (r) => hours(r.driveSeconds)],
    ['  streaming', (r) => hours(r.seconds.streaming)],
    ['  tape marks', (r) => hours(r.seconds.tapeMark)],
    ['  per-file', (r) => hours(r.seconds.perFile)],
    ['  slow source', (r) => hours(r.seconds.underrun + r.seconds.reposition)],
    [
      '  robot, load, rewind',
      (r) => hours(r.seconds.robot + r.seconds.load + r.seconds.unload + r.seconds.locate),
    ],
    ['streaming share', (r) => `${(r.streamingShare * 100).toFixed(1)} %`],
  ];
  const header = ['', ...reports.map((r) => (r.packed ? 'packed' : 'unpacked'))];
  const table = [header, ...rows.map(([label, cell]) => [label, ...reports.map(cell)])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '),
  );
  const out = [
    `${r0.files} files of ${formatBytes(size)} (${formatBytes(r0.bytes)}) on ${r0.drive.toUpperCase()}`,
    '',
    ...lines,
  ];
  const [packed, unpacked] = reports;
  if (packed && unpacked && packed.driveSeconds > 0)
    out.push(
      '',
      `unpacked needs ${(unpacked.driveSeconds / packed.driveSeconds).toFixed(1)}× the drive time of packed`,
    );
  return `${out.join('\n')}\n`;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

function size(v: string): number {
  try {
    return parseSize(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function generation(v: string): LtoGeneration {
  if (!isGeneration(v)) throw new InvalidArgumentError(`expected lto7, lto8 or lto9, got "${v}"`);
  return v;
}
