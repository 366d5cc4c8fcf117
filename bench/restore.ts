// Restoring one file from a large container on tape: the recall scheduler reads only the member's
// byte ranges of the container's tape file. Reference measured in the same run: extracting the
// member from the container with HDF5 (whole 1 MiB chunks) and reading the whole tape file.
// Real data through the real workflow (ingest, pack, two tape copies, verify, release, recall) on
// the virtual tape library with its simulated clock. `npm run bench -- restore`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/open.ts';
import { importCatalogue } from '../src/catalogue/import/run.ts';
import { createNexusExtractor } from '../src/ingest/nexus/index.ts';
import { ingestDirectory } from '../src/ingest/run.ts';
import { addCartridges, saveLibrary, savePool } from '../src/archive/workflow/libraries.ts';
import { createTapeContext } from '../src/archive/workflow/context.ts';
import { advanceRun, requestArchive } from '../src/archive/workflow/runs.ts';
import { queueRecalls } from '../src/archive/workflow/recalls.ts';
import { runRecallBatch } from '../src/archive/workflow/scheduler.ts';
import { extractContainer } from '../src/archive/packing/extract.ts';
import { formatBytes } from '../src/archive/packing/size.ts';
import { totalSeconds } from '../src/archive/tape/timing.ts';
import { machine } from './util.ts';

const MiB = 1024 * 1024;
const FILES = 1500;
/** Member sizes restored, one file each. */
const PROBES: [string, number][] = [
  ['probe-4KiB.raw', 4 * 1024],
  ['probe-64KiB.raw', 64 * 1024],
  ['probe-3MiB.raw', 3 * MiB],
];

/** Reads counted on fs.readSync (HDF5 through h5wasm and the tape files both read through it). */
function countReads<T>(fn: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  let bytes = 0;
  const original = fs.readSync;
  (fs as { readSync: typeof fs.readSync }).readSync = ((...args: Parameters<typeof fs.readSync>) => {
    const n = (original as (...a: unknown[]) => number)(...args);
    bytes += n;
    return n;
  }) as typeof fs.readSync;
  return fn()
    .then((value) => ({ value, bytes }))
    .finally(() => ((fs as { readSync: typeof fs.readSync }).readSync = original));
}

