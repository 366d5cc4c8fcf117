import path from 'node:path';
import type { Db } from '../db/connect.ts';
import type { NexusExtractor } from './nexus/index.ts';
import { audit } from '../audit/log.ts';
import { scanDirectory, type FileProblem, type ScannedFile } from './scan.ts';
import { sha256File } from './hash.ts';
import { describeFsError } from './nexus/preflight.ts';
import { registeredFiles, upsertDatafiles, type FileRecord } from './register.ts';
import { ensureDataset, setDatasetRoot, summariseDataset, type DatasetSpec } from './dataset.ts';
import { nexusRecord } from './nexus-record.ts';

export interface IngestProgress {
  files: number;
  filesTotal: number;
  bytes: number;
  bytesTotal: number;
}

export interface IngestOptions {
  dataset: DatasetSpec;
  /** Real absolute path, already checked to lie under a data root. */
  directory: string;
  actor: string;
  doiPrefix: string;
  extractor: NexusExtractor;
  /** Files hashed at the same time. */
  concurrency?: number;
  /** Files per transaction. */
  batchSize?: number;
  onProgress?: (p: IngestProgress) => void;
  /** After each committed batch, with the number of files committed so far in this run. */
  onCommit?: (committed: number) => void;
}

export interface IngestSummary {
  pid: string;
  runId: number;
  /** Files of the directory now registered (new, changed and unchanged). */
  registered: number;
  bytes: number;
  changed: number;
  unchanged: number;
  errors: FileProblem[];
}

const NEXUS_EXTENSIONS = new Set(['.h5', '.hdf5', '.hdf', '.he5', '.nxs', '.nx5', '.nx', '.nexus', '.cxi']);
export const looksLikeNexus = (p: string) => NEXUS_EXTENSIONS.has(path.extname(p).toLowerCase());

/**
 * Registers every file under a directory as a dataset: stat, SHA-256, NeXus metadata, upserted in
 * batches. Unchanged files (same size and mtime as registered, with a checksum) are not read again.
 * Safe to kill at any point: each batch is one transaction and a re-run converges to the same rows.
 */
export async function ingestDirectory(db: Db, opts: IngestOptions): Promise<IngestSummary> {
  const pid = await ensureDataset(db, opts.dataset, opts.doiPrefix);
  await setDatasetRoot(db, pid, opts.directory);
  const run = await db
    .insertInto('ingest_run')
    .values({ dataset_pid: pid, directory: opts.directory, actor: opts.actor })
    .returning('id')
    .executeTakeFirstOrThrow();
  const known = await registeredFiles(db, pid);
  const { files, problems } = await scanDirectory(opts.directory);
  const errors: FileProblem[] = [...problems];
  const progress: IngestProgress = {
    files: 0,
    filesTotal: files.length,
    bytes: 0,
    bytesTotal: files.reduce((s, f) => s + f.size, 0),
  };
  let registered = 0;
  let bytes = 0;
  let changed = 0;
  let unchanged = 0;
  let committed = 0;
  let batch: FileRecord[] = [];
  let flushing: Promise<unknown> = Promise.resolve();
  const batchSize = opts.batchSize ?? 200;
  const flush = () => {
    const rows = batch;
    batch = [];
    // Batches commit one after the other; a failure surfaces at the next flush or at the end.
    flushing = flushing.then(async () => {
      if (rows.length === 0) return;
      await upsertDatafiles(db, pid, rows);
      committed += rows.length;
      opts.onCommit?.(committed);
    });
    return flushing;
  };
  const done = (f: ScannedFile) => {
    progress.files += 1;
    progress.bytes += f.size;
    opts.onProgress?.({ ...progress });
  };

  const processFile = async (f: ScannedFile) => {
    const before = known.get(f.path);
    if (before && before.sha256 && before.size === f.size && before.mtime?.getTime() === f.mtime.getTime()) {
      unchanged += 1;
      registered += 1;
      bytes += f.size;
      if (before.nexus_error)
        errors.push({ path: f.path, reason: `metadata not read: ${before.nexus_error}` });
      return done(f);
    }
    let sha256: string;
    let record: Pick<FileRecord, 'metadata' | 'parameters'> = { metadata: {}, parameters: [] };
    try {
      const [hashed, extracted] = await Promise.all([
        sha256File(f.absolute),
        looksLikeNexus(f.path) ? opts.extractor.extract(f.absolute) : Promise.resolve(undefined),
      ]);
      sha256 = hashed.sha256;
      if (extracted) record = nexusRecord(extracted);
    } catch (e) {
      errors.push({ path: f.path, reason: `cannot be read: ${describeFsError(e)}; not registered` });
      return done(f);
    }
    if (typeof record.metadata.nexusError === 'string')
      errors.push({ path: f.path, reason: `metadata not read: ${record.metadata.nexusError}` });
    batch.push({ path: f.path, size: f.size, sha256, mtime: f.mtime, ...record });
    changed += 1;
    registered += 1;
    bytes += f.size;
    if (batch.length >= batchSize) await flush();
    done(f);
  };

  let next = 0;
  const lanes = Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
    while (next < files.length) await processFile(files[next++]!);
  });
  try {
    await Promise.all(lanes);
    await flush();
    await summariseDataset(db, pid);
  } catch (e) {
    next = files.length; // the other lanes start no file and are waited for: nothing runs on after this
    await Promise.allSettled(lanes);
    await db
      .updateTable('ingest_run')
      .set({
        status: 'failed',
        finished_at: new Date(),
        errors: JSON.stringify([{ path: '.', reason: String(e) }]),
      })
      .where('id', '=', run.id)
      .execute();
    throw e;
  }
  errors.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await db
    .updateTable('ingest_run')
    .set({ status: 'done', finished_at: new Date(), registered, bytes, errors: JSON.stringify(errors) })
    .where('id', '=', run.id)
    .execute();
  await audit(db, {
    actor: opts.actor,
    action: 'dataset.ingest',
    target: pid,
    details: { directory: opts.directory, registered, changed, unchanged, bytes, errors: errors.length },
  });
  return { pid, runId: run.id, registered, bytes, changed, unchanged, errors };
}
