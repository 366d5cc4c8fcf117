import crypto from 'node:crypto';
import fs from 'node:fs';
import { bytesAreHdf5, fdIsHdf5 } from './hdf5-signature.ts';
import { describeError } from './scan.ts';

/** Where appended bytes go: the slice in front of /blob, or a batch buffer read by a helper thread. */
export interface ByteSink {
  readonly buffer: Buffer;
  fill: number;
  readonly free: number;
  /** Offset of the next byte appended. */
  readonly position: number;
  /** Makes room (not necessarily all of it): writes the slice out (BlobAppender) or grows the buffer. */
  flush(): void;
  rewind(position: number): void;
}

export type AppendOutcome =
  | { kind: 'packed'; offset: number; length: number; sha256: string; mtime?: number }
  | { kind: 'hdf5'; size: number }
  | { kind: 'problem'; reason: string };

/**
 * Appends one file's bytes to the blob, hashing as it goes. Small files are read straight into the
 * slice with one read of size+1 bytes, which also tells us (for free) whether the file grew since the
 * scan (see readSmall). HDF5 files are recognised from the bytes already read and left out.
 */
export function appendFile(appender: ByteSink, fullPath: string, plannedSize: number): AppendOutcome {
  let fd: number;
  try {
    fd = fs.openSync(fullPath, 'r');
  } catch (err) {
    return { kind: 'problem', reason: describeError(err) };
  }
  const start = appender.position;
  try {
    if (plannedSize < appender.buffer.length) {
      const outcome = appendSmall(appender, fd, plannedSize);
      if (outcome) return outcome;
      appender.rewind(start);
    }
    return appendStreaming(appender, fd);
  } catch (err) {
    appender.rewind(start);
    return { kind: 'problem', reason: describeError(err) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Returns null when the file grew past its planned size or does not fit the slice (the caller streams it). */
function appendSmall(appender: ByteSink, fd: number, plannedSize: number): AppendOutcome | null {
  if (appender.free < plannedSize + 1) appender.flush();
  // A flush may keep a partial chunk in the slice: a file that still does not fit is streamed.
  if (appender.free < plannedSize + 1) return null;
  const at = appender.fill;
  const length = readSmall(fd, appender.buffer, at, plannedSize);
  if (length > plannedSize) return null;
  const bytes = appender.buffer.subarray(at, at + length);
  if (bytesAreHdf5(bytes)) return { kind: 'hdf5', size: length };
  const offset = appender.position;
  appender.fill += length;
  const outcome: AppendOutcome = {
    kind: 'packed',
    offset,
    length,
    sha256: crypto.hash('sha256', bytes, 'hex'),
  };
  // A file that shrank since the scan was rewritten: record the mtime that goes with these bytes.
  if (length !== plannedSize) outcome.mtime = fs.fstatSync(fd).mtimeMs / 1000;
  return outcome;
}

function appendStreaming(appender: ByteSink, fd: number): AppendOutcome {
  const stat = fs.fstatSync(fd);
  if (fdIsHdf5(fd, stat.size)) return { kind: 'hdf5', size: stat.size };
  const hash = crypto.createHash('sha256');
  const offset = appender.position;
  let filePosition = 0;
  for (;;) {
    if (appender.free === 0) appender.flush();
    const n = fs.readSync(fd, appender.buffer, appender.fill, appender.free, filePosition);
    if (n === 0) break;
    hash.update(appender.buffer.subarray(appender.fill, appender.fill + n));
    appender.fill += n;
    filePosition += n;
  }
  return {
    kind: 'packed',
    offset,
    length: filePosition,
    sha256: hash.digest('hex'),
    mtime: stat.mtimeMs / 1000,
  };
}

/**
 * Reads a file of `plannedSize` bytes (at the scan) into `buffer` at `at`, asking for one byte more:
 * up to plannedSize + 1 bytes, fewer if the file ends sooner. A read of a regular file returns fewer
 * bytes than asked only at the file's end (or, on a few network and FUSE file systems, short reads),
 * so when the first read returns exactly `plannedSize` the file ended there: the read that would see
 * EOF is left out (one syscall less per file, 100k per container of small files). Any other short
 * read goes on reading until EOF. A file that grew since the scan therefore returns plannedSize + 1
 * and is streamed whole with its new mtime; one that shrank returns its new length. (On a file system
 * with short reads, a file that grew since the scan and whose first read stops exactly at its old
 * size is packed with its first plannedSize bytes, as GNU tar packs st_size bytes of a file that
 * grows while it reads it.)
 */
function readSmall(fd: number, buffer: Buffer, at: number, plannedSize: number): number {
  const wanted = plannedSize + 1;
  let total = fs.readSync(fd, buffer, at, wanted, 0);
  if (total === plannedSize) return total;
  while (total < wanted) {
    const n = fs.readSync(fd, buffer, at + total, wanted - total, total);
    if (n === 0) break;
    total += n;
  }
  return total;
}
