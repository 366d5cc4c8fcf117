import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { archiveStream, memberNames } from './archive.ts';
import { contentDisposition, contentTypeOf } from './headers.ts';
import { fileOnDisk, type LocatedFile, type OnDisk } from './locate.ts';
import { parseRange } from './range.ts';

/**
 * The body, or for HEAD an empty stream: Fastify answers HEAD with the GET handler and drains the
 * stream it sends (it had read whole files and built whole archives to throw them away); a stream,
 * unlike no body, keeps the content-length set here.
 */
const body = (reply: FastifyReply, make: () => Readable | string): Readable | string =>
  reply.request.method === 'HEAD' ? Readable.from([]) : make();

/**
 * Streams one file: Range (a single range; several are answered with the whole file, as RFC 9110
 * allows), ETag from the SHA-256, conditional requests, and the file name in Content-Disposition.
 * Returns what was sent, for the audit entry.
 */
export async function sendFile(
  req: FastifyRequest,
  reply: FastifyReply,
  f: LocatedFile,
  dataRoots: string[],
) {
  const disk = await fileOnDisk(f, dataRoots);
  // The stored checksum names these bytes only while the size on disk is the registered one.
  const etag =
    f.sha256 && disk.size === f.size ? `"${f.sha256}"` : `W/"${disk.size}-${disk.mtime.getTime()}"`;
  const name = f.path.split('/').pop()!;
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('last-modified', disk.mtime.toUTCString())
    .header('cache-control', 'private, no-cache')
    .header('content-disposition', contentDisposition(name))
    .header('x-content-type-options', 'nosniff');
  // If-None-Match compares weakly (W/ aside, RFC 9110 13.1.2); If-Range only with a strong ETag
  // (13.1.5): a weak one names a file that may have changed in place, and mixing bytes is worse than
  // sending it whole.
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => opaque(t) === opaque(etag) || t.trim() === '*')) {
    return { status: 304, bytes: 0, reply: reply.status(304).send() };
  }
  const ifRange = String(req.headers['if-range'] ?? '').trim();
  const strong = !etag.startsWith('W/');
  const range =
    ifRange && (ifRange !== etag || !strong) ? undefined : parseRange(req.headers.range, disk.size);
  if (range === 'unsatisfiable') {
    reply.status(416).header('content-range', `bytes */${disk.size}`);
    throw new AppError(
      'range_not_satisfiable',
      416,
      `The file has ${disk.size} bytes; the requested range lies outside`,
    );
  }
  reply.header('content-type', contentTypeOf(f.path));
  if (range) {
    const length = range.end - range.start + 1;
    reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${disk.size}`)
      .header('content-length', length);
    return {
      status: 206,
      bytes: length,
      range,
      reply: reply.send(body(reply, () => fs.createReadStream(disk.absolute, range))),
    };
  }
  reply.status(200).header('content-length', disk.size);
  return {
    status: 200,
    bytes: disk.size,
    reply: reply.send(body(reply, () => (disk.size ? fs.createReadStream(disk.absolute) : ''))),
  };
}

/** Streams files as one zip or tar; every file is checked on disk before the first byte is sent. */
export async function sendArchive(
  reply: FastifyReply,
  files: LocatedFile[],
  format: 'zip' | 'tar',
  dataRoots: string[],
) {
  const disks: OnDisk[] = [];
  for (const f of files) disks.push(await fileOnDisk(f, dataRoots));
  const names = memberNames(files);
  const pids = [...new Set(files.map((f) => f.datasetPid))];
  const base =
    pids.length === 1 ? files[0]!.datasetName : `fairbeam-download-${new Date().toISOString().slice(0, 10)}`;
  reply
    .status(200)
    .header('content-type', format === 'zip' ? 'application/zip' : 'application/x-tar')
    .header('content-disposition', contentDisposition(`${base}.${format}`))
    .header('cache-control', 'private, no-store');
  const members = names.map((name, i) => ({ name, file: disks[i]! }));
  return {
    bytes: disks.reduce((s, d) => s + d.size, 0),
    reply: reply.send(body(reply, () => archiveStream(format, members))),
  };
}
