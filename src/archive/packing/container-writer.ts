import type { MessagePort } from 'node:worker_threads';
import type { H5Api } from '../../hdf5/h5wasm.ts';
import { writeAttributes } from './attributes.ts';
import { BlobAppender } from './blob-appender.ts';
import { type BlobCheck, loadChecksum } from './blob-check.ts';
import { BackgroundWriteback } from './durable.ts';
import { BLOB_CHUNK_BYTES, type IndexRow, MiB, WRITE_SLICE_BYTES } from './format.ts';
import { IndexWriter, type IndexSlicing } from './index-table.ts';
import { type AppendOutcome, appendFile } from './member-reader.ts';
import { type ReadBatch, type Segment, memberPrefix, readBatch, segmentMembers } from './batch-reader.ts';
import { type BatchClient, batchClaims, requestBatch } from './batch-helper.ts';
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
  /**
   * With `verifyBlob`: xxh128 checksums covering /blob, from the bytes handed to HDF5 (checked after
   * the fsync); otherwise empty.
   */
  checks: BlobCheck[];
}

export interface ContainerContent {
  root: string;
  members: ScannedEntry[];
  session: string;
  created: string;
  /** The plan's digest (see PlannedContainer), needed only once all members are written. */
  planDigest: string | Promise<string>;
  /** Internal: rows and string bytes per h5wasm call when writing /index (tests make it small). */
  indexSlicing?: IndexSlicing;
  /**
   * Also take xxh128 checksums of every byte handed to HDF5, so that the verification after the
   * fsync can read all of /blob back and compare (`pack --verify-blob`; see packContainer).
   */
  verifyBlob?: boolean;
  /** The batches the helper was already asked for, before the writer had the job (see headStart). */
  headStart?: HeadStart;
}

/** Batches [0, asked) of a container requested from its helper, and the claims they were given. */
export interface HeadStart {
  asked: number;
  claims: Int32Array;
}

/**
 * Asks the helper at the other end of `port` for the container's first batches while the job is on
 * its way to the writer (encoding it, decoding it and opening the file took ~40 ms of tree (a) in
 * which the helper had nothing to do); the writer asks for the rest.
 */
export function headStart(
  port: MessagePort,
  content: Pick<ContainerContent, 'root' | 'members' | 'verifyBlob'>,
): HeadStart {
  const batches = segmentMembers(content.members).filter(isBatch);
  const claims = batchClaims(batches.length);
  const asked = Math.min(batches.length, HELPER_READ_AHEAD);
  const send: SendRequest = (...request) => requestBatch(port, ...request);
  for (let seq = 0; seq < asked; seq++) askFor(send, content, batches[seq]!, seq, claims);
  return { asked, claims };
}

type Batch = Extract<Segment, { kind: 'batch' }>;
const isBatch = (segment: Segment): segment is Batch => segment.kind === 'batch';

/** BatchClient.request, or requestBatch on a port not yet handed to the writer. */
type SendRequest = (
  seq: number,
  root: string,
  members: ScannedEntry[],
  claims: Int32Array,
  checksum: boolean,
) => void;

/**
 * Asks the helper for batch `seq` of `content`, with its xxh128 when /blob is to be read back and the
 * batch is of small files (otherwise appender.append() takes it from the batch's bytes, if at all).
 */
function askFor(
  send: SendRequest,
  content: Pick<ContainerContent, 'root' | 'members' | 'verifyBlob'>,
  batch: Batch,
  seq: number,
  claims: Int32Array,
): void {
  const { root, members } = content;
  const checksum = content.verifyBlob === true && manySmallFiles(members, batch);
  send(seq, root, members.slice(batch.first, batch.end), claims, checksum);
}

function manySmallFiles(members: ScannedEntry[], batch: Batch): boolean {
  let bytes = 0;
  for (let i = batch.first; i < batch.end; i++) bytes += members[i]!.size;
  return bytes < SMALL_FILES_MAX_AVERAGE * (batch.end - batch.first);
}

