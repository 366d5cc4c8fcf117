import type { Dataset } from 'h5wasm';
import { SLICE_BYTES } from './format.ts';
import type { ByteSink } from './member-reader.ts';

/**
 * Collects member bytes in one large in-memory slice and writes it to /blob with a single hyperslab
 * write per slice; /blob grows with each write, so its final length is whatever was appended.
 */
export class BlobAppender implements ByteSink {
  readonly buffer: Buffer;
  /** Bytes of /blob already written. */
  private written = 0;
  /** Bytes of `buffer` in use. */
  fill = 0;

  constructor(
    private readonly blob: Dataset,
    sliceBytes = SLICE_BYTES,
    private readonly onFlush: (blobBytes: number) => void = () => {},
  ) {
    this.buffer = Buffer.allocUnsafe(sliceBytes);
  }

  /** Offset in /blob of the next byte appended. */
  get position(): number {
    return this.written + this.fill;
  }

  get free(): number {
    return this.buffer.length - this.fill;
  }

  flush(): void {
    if (this.fill === 0) return;
    const end = this.written + this.fill;
    this.blob.resize([end]);
    this.blob.write_slice([[this.written, end]], this.buffer.subarray(0, this.fill));
    this.written = end;
    this.fill = 0;
    this.onFlush(end);
  }

  /** Copies bytes read elsewhere (a helper thread's batch) into the slice. */
  append(bytes: Uint8Array): void {
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
    this.flush();
    this.blob.resize([this.written]);
    return this.written;
  }
}
