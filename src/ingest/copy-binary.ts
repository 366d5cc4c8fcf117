import type { FileRecord } from './register.ts';

/** PostgreSQL's binary COPY header: signature, flags (none), header extension length (none). */
const HEADER = Buffer.from('PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0', 'latin1');
/** 2000-01-01T00:00:00Z, where PostgreSQL counts timestamps from, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
/** Bytes per piece handed to the socket: small enough that the server starts parsing early. */
const PIECE = 1 << 17;
const TWO_32 = 2 ** 32;

/** The columns `datafileCopyRows` writes, in order: the COPY statement must list the same. */
export const copyColumns = (withMetadata: boolean) =>
  `dataset_pid, path, size, sha256, mtime${withMetadata ? ', metadata' : ''}`;

/**
 * A dataset's datafile rows in COPY's binary format, written straight into buffers of ~128 kB: no
 * text per row for the client to build and escape and for the server to parse (sizes and times go as
 * 8-byte integers, strings as their UTF-8 bytes). Without `withMetadata` the column is left to its
 * default. Throws a RangeError, before the piece holding it is yielded, for a size that is not a safe
 * integer or an invalid date (which the text format would have refused too).
 */
export function* datafileCopyRows(
  pid: string,
  files: FileRecord[],
  withMetadata: boolean,
): Generator<Buffer> {
  const pidBytes = Buffer.from(pid, 'utf8');
  let buf = Buffer.allocUnsafe(PIECE);
  let o = HEADER.copy(buf, 0);
  for (const f of files) {
    const metadata = withMetadata ? JSON.stringify(f.metadata) : '';
    // At most 3 UTF-8 bytes per UTF-16 unit: room for the row whatever its strings hold.
    const most =
      2 +
      6 * 4 +
      pidBytes.length +
      3 * f.path.length +
      8 +
      3 * (f.sha256?.length ?? 0) +
      8 +
      1 +
      3 * metadata.length;
    if (o + most + 2 > buf.length) {
      yield buf.subarray(0, o);
      buf = Buffer.allocUnsafe(Math.max(PIECE, most + 2));
      o = 0;
    }
    o = buf.writeInt16BE(withMetadata ? 6 : 5, o);
    o = buf.writeInt32BE(pidBytes.length, o);
    o += pidBytes.copy(buf, o);
    o = writeText(buf, o, f.path);
    if (!Number.isSafeInteger(f.size))
      throw new RangeError(`File size ${f.size} of ${f.path} is not an integer`);
    o = writeInt64(buf, buf.writeInt32BE(8, o), f.size);
    o = f.sha256 === null ? buf.writeInt32BE(-1, o) : writeText(buf, o, f.sha256);
    o = f.mtime === null ? buf.writeInt32BE(-1, o) : writeTimestamp(buf, buf.writeInt32BE(8, o), f.mtime);
    if (withMetadata) {
      const n = buf.write(metadata, o + 5, 'utf8');
      o = buf.writeInt32BE(n + 1, o);
      o = buf.writeUInt8(1, o) + n; // jsonb's binary form: version 1, then the JSON text
    }
  }
  o = buf.writeInt16BE(-1, o); // trailer
  yield buf.subarray(0, o);
}

function writeText(buf: Buffer, o: number, s: string): number {
  const n = buf.write(s, o + 4, 'utf8');
  return buf.writeInt32BE(n, o) + n;
}

/** A safe integer as a big-endian int64 (two's complement). */
function writeInt64(buf: Buffer, o: number, n: number): number {
  const hi = Math.floor(n / TWO_32);
  return buf.writeUInt32BE(n - hi * TWO_32, buf.writeInt32BE(hi, o));
}

/** Microseconds since 2000-01-01 UTC, as the server keeps a timestamptz. */
function writeTimestamp(buf: Buffer, o: number, d: Date): number {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new RangeError('Invalid time value');
  const us = (ms - PG_EPOCH_MS) * 1000;
  return Number.isSafeInteger(us)
    ? writeInt64(buf, o, us)
    : buf.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n, o);
}
