import type { Container } from './container-reader.ts';
import { type IndexRow, MiB, SLICE_BYTES } from './format.ts';

/** Neighbouring members separated by less than this are read together; a larger gap is skipped. */
const MAX_GAP_BYTES = 1 * MiB;

/**
 * Feeds the bytes of the given members to `onChunk`, in blob order, reading /blob in windows of at most
 * SLICE_BYTES that cover only the selected members (plus gaps under 1 MiB). One member yields exactly
 * its own byte range; a member larger than a slice arrives in several chunks, `last` marks the final one.
 */
export function forEachMemberChunk(
  container: Pick<Container, 'readBlob'>,
  rows: IndexRow[],
  onChunk: (row: IndexRow, chunk: Uint8Array, last: boolean) => void,
): void {
  const sorted = [...rows].sort((a, b) => a.offset - b.offset);
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i]!;
    if (first.length > SLICE_BYTES) {
      for (let done = 0; done < first.length;) {
        const size = Math.min(SLICE_BYTES, first.length - done);
        onChunk(first, container.readBlob(first.offset + done, size), done + size === first.length);
        done += size;
      }
      i += 1;
      continue;
    }
    const start = first.offset;
    let end = start + first.length;
    let j = i + 1;
    for (; j < sorted.length; j++) {
      const next = sorted[j]!;
      const nextEnd = next.offset + next.length;
      if (next.offset - end > MAX_GAP_BYTES || Math.max(end, nextEnd) - start > SLICE_BYTES) break;
      end = Math.max(end, nextEnd);
    }
    const window = container.readBlob(start, end - start);
    for (let k = i; k < j; k++) {
      const row = sorted[k]!;
      onChunk(row, window.subarray(row.offset - start, row.offset - start + row.length), true);
    }
    i = j;
  }
}
