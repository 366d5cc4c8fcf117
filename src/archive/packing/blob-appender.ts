import * as h5wasm from 'h5wasm/node';
import type { Dataset } from 'h5wasm';
import type { IHasher } from 'hash-wasm';
import { type H5wasmHeap, heapOf, heapSlab } from '../../hdf5/h5wasm.ts';
import { type BlobCheck, checksum } from './blob-check.ts';
import { WRITE_SLICE_BYTES } from './format.ts';
import type { ByteSink } from './member-reader.ts';

/**
 * Collects member bytes in one large slice and writes it to /blob with a single hyperslab write per
 * slice; /blob grows with each write, so its final length is whatever was appended. The slice lives
 * in the wasm heap, so HDF5 writes it where the bytes were read or copied to (a slice in JavaScript
 * memory was copied into the heap once more per write). Call close() to free it.
 *
 * With a hasher it also records `checks`: xxh128 checksums covering every byte of /blob, taken from
 * the bytes handed to HDF5 (a helper thread's batch arrives with its checksum; bytes read straight
 * into the slice are checksummed when the slice is written).
 */
export class BlobAppender implements ByteSink {
  private readonly heap: H5wasmHeap = heapOf(h5wasm);
  private readonly sliceBytes: number;
  /** /blob's chunk size: writes end on a chunk boundary (see flush). */
  private readonly chunkBytes: number;
  /** The slice's address in the wasm heap (0 once closed). */
  private pointer: number;
  private view: Buffer;
  /** Bytes of /blob already written. */
  private written = 0;
  /** Bytes of `buffer` in use. */
  fill = 0;
  readonly checks: BlobCheck[] = [];
  /** /blob bytes before this offset are covered by `checks` (never below `written`). */
  private covered = 0;

  constructor(
    private readonly blob: Dataset,
    sliceBytes = WRITE_SLICE_BYTES,
    private readonly onFlush: (blobBytes: number) => void = () => {},
    private readonly hasher?: IHasher,
  ) {
    this.sliceBytes = sliceBytes;
    this.chunkBytes = (blob.metadata as { chunks?: number[] | null }).chunks?.[0] ?? 1;
    this.pointer = this.heap._malloc(sliceBytes);
    if (!this.pointer) throw new Error(`could not allocate ${sliceBytes} bytes in the wasm heap`);
    this.view = this.heapView();
  }

  /**
   * The slice. HDF5 calls may grow the wasm heap, which replaces its ArrayBuffer (old views read as
   * empty), so the view is taken again after such a call.
   */
  get buffer(): Buffer {
    if (this.view.buffer !== this.heap.HEAPU8.buffer) this.view = this.heapView();
    return this.view;
  }

  /** Frees the slice in the wasm heap (the worker thread writes more containers with the same heap). */
  close(): void {
    if (this.pointer) this.heap._free(this.pointer);
    this.pointer = 0;
  }

  private heapView(): Buffer {
    return Buffer.from(this.heap.HEAPU8.buffer, this.pointer, this.sliceBytes);
  }

  /** Offset in /blob of the next byte appended. */
  get position(): number {
    return this.written + this.fill;
  }

  get free(): number {
    return this.sliceBytes - this.fill;
  }

  /**
   * Makes room by writing the slice to /blob: whole chunks only (the partial chunk at its end moves
   * to the front of the slice and goes out with the next write), unless `all`; nothing while the
   * slice holds no whole chunk and still has room. h5wasm opens and closes /blob for every call,
   * which flushes HDF5's chunk cache: a partial chunk written at the end of one call was read back
   * and written again by the next (bench tree (b): ~80 MB more written and read per 1.3 GB).
   */
  flush(all = false): void {
    if (this.fill === 0) return;
    this.coverBuffered();
    const end = this.written + this.fill;
    let upTo = all ? end : end - (end % this.chunkBytes);
    if (upTo <= this.written) {
      // Not one whole chunk to write: leave the room there is (a file that needs more is streamed),
      // unless there is none (a slice smaller than a chunk, in tests).
      if (this.free > 0) return;
      upTo = end;
    }
    this.blob.resize([upTo]);
    heapSlab(this.heap, 'set', this.blob, this.written, upTo - this.written, this.pointer);
    const kept = end - upTo;
    // HEAPU8 read after the write: the heap may have grown (and been replaced) meanwhile.
    if (kept > 0)
      this.heap.HEAPU8.copyWithin(
        this.pointer,
        this.pointer + (upTo - this.written),
        this.pointer + this.fill,
      );
    this.written = upTo;
    this.fill = kept;
    this.onFlush(upTo);
  }

  /**
   * Copies bytes read elsewhere (a helper thread's batch) into the slice; `xxh128` is their checksum,
   * computed by the thread that read them.
   */
  append(bytes: Uint8Array, xxh128?: string): void {
    if (this.hasher) {
      this.coverBuffered();
      this.checks.push({
        offset: this.position,
        length: bytes.length,
        xxh128: xxh128 ?? checksum(this.hasher, bytes),
      });
      this.covered = this.position + bytes.length;
    }
    for (let at = 0; at < bytes.length;) {
      if (this.free === 0) this.flush();
      const n = Math.min(this.free, bytes.length - at);
      this.buffer.set(bytes.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
    }
  }

  /** Forgets everything appended from `position` on (a member that failed half-way). */
  rewind(position: number): void {
    if (this.hasher && position < this.covered) this.uncover(position);
    if (position >= this.written) {
      this.fill = position - this.written;
    } else {
      // Already on disk: the next flush overwrites it and finish() trims /blob to the real end.
      this.written = position;
      this.fill = 0;
    }
  }

  /** Writes what is left and trims /blob to the bytes really appended. */
  finish(): number {
    this.flush(true);
    this.blob.resize([this.written]);
    return this.written;
  }

  /** Checksums the slice's bytes not yet covered (read straight into the slice by this thread). */
  private coverBuffered(): void {
    const end = this.position;
    if (!this.hasher || this.covered >= end) return;
    const from = this.covered - this.written;
    this.checks.push({
      offset: this.covered,
      length: end - this.covered,
      xxh128: checksum(this.hasher, this.buffer.subarray(from, this.fill)),
    });
    this.covered = end;
  }

  /**
   * Drops the checks of bytes from `position` on. A check that began before it is redone for the bytes
   * it keeps: from the slice, or (rare: a large file failing after part of it was flushed) read back
   * from /blob.
   */
  private uncover(position: number): void {
    while (this.checks.length > 0 && this.checks.at(-1)!.offset >= position) this.checks.pop();
    const last = this.checks.at(-1);
    this.covered = last ? last.offset + last.length : 0;
    if (!last || this.covered <= position) return;
    this.checks.pop();
    const parts: Uint8Array[] = [];
    if (last.offset < this.written)
      parts.push(this.blob.slice([[last.offset, Math.min(position, this.written)]]) as Uint8Array);
    const inSlice = Math.max(last.offset, this.written);
    if (position > inSlice) parts.push(this.buffer.subarray(inSlice - this.written, position - this.written));
    const xxh128 = checksum(this.hasher!, ...parts);
    this.checks.push({ offset: last.offset, length: position - last.offset, xxh128 });
    this.covered = position;
  }
}
