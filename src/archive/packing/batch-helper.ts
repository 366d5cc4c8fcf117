import type { MessagePort } from 'node:worker_threads';
import { type BatchMember, type ReadBatch, readBatch } from './batch-reader.ts';
import type { AppendOutcome } from './member-reader.ts';
import { joinNul, splitNul } from './job-message.ts';
import { type BlobCheck, checkBlobRanges, checksum, loadChecksum } from './blob-check.ts';
import { openContainer } from './container-reader.ts';
import { type ColumnName, type IndexComparison, expectedStrings } from './index-compare.ts';

/**
 * String columns of /index for the helper to compare: each column's strings, each followed by a NUL,
 * as one string (see expectedStrings), for `count` rows; their slices are taken from `cursor`, shared
 * with the writer (see compareColumns), in the order of `columns`.
 */
export interface StringColumns {
  count: number;
  columns: [ColumnName, string][];
  cursor: Int32Array;
}

type HelperRequest =
  | {
      type: 'read';
      seq: number;
      root: string;
      members: BatchColumns;
      /** One Int32 per batch of the container, shared with the writer: 0 free, 1 writer, 2 helper. */
      claims: Int32Array;
      /** Whether the helper takes the batch's xxh128 (otherwise the writer does, when it appends it). */
      checksum: boolean;
    }
  | {
      type: 'verify';
      seq: number;
      file: string;
      checks: BlobCheck[];
      cursor?: Int32Array;
      strings?: StringColumns;
    }
  | { type: 'recycle'; buffer: ArrayBuffer };
type HelperReply =
  | { type: 'batch'; seq: number; batch: BatchMessage }
  | { type: 'skipped'; seq: number }
  | { type: 'verified'; seq: number; problems: string[]; differing: number[] }
  | { type: 'failed'; seq: number; message: string };

const CLAIM_FREE = 0;
const CLAIM_WRITER = 1;
const CLAIM_HELPER = 2;

/** The claims of a container's batches, shared between the writer and its helper thread. */
export function batchClaims(batches: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * Math.max(1, batches)));
}

/**
 * A second thread working for a container writer, so two cores share one container's work: it reads
 * the batches of small files (sha256 per member; xxh128 per batch when asked), and when the container
 * is verified compares the string columns of /index or checks part of /blob. A tree that fits one
 * container would otherwise use a single core.
 */
export function serveBatches(port: MessagePort): void {
  // Buffers of batches the writer has copied, given back: fresh ~5 MiB buffers cost page faults and GC.
  const spares: ArrayBuffer[] = [];
  port.on('message', (request: HelperRequest) => {
    if (request.type === 'recycle') return void (spares.length < 8 && spares.push(request.buffer));
    void serve(request, spares).then((reply) =>
      port.postMessage(reply, reply.type === 'batch' ? [reply.batch.bytes.buffer as ArrayBuffer] : []),
    );
  });
}

async function serve(
  request: Exclude<HelperRequest, { type: 'recycle' }>,
  spares: ArrayBuffer[],
): Promise<HelperReply> {
  const { seq } = request;
  try {
    const hasher = await loadChecksum();
    if (request.type === 'read') {
      // The writer took this batch itself meanwhile (it had nothing else to do): nothing to read.
      if (Atomics.compareExchange(request.claims, seq, CLAIM_FREE, CLAIM_HELPER) !== CLAIM_FREE)
        return { type: 'skipped', seq };
      const batch = readBatch(request.root, decodeBatchMembers(request.members), spares.pop());
      if (request.checksum) batch.xxh128 = checksum(hasher, batch.bytes);
      return { type: 'batch', seq, batch: encodeBatch(batch) };
    }
    const container = await openContainer(request.file, { index: false });
    try {
      const { strings } = request;
      const index: IndexComparison = strings
        ? container.compareColumns(
            strings.count,
            new Map(strings.columns.map(([name, joined]) => [name, expectedStrings(joined)])),
            strings.cursor,
          )
        : { problems: [], differing: [] };
      const blob = checkBlobRanges(hasher, container, request.checks, request.cursor);
      return { type: 'verified', seq, problems: [...index.problems, ...blob], differing: index.differing };
    } finally {
      container.close();
    }
  } catch (err) {
    return { type: 'failed', seq, message: String((err as Error)?.message ?? err) };
  }
}

