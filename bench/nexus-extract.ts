// NeXus metadata extraction throughput over the shared fixtures, against a same-run reference:
// sha256 of the same files with node:crypto (what ingest does to every file anyway).
// `tsx bench/nexus-extract.ts` or `npm run bench -- nexus-extract`; BENCH_NEXUS_ROUNDS sets the passes.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createNexusExtractor } from '../src/ingest/nexus/index.ts';
import { machine, ms, percentile } from './util.ts';

const FIXTURES = '/work/shared/fixtures/nexus';
const ROUNDS = Number(process.env.BENCH_NEXUS_ROUNDS ?? 20);

interface Throughput {
  label: string;
  seconds: number;
  files: number;
  bytes: number;
}

const row = ({ label, seconds, files, bytes }: Throughput) =>
  `| ${label} | ${(files / seconds).toFixed(1)} | ${(bytes / seconds / 1e6).toFixed(1)} | ${ms((seconds * 1000) / files)} |`;

/** All rounds submitted at once, so every worker stays busy; returns wall time. */
async function extractAll(paths: string[], workers: number): Promise<{ startupMs: number; seconds: number }> {
  const extractor = createNexusExtractor({ workers });
  try {
    const start = performance.now();
    await Promise.all(paths.map((path) => extractor.extract(path))); // warm-up pass: starts the workers
    const startupMs = performance.now() - start;
    const timed = performance.now();
    const work = Array.from({ length: ROUNDS }, () => paths).flat();
    const results = await Promise.all(work.map((path) => extractor.extract(path)));
    const seconds = (performance.now() - timed) / 1000;
    const failed = results.filter((result) => !result.ok).length;
    if (failed > 0) throw new Error(`${failed} extractions failed during the benchmark`);
    return { startupMs, seconds };
  } finally {
    await extractor.close();
  }
}

function hashAll(paths: string[]): number {
  const start = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of paths) createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return (performance.now() - start) / 1000;
}

/** Median latency of each file alone, one worker, after warm-up. */
async function latencies(paths: string[]): Promise<string[]> {
  const extractor = createNexusExtractor({ workers: 1 });
  try {
    for (const path of paths) await extractor.extract(path);
    const lines: string[] = [];
    for (const path of paths) {
      const samples: number[] = [];
      let parameters = 0;
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        const result = await extractor.extract(path);
        samples.push(performance.now() - start);
        parameters = result.ok ? result.metadata.parameters.length : 0;
      }
      const kB = (statSync(path).size / 1024).toFixed(0);
      lines.push(`| ${path.split('/').pop()} | ${kB} | ${parameters} | ${ms(percentile(samples, 50))} |`);
    }
    return lines;
  } finally {
    await extractor.close();
  }
}

export async function run(): Promise<string> {
  const paths = readdirSync(FIXTURES).map((name) => join(FIXTURES, name));
  const bytesPerRound = paths.reduce((sum, path) => sum + statSync(path).size, 0);
  const files = paths.length * ROUNDS;
  const bytes = bytesPerRound * ROUNDS;
  const manyWorkers = Math.min(4, availableParallelism());

  const one = await extractAll(paths, 1);
  const many = await extractAll(paths, manyWorkers);
  const hashSeconds = hashAll(paths);
  const perFile = await latencies(paths);

  const rows: Throughput[] = [
    { label: 'extract metadata, 1 worker', seconds: one.seconds, files, bytes },
    { label: `extract metadata, ${manyWorkers} workers`, seconds: many.seconds, files, bytes },
    { label: 'sha256 (node:crypto, read whole file)', seconds: hashSeconds, files, bytes },
  ];
  return [
    '## NeXus metadata extraction',
    '',
    `${machine()}. ${paths.length} fixture files (${(bytesPerRound / 1e6).toFixed(2)} MB) × ${ROUNDS} rounds;`,
    'h5wasm in worker threads, SI conversion on the calling thread; sha256 is the same-run reference.',
    '',
    '| what | files/s | MB/s | ms/file |',
    '|---|---|---|---|',
    ...rows.map(row),
    '',
    `Extraction vs sha256: ${(hashSeconds / many.seconds).toFixed(2)}× the hashing rate with ${manyWorkers} workers ` +
      `(${(hashSeconds / one.seconds).toFixed(2)}× with 1). Worker start-up (first pass, incl. loading h5wasm): ` +
      `${ms(one.startupMs)} ms with 1 worker, ${ms(many.startupMs)} ms with ${manyWorkers}.`,
    '',
    '| fixture | kB | parameters | median ms (1 worker) |',
    '|---|---|---|---|',
    ...perFile,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run());
}
