// Packing small files into HDF5 containers against GNU tar, in the same run on the same trees:
// (a) 100k files of 0.5–8 KiB, (b) 10k files of ~128 KiB. `tsx bench/packing.ts` or
// `npm run bench -- packing`. BENCH_PACKING_SCALE (default 1) shrinks the trees for a quick look.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packTree } from '../src/archive/packing/pack.ts';
import { prewarmWorkers } from '../src/archive/packing/pool.ts';
import { machine } from './util.ts';

const SCALE = Number(process.env.BENCH_PACKING_SCALE ?? 1);
const RUNS = Number(process.env.BENCH_PACKING_RUNS ?? 2);

interface Tree {
  label: string;
  files: number;
  size: (i: number) => number;
}

const TREES: Tree[] = [
  {
    label: '(a) 0.5–8 KiB files',
    files: Math.round(100_000 * SCALE),
    size: (i) => 512 + (hash(i) % (7.5 * 1024)),
  },
  {
    label: '(b) ~128 KiB files',
    files: Math.round(10_000 * SCALE),
    size: (i) => 120 * 1024 + (hash(i) % (16 * 1024)),
  },
];

interface Measured {
  seconds: number;
  outputBytes: number;
}

function hash(i: number): number {
  let x = (i + 1) * 2654435761;
  x ^= x >>> 15;
  return Math.abs(Math.imul(x, 2246822519)) >>> 0;
}

/** Incompressible-looking content, 1000 files per directory like a detector's frame folders. */
function makeTree(root: string, tree: Tree): number {
  const noise = Buffer.alloc(256 * 1024);
  for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE(hash(i), i);
  let total = 0;
  for (let i = 0; i < tree.files; i++) {
    const dir = path.join(root, `scan_${String(Math.floor(i / 1000)).padStart(4, '0')}`);
    if (i % 1000 === 0) fs.mkdirSync(dir, { recursive: true });
    const size = tree.size(i);
    const start = hash(i) % (noise.length - size);
    fs.writeFileSync(
      path.join(dir, `frame_${String(i).padStart(6, '0')}.raw`),
      noise.subarray(start, start + size),
    );
    total += size;
  }
  return total;
}

/** Flushes earlier writes so one tool's dirty pages do not slow the other's run. */
const settle = () => execFileSync('sync');

function runTar(root: string, out: string): Measured {
  settle();
  const start = performance.now();
  execFileSync('tar', ['-cf', out, '-C', path.dirname(root), path.basename(root)]);
  const seconds = (performance.now() - start) / 1000;
  const outputBytes = fs.statSync(out).size;
  fs.rmSync(out);
  return { seconds, outputBytes };
}

async function runFairbeam(root: string, outDir: string): Promise<Measured> {
  fs.rmSync(outDir, { recursive: true, force: true });
  settle();
  const start = performance.now();
  const result = await packTree({ root, outDir });
  const seconds = (performance.now() - start) / 1000;
  const outputBytes = result.containers.reduce((sum, c) => sum + fs.statSync(c.file).size, 0);
  fs.rmSync(outDir, { recursive: true, force: true });
  return { seconds, outputBytes };
}

const best = (runs: Measured[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const mibps = (bytes: number, seconds: number) => (bytes / seconds / 2 ** 20).toFixed(0);
const pct = (output: number, input: number) => `${(((output - input) / input) * 100).toFixed(1)} %`;

export async function run(): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-bench-packing-'));
  prewarmWorkers(1);
  const rows: string[] = [];
  const verdicts: string[] = [];
  try {
    for (const tree of TREES) {
      const root = path.join(work, 'tree');
      const bytes = makeTree(root, tree);
      const tar: Measured[] = [];
      const fairbeam: Measured[] = [];
      for (let i = 0; i < RUNS; i++) {
        tar.push(runTar(root, path.join(work, 'out.tar')));
        fairbeam.push(await runFairbeam(root, path.join(work, 'containers')));
      }
      const t = best(tar);
      const f = best(fairbeam);
      const ratio = f.seconds / t.seconds;
      rows.push(
        `| ${tree.label} | ${tree.files} | ${(bytes / 2 ** 20).toFixed(0)} MiB | GNU tar -cf | ${t.seconds.toFixed(2)} | ${mibps(bytes, t.seconds)} | ${pct(t.outputBytes, bytes)} | 1.00 |`,
        `| | | | fairbeam pack | ${f.seconds.toFixed(2)} | ${mibps(bytes, f.seconds)} | ${pct(f.outputBytes, bytes)} | **${ratio.toFixed(2)}** |`,
      );
      const timeOk = ratio <= 1.5;
      const sizeOk = (f.outputBytes - bytes) / bytes <= 0.05;
      verdicts.push(
        `- ${tree.label}: time ${ratio.toFixed(2)}× tar (goal ≤ 1.5×: ${timeOk ? 'met' : 'missed'})` +
          (tree === TREES[0]
            ? `, size overhead ${pct(f.outputBytes, bytes)} (goal ≤ 5 %: ${sizeOk ? 'met' : 'missed'})`
            : ''),
      );
      fs.rmSync(root, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const load = os.loadavg()[0]!.toFixed(1);
  return [
    '## Packing',
    '',
    `${machine()}, load average ${load} at the end of the run; best of ${RUNS} runs each, page cache warm,`,
    '`sync` before every run. fairbeam time is `packTree()` in-process (a warm worker thread; the CLI adds',
    '~1 s of tsx start-up) and includes what tar does not do: sha256 of every member, fsync, re-opening the',
    'container to verify index and every sha256, and the atomic rename.',
    '',
    '| tree | files | data | tool | seconds | MiB/s | size overhead | time vs tar |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...verdicts,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run());
}