/** Batches requested from the helper thread ahead of the one being written (~5 MiB each in memory). */
const HELPER_READ_AHEAD = 4;
/**
 * Batches whose files average less than this are "many small files", where the helper is the slower
 * thread (a few syscalls per file): it takes their xxh128 and the writer steals from it. On larger
 * files the helper's per-byte work (read, sha256, xxh128) outweighs the writer's (copy, HDF5's
 * write): the writer waited 0.5–0.8 s per container of bench tree (b) (~128 KiB files) for the
 * helper. There the writer takes the xxh128 when it appends the batch (tree (b): 2.49 → 1.94 s,
 * CPU 4.05 → 3.59 s, 8 paired runs), and does not steal (that was slower, measured again).
 */
const SMALL_FILES_MAX_AVERAGE = 64 * 1024;
/*
 * With a helper, it is asked to read (sha256 per member, xxh128 per batch of small files) every batch,
 * while the writer copies each batch into the slice, does HDF5's chunk writes, /index and part of the
 * verification. Which thread has more to do depends on the tree and on other load, so the two balance
 * by work stealing (an atomic flag per batch, shared with the helper, which skips a batch claimed by
 * the writer): when the next batch has not arrived and the helper has not started it, the writer
 * reads it straight into the slice; when the helper is reading it, the writer reads the last batch
 * asked for that the helper has not started into a buffer of its own (the helper works in order, so
 * it would otherwise always be busy with the very batch the writer waits for) and appends it in turn;
 * only batches of small files (see SMALL_FILES_MAX_AVERAGE).
 */

/**
 * Writes one container file (the caller chooses the .partial name and makes it durable). Small files
 * are read in batches; with a helper, batches are read by the helper thread in parallel.
 */
