import fs from 'node:fs';
import path from 'node:path';
import { loadH5wasm } from '../../hdf5/h5wasm.ts';
import type { BatchClient } from './batch-helper.ts';
import { openContainer } from './container-reader.ts';
import { type BlobCheck, checkBlobRanges, loadChecksum, sharedCursor } from './blob-check.ts';
import {
  type ContainerContent,
  type WriteProgress,
  type WrittenContainer,
  writeContainerFile,
} from './container-writer.ts';
import { fsyncDir, fsyncFile } from './durable.ts';
import { PARTIAL_SUFFIX } from './format.ts';
import type { ScanProblem } from './scan.ts';
import { checkStructure } from './verify.ts';

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
 * Writes one container crash-safely: NAME.partial, fsync, re-open and verify it (index equal to what
 * was written; every byte of /blob equal to what was handed to HDF5, by xxh128 checksums of its
 * ranges), then rename to NAME and fsync the directory. A container under its final name is
 * therefore always complete and verified. The per-member sha256 in /index were computed from the
 * files' bytes as they were read; `archive verify` re-checks those.
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
  await verifyWritten(partialPath, job.name, written, helper);
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
 * With a helper thread, the helper starts reading /blob back at once while this thread reads and
 * compares the index; then both take the remaining ranges from a shared cursor, so the helper does
 * most of /blob and neither waits for the other.
 */
async function verifyWritten(
  file: string,
  name: string,
  written: WrittenContainer,
  helper: BatchClient | undefined,
): Promise<void> {
  const problems = coverageProblems(written.checks, written.blobBytes);
  const cursor = sharedCursor();
  const theirs = problems.length === 0 ? helper?.verify(file, written.checks, cursor) : undefined;
  // Awaited below; without this a failure while we read the index would be an unhandled rejection.
  theirs?.catch(() => {});
  // The index is compared byte for byte with what was written; its structure (order, safe paths,
  // sha256 format, byte ranges inside /blob) is checked on the rows written, which it then equals.
  const container = await openContainer(file, { index: false });
  try {
    problems.push(...container.compareIndex(written.rows));
    problems.push(...checkStructure({ ...container, rows: written.rows }));
    if (container.blobBytes !== written.blobBytes)
      problems.push(`/blob has ${container.blobBytes} bytes, ${written.blobBytes} were written`);
    if (problems.length === 0)
      problems.push(...checkBlobRanges(await loadChecksum(), container, written.checks, cursor));
    if (theirs) problems.push(...(await theirs));
    if (problems.length > 0) {
      throw new Error(`${name}: verification after writing failed: ${problems.slice(0, 5).join('; ')}`);
    }
  } finally {
    container.close();
  }
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
