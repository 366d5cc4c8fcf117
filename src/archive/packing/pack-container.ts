import fs from 'node:fs';
import path from 'node:path';
import { loadH5wasm } from '../../hdf5/h5wasm.ts';
import type { BatchClient } from './batch-helper.ts';
import { type Container, openContainer } from './container-reader.ts';
import { type ContainerContent, type WriteProgress, writeContainerFile } from './container-writer.ts';
import { fsyncDir, fsyncFile } from './durable.ts';
import { PARTIAL_SUFFIX, type IndexRow } from './format.ts';
import type { ScanProblem } from './scan.ts';
import { checkHashes, checkStructure } from './verify.ts';

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
 * Writes one container crash-safely: NAME.partial, fsync, re-open and verify index and every sha256
 * against what was written, then rename to NAME and fsync the directory. A container under its final
 * name is therefore always complete and verified.
 */
export async function packContainer(
  job: ContainerJob,
  onProgress: (progress: WriteProgress) => void = () => {},
  helper?: BatchClient,
): Promise<ContainerOutcome> {
  const h5 = await loadH5wasm();
  const finalPath = path.join(job.outDir, job.name);
  const partialPath = finalPath + PARTIAL_SUFFIX;
  fs.rmSync(partialPath, { force: true });
  const written = await writeContainerFile(h5, partialPath, job, onProgress, helper);
  fsyncFile(partialPath);
  await verifyWritten(partialPath, job.name, written.rows, helper);
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

async function verifyWritten(
  file: string,
  name: string,
  expected: IndexRow[],
  helper: BatchClient | undefined,
): Promise<void> {
  const container = await openContainer(file);
  try {
    const problems = checkStructure(container);
    if (container.rows.length !== expected.length) {
      problems.push(`index has ${container.rows.length} rows, ${expected.length} were written`);
    }
    container.rows.forEach((row, i) => {
      const want = expected[i];
      if (!want || row.path !== want.path || row.offset !== want.offset || row.sha256 !== want.sha256) {
        problems.push(`${row.path}: index row ${i} differs from what was written`);
      }
    });
    if (problems.length === 0) problems.push(...(await checkAllHashes(container, helper)));
    if (problems.length > 0) {
      throw new Error(`${name}: verification after writing failed: ${problems.slice(0, 5).join('; ')}`);
    }
  } finally {
    container.close();
  }
}

/** Re-hashes every member from /blob; with a helper thread, it hashes the first half of the bytes. */
async function checkAllHashes(container: Container, helper: BatchClient | undefined): Promise<string[]> {
  const files = container.rows.filter((r) => r.type === 'file').sort((a, b) => a.offset - b.offset);
  if (!helper) return checkHashes(container, files);
  const half = container.blobBytes / 2;
  let split = 0;
  while (split < files.length && files[split]!.offset + files[split]!.length <= half) split += 1;
  const theirs = helper.verify(container.file, files.slice(0, split));
  // Handled below; without this a failure while we hash would be an unhandled rejection meanwhile.
  theirs.catch(() => {});
  const ours = checkHashes(container, files.slice(split));
  return [...(await theirs), ...ours];
}