export async function writeContainerFile(
  h5: H5Api,
  file: string,
  content: ContainerContent,
  onProgress: (progress: WriteProgress) => void = () => {},
  helper?: BatchClient,
  sliceBytes = WRITE_SLICE_BYTES,
): Promise<WrittenContainer> {
  const hasher = content.verifyBlob ? await loadChecksum() : undefined;
  const h5file = new h5.File(file, 'w', { libver: [...LIBVER_BOUNDS] });
  const writeback = BackgroundWriteback.open(file, 64 * MiB);
  // Its slice is in the wasm heap, which outlives this container (the worker writes the next one).
  let slice: BlobAppender | undefined;
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
    const appender = new BlobAppender(
      blob,
      sliceBytes,
      (bytes) => {
        writeback.written(bytes);
        onProgress({ files, bytes });
      },
      hasher,
    );
    slice = appender;
    const rows: IndexRow[] = [];
    const result: WrittenContainer = {
      rows,
      blobBytes: 0,
      hdf5Files: [],
      problems: [],
      checks: appender.checks,
    };
    const record = (member: ScannedEntry, outcome: AppendOutcome | null, base: number) => {
      const { path: memberPath, type, mtime, mode, target } = member;
      if (outcome?.kind === 'hdf5')
        return void result.hdf5Files.push({ path: member.path, size: outcome.size });
      if (outcome?.kind === 'problem')
        return void result.problems.push({ path: member.path, reason: outcome.reason });
      if (outcome?.kind !== 'packed') {
        rows.push({ path: memberPath, type, offset: 0, length: 0, mtime, mode, sha256: '', target });
        return;
      }
      // One object of one shape per row, built once (100k rows per container of small files).
      rows.push({
        path: memberPath,
        type,
        offset: base + outcome.offset,
        length: outcome.length,
        mtime: outcome.mtime ?? mtime,
        mode,
        sha256: outcome.sha256,
        target,
      });
      files += 1;
    };
    const prefix = memberPrefix(content.root);
    // /index is written as rows come in, while the helper still reads: not all of it at the end.
    const index = new IndexWriter(h5file, content.members.length, content.indexSlicing);
    const writeIndexRows = () => {
      if (rows.length - index.written >= index.batchRows) index.write(rows, rows.length);
    };

    const segments = segmentMembers(content.members);
    const batches = segments.filter(isBatch);
    const early = helper ? content.headStart : undefined;
    if (early && early.claims.length !== Math.max(1, batches.length))
      throw new Error(`internal: ${early.claims.length} claims for ${batches.length} batches`);
    const claims = early?.claims ?? batchClaims(batches.length);
    const smallFiles = (batch: Batch) => manySmallFiles(content.members, batch);
    let asked = early?.asked ?? 0;
    // Batches this thread took from the far end of what the helper was asked for, by sequence number.
    const stolen = new Map<number, ReadBatch>();
    // The helper is kept HELPER_READ_AHEAD batches ahead not counting those taken from it: the writer
    // takes batches from the far end, and with a fixed window the helper ran dry (idle 0.15–0.25 s
    // per container of bench tree (a) while the writer read its batches).
    let stolenAhead = 0;
    const send: SendRequest | undefined = helper && ((...request) => helper.request(...request));
    const askAhead = (seq: number) => {
      const upTo = Math.min(batches.length, seq + HELPER_READ_AHEAD + stolenAhead);
      for (; asked < upTo; asked++) if (send) askFor(send, content, batches[asked]!, asked, claims);
    };
    askAhead(0);
    // Their buffers, reused: a fresh ~5 MiB buffer per batch costs page faults and, being external
    // memory, extra full GCs.
    const spares: ArrayBuffer[] = [];
    const stealLater = (client: BatchClient, waitingFor: number): boolean => {
      for (let seq = asked - 1; seq > waitingFor; seq--) {
        const batch = batches[seq]!;
        if (!smallFiles(batch) || stolen.has(seq) || !client.claim(seq, claims)) continue;
        stolenAhead += 1;
        askAhead(waitingFor + 1);
        stolen.set(seq, readBatch(content.root, content.members.slice(batch.first, batch.end), spares.pop()));
        return true;
      }
      return false;
    };

    for (const segment of segments) {
      if (segment.kind === 'large') {
        const member = content.members[segment.index]!;
        record(member, appendFile(appender, prefix + member.path, member.size), 0);
        writeIndexRows();
        continue;
      }
      const members = content.members.slice(segment.first, segment.end);
      askAhead(segment.seq + 1);
      const appendBatch = (batch: ReadBatch) => {
        const base = appender.position;
        appender.append(batch.bytes, batch.xxh128);
        members.forEach((member, i) => record(member, batch.outcomes[i] ?? null, base));
      };
      const own = stolen.get(segment.seq);
      if (own) {
        stolen.delete(segment.seq);
        stolenAhead -= 1;
        appendBatch(own);
        spares.push(own.bytes.buffer as ArrayBuffer);
      } else if (helper && !helper.claim(segment.seq, claims)) {
        // The helper has started this batch. Until it arrives, read a later one it has not started.
        while (!helper.arrived(segment.seq) && stealLater(helper, segment.seq))
          await new Promise((resolve) => setImmediate(resolve));
        const batch = await helper.take(segment.seq);
        appendBatch(batch);
        helper.recycle(batch);
      } else {
        // No helper, or it is behind and had not started this batch: read straight into the slice.
        for (const member of members) {
          const full = prefix + member.path;
          record(member, member.type === 'file' ? appendFile(appender, full, member.size) : null, 0);
        }
      }
      writeIndexRows();
    }
    result.blobBytes = appender.finish();
    index.write(rows, rows.length);
    writeAttributes(h5file, {
      session: content.session,
      created: content.created,
      memberCount: rows.length,
      planDigest: await content.planDigest,
    });
    onProgress({ files, bytes: result.blobBytes });
    return result;
  } finally {
    slice?.close();
    h5file.close();
    writeback.close();
  }
}