/**
 * Asks the helper at the other end of `port` to read batch `seq` (see BatchClient.request): also
 * before the port goes to the writer, which then takes the reply (see runContainerJobs).
 */
export function requestBatch(
  port: MessagePort,
  seq: number,
  root: string,
  members: (BatchMember & { type: string })[],
  claims: Int32Array,
  checksum: boolean,
): void {
  port.postMessage({
    type: 'read',
    seq,
    root,
    members: encodeBatchMembers(members),
    claims,
    checksum,
  } satisfies HelperRequest);
}

/** The writer's side: ask for work ahead of need, take the results by sequence number. */
export class BatchClient {
  private readonly arrivedReplies = new Map<number, HelperReply>();
  private readonly waiting = new Map<
    number,
    { resolve: (reply: HelperReply) => void; reject: (e: Error) => void }
  >();
  /** Verify requests are numbered below zero, so they never meet a batch's sequence number. */
  private nextVerify = -1;
  private closed = false;

  constructor(private readonly port: MessagePort) {
    port.on('message', (reply: HelperReply) => {
      // A batch the writer claimed first: the writer read it and waits for nothing.
      if (reply.type === 'skipped' && !this.waiting.has(reply.seq)) return;
      const waiter = this.waiting.get(reply.seq);
      if (waiter) {
        this.waiting.delete(reply.seq);
        waiter.resolve(reply);
      } else {
        this.arrivedReplies.set(reply.seq, reply);
      }
    });
    port.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiting.values())
        waiter.reject(new Error('the helper thread of the container writer stopped'));
      this.waiting.clear();
    });
  }

  /** Asks for batch `seq` to be read; `checksum`: with its xxh128 (see ReadBatch). */
  request(
    seq: number,
    root: string,
    members: (BatchMember & { type: string })[],
    claims: Int32Array,
    checksum = true,
  ): void {
    requestBatch(this.port, seq, root, members, claims, checksum);
  }

  /** Whether the helper's reply for batch `seq` is here (take() will not wait). */
  arrived(seq: number): boolean {
    return this.arrivedReplies.has(seq);
  }

  /**
   * Work stealing: when a batch has not arrived, the writer takes it over if the helper has not
   * started it (the helper is behind), instead of waiting. True when the writer must read it itself.
   */
  claim(seq: number, claims: Int32Array): boolean {
    if (this.arrivedReplies.has(seq)) return false;
    return Atomics.compareExchange(claims, seq, CLAIM_FREE, CLAIM_WRITER) === CLAIM_FREE;
  }

  async take(seq: number): Promise<ReadBatch> {
    const reply = await this.reply(seq);
    if (reply.type !== 'batch')
      throw new Error(`the helper thread could not read a batch: ${describe(reply)}`);
    return decodeBatch(reply.batch);
  }

  /** Gives a batch's buffer back to the helper once its bytes are copied (the batch is unusable after). */
  recycle(batch: ReadBatch): void {
    const buffer = batch.bytes.buffer as ArrayBuffer;
    this.port.postMessage({ type: 'recycle', buffer } satisfies HelperRequest, [buffer]);
  }

  /**
   * Has the helper check a closed container file: first slices of `strings`, columns of /index (those
   * it takes before the writer does), then ranges of /blob (with `cursor`, likewise: see
   * checkBlobRanges). Resolves to the problems found and the rows of /index that differ.
   */
  async verify(
    file: string,
    checks: BlobCheck[],
    cursor?: Int32Array,
    strings?: StringColumns,
  ): Promise<IndexComparison> {
    const seq = this.nextVerify--;
    this.port.postMessage({ type: 'verify', seq, file, checks, cursor, strings } satisfies HelperRequest);
    const reply = await this.reply(seq);
    if (reply.type !== 'verified')
      throw new Error(`verification in the helper thread failed: ${describe(reply)}`);
    return { problems: reply.problems, differing: reply.differing };
  }

  close(): void {
    this.port.close();
  }

  private reply(seq: number): Promise<HelperReply> {
    const ready = this.arrivedReplies.get(seq);
    if (ready) {
      this.arrivedReplies.delete(seq);
      return Promise.resolve(ready);
    }
    if (this.closed) return Promise.reject(new Error('the helper thread of the container writer stopped'));
    return new Promise((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
  }
}

function describe(reply: HelperReply): string {
  return reply.type === 'failed' ? reply.message : `unexpected ${reply.type} reply`;
}

/*
 * Batches cross between the threads as columns, not as arrays of objects: structured clone of a
 * batch's ~2000 member and outcome objects (100k per container of small files) cost more CPU, and
 * GC, than reading the files' metadata did.
 */

/** A batch's members: paths joined by NUL (no file name holds one), size -1 for non-files. */
interface BatchColumns {
  paths: string;
  sizes: Float64Array;
}

/** A ReadBatch's outcomes: packed members as numbers and one string of hex digests, others as they are. */
interface BatchMessage {
  bytes: Uint8Array;
  xxh128?: string;
  /** Offset within `bytes` of each packed member, -1 for the others. */
  offsets: Float64Array;
  lengths: Float64Array;
  /** mtime of a file that changed since the scan, NaN when the scan's stands. */
  mtimes: Float64Array;
  /** 64 hex digits per packed member, in member order. */
  sha256: string;
  /** Outcomes of members neither packed nor without bytes (HDF5 files, problems), by member index. */
  others: [number, AppendOutcome][];
}

function encodeBatchMembers(members: (BatchMember & { type: string })[]): BatchColumns {
  const sizes = new Float64Array(members.length);
  members.forEach((m, i) => (sizes[i] = m.type === 'file' ? m.size : -1));
  return { paths: joinNul(members.map((m) => m.path)), sizes };
}

function decodeBatchMembers(columns: BatchColumns): (BatchMember & { type: string })[] {
  return splitNul(columns.paths, columns.sizes.length, 'paths').map((path, i) => {
    const size = columns.sizes[i]!;
    return size < 0 ? { path, size: 0, type: 'other' } : { path, size, type: 'file' };
  });
}

function encodeBatch(batch: ReadBatch): BatchMessage {
  const n = batch.outcomes.length;
  const message: BatchMessage = {
    bytes: batch.bytes,
    xxh128: batch.xxh128,
    offsets: new Float64Array(n).fill(-1),
    lengths: new Float64Array(n),
    mtimes: new Float64Array(n).fill(NaN),
    sha256: '',
    others: [],
  };
  const digests: string[] = [];
  batch.outcomes.forEach((outcome, i) => {
    if (outcome?.kind === 'packed') {
      message.offsets[i] = outcome.offset;
      message.lengths[i] = outcome.length;
      if (outcome.mtime !== undefined) message.mtimes[i] = outcome.mtime;
      digests.push(outcome.sha256);
    } else if (outcome) {
      message.others.push([i, outcome]);
    }
  });
  message.sha256 = digests.join('');
  return message;
}

function decodeBatch(message: BatchMessage): ReadBatch {
  const outcomes = new Array<AppendOutcome | null>(message.offsets.length).fill(null);
  let digest = 0;
  message.offsets.forEach((offset, i) => {
    if (offset < 0) return;
    const sha256 = message.sha256.slice(64 * digest, 64 * ++digest);
    const packed: AppendOutcome = { kind: 'packed', offset, length: message.lengths[i]!, sha256 };
    if (!Number.isNaN(message.mtimes[i])) packed.mtime = message.mtimes[i];
    outcomes[i] = packed;
  });
  for (const [i, outcome] of message.others) outcomes[i] = outcome;
  return { bytes: message.bytes, outcomes, xxh128: message.xxh128 };
}
