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
import { fsyncDir, fsyncFileInBackground } from './durable.ts';
import { type IndexRow, PARTIAL_SUFFIX } from './format.ts';
import type { ScanProblem } from './scan.ts';
import { checkAttributes, checkHashes, checkRows } from './verify.ts';
import { COLUMNS, nulJoined } from './index-table.ts';
import { type ColumnName, STRING_COLUMNS, describeComparison, expectedColumns } from './index-compare.ts';

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
  // The fsync runs on libuv's thread pool while this thread prepares the helper's share of the check.
  const synced = fsyncFileInBackground(partialPath);
  synced.catch(() => {}); // awaited in verifyWritten; not unhandled if the checks there fail first
  await verifyWritten(partialPath, job.name, written, job.verifyBlob === true, helper, async () => {
    await synced;
    beforeVerify?.(partialPath);
  });
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
 * The check before the rename, once the file is durable (`flushed` resolves then; this thread
 * prepares the helper's share meanwhile). The rows written are checked (order, safe paths, a
 * 64-character sha256 per file, byte ranges inside /blob), and /index read back must equal them byte
 * for byte. With a helper, two threads share the read-back: the helper compares slices of the string
 * columns of /index (paths and symlink targets, the costliest: HDF5 allocates every variable-length
 * string) and, with `verifyBlob`, reads ranges of /blob back; this thread checks the rows and
 * compares the other columns, then takes string slices and /blob ranges too, each from a cursor
 * shared with the helper, so that both threads finish together.
 */
async function verifyWritten(
  file: string,
  name: string,
  written: WrittenContainer,
  verifyBlob: boolean,
  helper: BatchClient | undefined,
  flushed: () => Promise<void>,
): Promise<void> {
  const { rows } = written;
  const refuse = (problems: string[]) => {
    throw new Error(`${name}: verification after writing failed: ${problems.slice(0, 5).join('; ')}`);
  };
  const problems = verifyBlob ? coverageProblems(written.checks, written.blobBytes) : [];
  if (problems.length > 0) refuse(problems);
  const strings = helper ? stringColumns(rows) : undefined;
  await flushed();
  const cursor = sharedCursor();
  const theirs = helper?.verify(file, verifyBlob ? written.checks : [], cursor, strings);
  // Awaited below; without this a failure while we read the index would be an unhandled rejection.
  theirs?.catch(() => {});
  // The rows written, which /index read back must equal byte for byte (while the helper reads).
  problems.push(...checkRows(rows, written.blobBytes, { digests: 'length' }));
  const container = await openContainer(file, { index: false });
  try {
    const fixed = COLUMNS.filter((column) => !STRING_COLUMNS.includes(column));
    const mine = [
      container.compareColumns(rows.length, expectedColumns(rows, fixed)),
      container.compareColumns(rows.length, expectedColumns(rows, STRING_COLUMNS), strings?.cursor),
    ];
    problems.push(...checkAttributes(container.attributes, rows.length));
    if (container.blobBytes !== written.blobBytes)
      problems.push(`/blob has ${container.blobBytes} bytes, ${written.blobBytes} were written`);
    const indexSame =
      problems.length === 0 && mine.every((c) => c.problems.length + c.differing.length === 0);
    // This thread's share of the read-back, before it waits for the helper's.
    if (verifyBlob && indexSame)
      problems.push(...checkBlobRanges(await loadChecksum(), container, written.checks, cursor));
    const theirComparison = theirs ? await theirs : { problems: [], differing: [] };
    problems.push(...describeComparison(rows, [...mine, theirComparison]));
    if (!verifyBlob && problems.length === 0) problems.push(...checkHashes(container, blobEnds(rows)));
    if (problems.length > 0) refuse(problems);
  } finally {
    container.close();
  }
}

/** The string columns of `rows` as the helper thread takes them (see expectedStrings). */
function stringColumns(rows: IndexRow[]): StringColumns {
  const joined = (column: ColumnName) => nulJoined((i) => rows[i]![column] as string, 0, rows.length);
  return {
    count: rows.length,
    columns: STRING_COLUMNS.map((column) => [column, joined(column)]),
    cursor: sharedCursor(),
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
