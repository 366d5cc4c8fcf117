import path from 'node:path';
import type { H5Api } from '../../hdf5/h5wasm.ts';
import { writeAttributes } from './attributes.ts';
import { BlobAppender } from './blob-appender.ts';
import { BackgroundWriteback } from './durable.ts';
import { BLOB_CHUNK_BYTES, type IndexRow, MiB, SLICE_BYTES } from './format.ts';
import { writeIndex } from './index-table.ts';
import { appendFile } from './member-reader.ts';
import type { ScanProblem, ScannedEntry } from './scan.ts';

/** HDF5 1.10 must read our containers (h5py on Debian 12 still links 1.10): cap the object versions. */
export const LIBVER_BOUNDS = ['earliest', 'v110'] as const;

export interface WriteProgress {
  files: number;
  bytes: number;
}

export interface WrittenContainer {
  rows: IndexRow[];
  blobBytes: number;
  /** Planned files found to be HDF5 while reading: they go to tape on their own. */
  hdf5Files: { path: string; size: number }[];
  problems: ScanProblem[];
}

export interface ContainerContent {
  root: string;
  members: ScannedEntry[];
  session: string;
  created: string;
  planDigest: string;
}

/** Writes one container file (the caller chooses the .partial name and makes it durable). */
export function writeContainerFile(
  h5: H5Api,
  file: string,
  content: ContainerContent,
  onProgress: (progress: WriteProgress) => void = () => {},
  sliceBytes = SLICE_BYTES,
): WrittenContainer {
  const h5file = new h5.File(file, 'w', { libver: [...LIBVER_BOUNDS] });
  const writeback = BackgroundWriteback.open(file, 64 * MiB);
  try {
    const blob = h5file.create_dataset({
      name: 'blob',
      data: new Uint8Array(0),
      shape: [0],
      maxshape: [null],
      chunks: [BLOB_CHUNK_BYTES],
      dtype: '<B',
    });
    let files = 0;
    const appender = new BlobAppender(blob, sliceBytes, (bytes) => {
      writeback.written(bytes);
      onProgress({ files, bytes });
    });
    const rows: IndexRow[] = [];
    const result: WrittenContainer = { rows, blobBytes: 0, hdf5Files: [], problems: [] };
    for (const member of content.members) {
      const { path: memberPath, type, mtime, mode, target } = member;
      const row: IndexRow = { path: memberPath, type, offset: 0, length: 0, mtime, mode, sha256: '', target };
      if (member.type === 'file') {
        const outcome = appendFile(appender, path.join(content.root, member.path), member.size);
        if (outcome.kind === 'hdf5') {
          result.hdf5Files.push({ path: member.path, size: outcome.size });
          continue;
        }
        if (outcome.kind === 'problem') {
          result.problems.push({ path: member.path, reason: outcome.reason });
          continue;
        }
        row.offset = outcome.offset;
        row.length = outcome.length;
        row.sha256 = outcome.sha256;
        if (outcome.mtime !== undefined) row.mtime = outcome.mtime;
        files += 1;
      }
      rows.push(row);
    }
    result.blobBytes = appender.finish();
    writeIndex(h5file, rows);
    writeAttributes(h5file, {
      session: content.session,
      created: content.created,
      memberCount: rows.length,
      planDigest: content.planDigest,
    });
    onProgress({ files, bytes: result.blobBytes });
    return result;
  } finally {
    h5file.close();
    writeback.close();
  }
}
