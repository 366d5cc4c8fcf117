import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import tar from 'tar-stream';
import type { OnDisk } from './locate.ts';

export interface ArchiveMember {
  name: string;
  file: OnDisk;
}

/**
 * A zip (stored, not deflated: beamline data is mostly compressed already, and storing keeps the
 * server's CPU out of the way) or a POSIX tar, produced while the client reads it. Files are opened
 * one after the other when their turn comes, so memory and open descriptors stay constant.
 */
export function archiveStream(format: 'zip' | 'tar', members: ArchiveMember[]): Readable {
  return format === 'zip' ? zipStream(members) : tarStream(members);
}

/** A member's bytes, exactly the size announced in its header, even if the file grew since we looked. */
const readAnnounced = (m: ArchiveMember) =>
  fs.createReadStream(m.file.absolute, { start: 0, end: Math.max(0, m.file.size - 1) });

function zipStream(members: ArchiveMember[]): Readable {
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as PassThrough;
  let reading: fs.ReadStream | undefined;
  for (const m of members) {
    zip.addReadStreamLazy(m.name, { mtime: m.file.mtime, compress: false, size: m.file.size }, (cb) => {
      // Exactly the size announced, as in the tar. A file that shrank since (yazl's "unexpected
      // number of bytes") or a read error ends the download with an error instead of being thrown
      // (yazl emits them on streams nobody listened to: an uncaught exception).
      reading = readAnnounced(m);
      reading.on('error', (e) => out.destroy(e));
      cb(null, reading);
    });
  }
  zip.on('error', (e: Error) => out.destroy(e));
  // A client leaving closes `out`: the file being read is closed (it had stayed open, paused).
  out.on('close', () => reading?.destroy());
  zip.end();
  return out;
}

function tarStream(members: ArchiveMember[]): Readable {
  const pack = tar.pack();
  const out = new PassThrough();
  let reading: fs.ReadStream | undefined;
  (async () => {
    for (const m of members) {
      const entry = pack.entry({ name: m.name, size: m.file.size, mtime: m.file.mtime, mode: 0o644 });
      reading = readAnnounced(m);
      await pipeline(reading, entry);
    }
    pack.finalize();
  })().catch((e: Error) => out.destroy(e));
  // With a callback, streamx's pipe handles the error it raises when `out` closes early (without one
  // it is thrown, uncaught). A client leaving closes `out`: packing stops and the file being read is
  // closed (it had stayed open, its read paused for ever).
  pack.pipe(out, () => {});
  out.on('close', () => {
    pack.destroy();
    reading?.destroy();
  });
  return out;
}

/** Names inside the archive: `<dataset>/<path>`, prefixed with the session when dataset names repeat. */
export function memberNames(
  files: { datasetPid: string; datasetName: string; sessionId: string; path: string }[],
): string[] {
  const perName = new Map<string, Set<string>>();
  for (const f of files)
    perName.set(f.datasetName, (perName.get(f.datasetName) ?? new Set()).add(f.datasetPid));
  return files.map((f) =>
    perName.get(f.datasetName)!.size > 1
      ? `${f.sessionId}/${f.datasetName}/${f.path}`
      : `${f.datasetName}/${f.path}`,
  );
}
