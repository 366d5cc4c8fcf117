import path from 'node:path';
import { MiB } from './format.ts';
import { type AppendOutcome, type ByteSink, appendFile } from './member-reader.ts';

/** Files at least this big are streamed by the container writer itself, never batched. */
export const BATCHED_FILE_LIMIT = 1 * MiB;
/**
 * Planned bytes per batch: big enough to amortise a message, small enough to keep both threads busy
 * and the batches in flight in the processor's caches. 4 MiB rather than 8: packs of bench tree (a)
 * −5 % wall and CPU, (b) −5 % wall (paired runs); 2 MiB helped (a) more but slowed (b) by 12 %.
 */
export const BATCH_BYTES = 4 * MiB;

export interface BatchMember {
  path: string;
  size: number;
}

/** Bytes of consecutive members read into one buffer; outcome offsets are relative to `bytes`. */
export interface ReadBatch {
  bytes: Uint8Array;
  outcomes: (AppendOutcome | null)[];
  /** xxh128 of `bytes`, when the reading thread computed it (see blob-check.ts). */
  xxh128?: string;
}

/**
 * Reads the files of a batch (null outcome for members without bytes), in any thread, into `spare`
 * (a buffer of an earlier batch given back) when it is large enough.
 */
export function readBatch(
  root: string,
  members: (BatchMember & { type: string })[],
  spare?: ArrayBuffer,
): ReadBatch {
  const sink = new GrowableSink(members.reduce((sum, m) => sum + m.size + 1, 0) + 1, spare);
  const prefix = memberPrefix(root);
  const outcomes = members.map((m) => (m.type === 'file' ? appendFile(sink, prefix + m.path, m.size) : null));
  return { bytes: sink.buffer.subarray(0, sink.fill), outcomes };
}

/**
 * What member paths are appended to for a full path: they come from our scan (relative, '/'-separated,
 * no '.' or '..'), so concatenation gives what path.join would, without normalising 100k strings.
 */
export function memberPrefix(root: string): string {
  return root.endsWith(path.sep) ? root : root + path.sep;
}

/** A ByteSink in memory that grows instead of flushing (only a file that grew since the scan needs it). */
class GrowableSink implements ByteSink {
  buffer: Buffer;
  fill = 0;

  constructor(capacity: number, spare?: ArrayBuffer) {
    // Sized so that any later batch fits and the buffer can be recycled.
    this.buffer =
      spare && spare.byteLength >= capacity
        ? Buffer.from(spare)
        : ownBuffer(Math.max(capacity, BATCH_BYTES + BATCHED_FILE_LIMIT + 64 * 1024));
  }

  get free(): number {
    return this.buffer.length - this.fill;
  }

  get position(): number {
    return this.fill;
  }

  flush(): void {
    const bigger = ownBuffer(Math.max(this.buffer.length * 2, this.buffer.length + MiB));
    this.buffer.copy(bigger, 0, 0, this.fill);
    this.buffer = bigger;
  }

  rewind(position: number): void {
    this.fill = position;
  }
}

/**
 * A buffer with an ArrayBuffer of its own (never Buffer's shared pool), so a batch can be transferred
 * between threads; allocUnsafeSlow because zero-filling a batch's buffer costs as much as reading it.
 */
function ownBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size);
}

export type Segment =
  { kind: 'batch'; seq: number; first: number; end: number } | { kind: 'large'; index: number };

/** Cuts the member list into batches of small files (read by either thread) and large files (streamed). */
export function segmentMembers(members: (BatchMember & { type: string })[]): Segment[] {
  const segments: Segment[] = [];
  let first = 0;
  let bytes = 0;
  let seq = 0;
  const close = (end: number) => {
    if (end > first) segments.push({ kind: 'batch', seq: seq++, first, end });
  };
  members.forEach((m, i) => {
    if (m.type === 'file' && m.size >= BATCHED_FILE_LIMIT) {
      close(i);
      segments.push({ kind: 'large', index: i });
      first = i + 1;
      bytes = 0;
      return;
    }
    bytes += m.size;
    if (bytes >= BATCH_BYTES) {
      close(i + 1);
      first = i + 1;
      bytes = 0;
    }
  });
  close(members.length);
  return segments;
}
