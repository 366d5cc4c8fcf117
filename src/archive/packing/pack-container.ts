import fs from 'node:fs';
import path from 'node:path';
import { loadH5wasm } from '../../hdf5/h5wasm.ts';
import type { BatchClient, StringColumns } from './batch-helper.ts';
import { openContainer } from './container-reader.ts';
import { type BlobCheck, checkBlobRanges, loadChecksum, sharedCursor } from './blob-check.ts';
import {
  type ContainerContent,
  type WriteProgress,
  type WrittenContainer,
  writeContainerFile,
} from './container-writer.ts';
import { fsyncDir, fsyncFile } from './durable.ts';
import { type IndexRow, PARTIAL_SUFFIX } from './format.ts';
import type { ScanProblem } from './scan.ts';
import { checkHashes, checkStructure } from './verify.ts';
import { COLUMNS, nulJoined } from './index-table.ts';
import { STRING_COLUMNS, describeComparison, expectedColumns } from './index-read.ts';

export interface ContainerJob extends ContainerContent {
  outDir: string;
  name: string;
}

export interface ContainerOutcome {
  name: string;
  file: string;
  members: number;
  files: number;
  bytes: number;
  hdf5Files: { path: string; size: number }[];
  problems: ScanProblem[];
}

/**
 * Writes one container crash-safely: NAME.partial, fsync, re-open and verify it, then rename to NAME
 * and fsync the directory. A container under its final name is therefore always complete and
 * verified. The verification (the spec's "verify the index") re-reads /index and compares it byte for
 * byte with what was written, checks its structure (order, safe paths, a sha256 per file, every
 * member's bytes inside /blob) and the size of /blob, and reads back the members at both ends of /blob
 * against their sha256. With `verifyBlob` it also reads all of /blob back and
 * compares xxh128 checksums of its ranges with those of the bytes handed to HDF5. The per-member
 * sha256 in /index were computed from the files' bytes as they were read; `archive verify` re-checks
 * those, and the tape workflow reads every tape copy back against the container's sha256.
 */
export async function packContainer(
  job: ContainerJob,
  onProgress: (progress: WriteProgress) => void = () => {},
  helper?: BatchClient,
  /** Tests only: runs between the fsync and the verification (to damage the .partial file). */
  beforeVerify?: (partialPath: string) => void,
): Promise<ContainerOutcome> {
  const h5 = await loadH5wasm();
  const finalPath = path.join(job.outDir, job.name);
  const partialPath = finalPath + PARTIAL_SUFFIX;
  fs.rmSync(partialPath, { force: true });
  const written = await writeContainerFile(h5, partialPath, job, onProgress, helper);
  fsyncFile(partialPath);
  beforeVerify?.(partialPath);
  await verifyWritten(partialPath, job.name, written, job.verifyBlob === true, helper);
  fs.renameSync(partialPath, finalPath);
  fsyncDir(job.outDir);
  const files = written.rows.filter((r) => r.type === 'file').length;
  return {
    name: job.name,
    file: finalPath,
    members: written.rows.length,
    files,
    bytes: written.blobBytes,
    hdf5Files: written.hdf5Files,
    problems: written.problems,
  };
}

/**
 * Two threads share the verification when there is a helper: with `verifyBlob` the helper starts
 * reading /blob back at once while this thread compares the index, then both take the remaining
 * ranges from a shared cursor; without, the helper compares the string columns of /index (paths and
 * symlink targets, more than half of the work) while this thread compares the others.
 */
async function verifyWritten(
  file: string,
  name: string,
  written: WrittenContainer,
  verifyBlob: boolean,
  helper: BatchClient | undefined,
): Promise<void> {
  const { rows } = written;
  const problems = verifyBlob ? coverageProblems(written.checks, written.blobBytes) : [];
  const cursor = sharedCursor();
  const stringsThere = helper !== undefined && !verifyBlob;
  const strings = stringsThere ? stringColumns(rows) : undefined;
  const theirs =
    helper && problems.length === 0
      ? helper.verify(file, verifyBlob ? written.checks : [], cursor, strings)
      : undefined;
  // Awaited below; without this a failure while we read the index would be an unhandled rejection.
  theirs?.catch(() => {});
  // The index is compared byte for byte with what was written; its structure (order, safe paths,
  // a 64-character sha256 per file, byte ranges inside /blob) is checked on the rows written, which
  // it then equals.
  const container = await openContainer(file, { index: false });
  try {
    const here = COLUMNS.filter((column) => !stringsThere || !STRING_COLUMNS.includes(column));
    const mine = container.compareColumns(rows.length, expectedColumns(rows, here));
    problems.push(...checkStructure({ ...container, rows }, { digests: 'length' }));
    if (container.blobBytes !== written.blobBytes)
      problems.push(`/blob has ${container.blobBytes} bytes, ${written.blobBytes} were written`);
    const indexSame = problems.length === 0 && mine.problems.length === 0 && mine.differing.length === 0;
    // This thread's share of the read-back, before it waits for the helper's.
    if (verifyBlob && indexSame)
      problems.push(...checkBlobRanges(await loadChecksum(), container, written.checks, cursor));
    const theirComparison = theirs ? await theirs : { problems: [], differing: [] };
    problems.push(...describeComparison(rows, [mine, theirComparison]));
    if (!verifyBlob && problems.length === 0) problems.push(...checkHashes(container, blobEnds(rows)));
    if (problems.length > 0) {
      throw new Error(`${name}: verification after writing failed: ${problems.slice(0, 5).join('; ')}`);
    }
  } finally {
    container.close();
  }
}

/** The string columns of `rows` as the helper thread takes them (see expectedStrings). */
function stringColumns(rows: IndexRow[]): StringColumns {
  return {
    count: rows.length,
    columns: {
      path: nulJoined((i) => rows[i]!.path, 0, rows.length),
      target: nulJoined((i) => rows[i]!.target, 0, rows.length),
    },
  };
}

/**
 * The members holding the first and the last bytes of /blob: their sha256 is checked even without
 * `verifyBlob`, so a /blob that HDF5 left short or unflushed at either end is refused (cheap: two
 * members read back).
 */
function blobEnds(rows: IndexRow[]): IndexRow[] {
  let first: IndexRow | undefined;
  let last: IndexRow | undefined;
  for (const row of rows) {
    if (row.type !== 'file' || row.length === 0) continue;
    if (!first || row.offset < first.offset) first = row;
    if (!last || row.offset + row.length > last.offset + last.length) last = row;
  }
  return [...new Set([first, last])].filter((row) => row !== undefined);
}

/** The checks must cover /blob exactly, in order: a gap would be bytes nobody verified. */
function coverageProblems(checks: BlobCheck[], blobBytes: number): string[] {
  let end = 0;
  for (const check of checks) {
    if (check.offset !== end) return [`internal: /blob checks jump from ${end} to ${check.offset}`];
    end += check.length;
  }
  return end === blobBytes ? [] : [`internal: /blob checks cover ${end} of ${blobBytes} bytes`];
}