export async function run(): Promise<string> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fb-bench-restore-')));
  const data = path.join(root, 'data');
  const dir = path.join(data, 'scan');
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < FILES; i++)
    fs.writeFileSync(
      path.join(dir, `f${String(i).padStart(5, '0')}.raw`),
      crypto.randomBytes(64 * 1024 + (i % 97) * 512),
    );
  for (const [name, size] of PROBES) fs.writeFileSync(path.join(dir, name), crypto.randomBytes(size));
  const config = loadConfig({
    FAIRBEAM_HOME: path.join(root, 'home'),
    FAIRBEAM_DATA_ROOTS: data,
    DATABASE_URL: '',
  });
  const database = await openDatabase(config, 'bench');
  const db = database.db;
  try {
    await importCatalogue(
      db,
      {
        facility: { name: 'TF' },
        instruments: [{ id: 'BL1', name: 'BL1' }],
        proposals: [
          {
            id: 'P1',
            sessions: [
              { id: 'S1', instrument: 'BL1', start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' },
            ],
          },
        ],
      },
      { doiPrefix: '10.5072', embargoYears: 3 },
    );
    const extractor = createNexusExtractor({ workers: 1 });
    const { pid } = await ingestDirectory(db, {
      dataset: { sessionId: 'S1', name: 'scan' },
      directory: dir,
      actor: 'bench',
      doiPrefix: '10.5072',
      extractor,
    });
    await extractor.close();
    await saveLibrary(db, {
      name: 'vtl',
      kind: 'virtual',
      root: path.join(root, 'vtl'),
      drives: 2,
      slots: 10,
      clock: 'simulated',
    });
    await savePool(db, 'A', 'vtl', 1);
    await savePool(db, 'B', 'vtl', 2);
    await addCartridges(db, 'A', ['A00001']);
    await addCartridges(db, 'B', ['B00001']);
    await db
      .updateTable('archive_policy')
      .set({ container_bytes: 1024 * MiB, large_file_bytes: 64 * MiB })
      .execute();
    const ctx = createTapeContext(db, { home: config.home, dataRoots: [data] });
    const archiveRun = await requestArchive(db, pid, { actor: 'bench', release: true });
    const t0 = performance.now();
    await advanceRun(ctx, archiveRun.id);
    const archiveMs = performance.now() - t0;
    const container = await db
      .selectFrom('tape_file')
      .select(['cartridge', 'tape_file', 'bytes'])
      .where('kind', '=', 'container')
      .where('copy', '=', 1)
      .executeTakeFirstOrThrow();
    const tapeFilePath = path.join(
      root,
      'vtl',
      'cartridges',
      container.cartridge,
      `${String(container.tape_file).padStart(8, '0')}.tf`,
    );
    const library = await ctx.libraries.get(db, 'vtl');

    const rows: string[] = [];
    for (const [name, size] of PROBES) {
      const f = await db
        .selectFrom('datafile')
        .select(['id', 'sha256'])
        .where('dataset_pid', '=', pid)
        .where('path', '=', name)
        .executeTakeFirstOrThrow();
      await queueRecalls(db, [f.id], { actor: 'bench' });
      const before = totalSeconds(library.seconds());
      const t = performance.now();
      const { value: batch, bytes: fsBytes } = await countReads(() => runRecallBatch(ctx));
      const ms = performance.now() - t;
      const driveSeconds = totalSeconds(library.seconds()) - before;
      if (batch.done !== 1) throw new Error(`restore of ${name} failed`);
      const restored = fs.readFileSync(path.join(dir, name));
      const ok = crypto.createHash('sha256').update(restored).digest('hex') === f.sha256;
      // Reference 1: HDF5 extraction of the same member from the same container (chunk reads).
      const out = path.join(root, `ref-${name}`);
      const { bytes: hdf5Bytes } = await countReads(() =>
        extractContainer(tapeFilePath, { to: out, paths: [name] }),
      );
      rows.push(
        `| ${formatBytes(size)} | ${formatBytes(batch.bytesRead)} | **${(batch.bytesRead / size).toFixed(3)}** | ${formatBytes(fsBytes)} | ${formatBytes(hdf5Bytes)} (${(hdf5Bytes / size).toFixed(1)}×) | ${formatBytes(Number(container.bytes))} (${(Number(container.bytes) / size).toFixed(0)}×) | ${driveSeconds.toFixed(1)} s | ${ms.toFixed(0)} ms | ${ok ? 'identical' : 'DIFFERENT'} |`,
      );
    }
    return [
      '## Restore: one member from a large container on tape',
      '',
      `${machine()}, shared with other work, so wall times are indicative only.`,
      `One dataset of ${FILES + PROBES.length} files (${formatBytes(Number(container.bytes))} container, archived with two verified copies and released in ${(archiveMs / 1000).toFixed(1)} s), then each probe file restored through the recall queue from the virtual library (LTO-8 timing model, simulated clock).`,
      '',
      '| member | bytes read from tape | read ÷ member | all bytes read by the process (tape + database) | reference: HDF5 extract from the container | reference: whole tape file | drive time (simulated) | wall time | sha256 |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      'The scheduler reads the byte ranges the catalogue recorded for the member inside the container file (found at archive time by matching the uncompressed /blob chunks in the file), so the tape delivers exactly the member: read ÷ member = 1.000 (target ≤ 1.1). HDF5 extraction reads whole 1 MiB chunks plus metadata; reading the whole tape file costs the container size. Drive time is dominated by mount, locate and unload, not by the bytes.',
    ].join('\n');
  } finally {
    await database.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
