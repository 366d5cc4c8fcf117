import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import sharp from 'sharp';
import mime from 'mime-types';
import type { Db } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import type { Logbook } from './logbooks.ts';
import { withUrls, type Attachment, type StoredAttachment } from './events/model.ts';

export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
const THUMBNAIL_PX = 320;
/** Raster formats we thumbnail and serve inline; anything else (SVG, HTML, PDF...) is served as a download. */
const INLINE_IMAGES: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** Content-addressed store: `<root>/aa/bb/<sha256>`, thumbnails next to it as `<sha256>.thumb.png`. */
export function attachmentPath(root: string, sha256: string, thumbnail = false): string {
  return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), thumbnail ? `${sha256}.thumb.png` : sha256);
}

export const attachmentsRoot = (home: string) => path.join(home, 'attachments');

/**
 * Stores an uploaded body (streamed, hashed on the way, refused past the size limit) and records it
 * for the logbook. Uploading the same bytes twice stores them once.
 */
export async function storeAttachment(
  db: Db,
  root: string,
  logbook: Logbook,
  upload: { body: Readable; name: string; mediaType: string | undefined; now: Date },
): Promise<Attachment> {
  const tmpDir = path.join(root, 'tmp');
  await fs.promises.mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > MAX_ATTACHMENT_BYTES) {
        return done(
          new AppError(
            'attachment_too_large',
            413,
            `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB`,
          ),
        );
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const out = fs.createWriteStream(tmp, { flags: 'wx' });
  try {
    await pipeline(upload.body, meter, out);
  } catch (err) {
    // pipeline settles once the error is known, which may be before the file is even opened:
    // removing it then would leave the file that the late open creates
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await fs.promises.rm(tmp, { force: true });
    upload.body.resume(); // let the rest of a refused body drain so the 413 reaches the client
    throw err;
  }
  if (size === 0) {
    await fs.promises.rm(tmp, { force: true });
    throw new AppError('empty_attachment', 400, 'The attachment is empty');
  }
  const sha256 = hash.digest('hex');
  const final = attachmentPath(root, sha256);
  await fs.promises.mkdir(path.dirname(final), { recursive: true });
  await fs.promises.rename(tmp, final); // same bytes, same name: replacing is harmless

  const image = await describeImage(final);
  const declared =
    upload.mediaType && upload.mediaType !== 'application/octet-stream' ? upload.mediaType : undefined;
  const mediaType = image?.mediaType ?? declared ?? (mime.lookup(upload.name) || 'application/octet-stream');
  const stored: StoredAttachment = {
    sha256,
    name: upload.name,
    mediaType,
    size,
    thumbnail: image !== undefined,
    width: image?.width ?? null,
    height: image?.height ?? null,
  };
  await db
    .insertInto('logbook_attachment')
    .values({
      logbook_id: logbook.id,
      sha256,
      name: stored.name,
      media_type: stored.mediaType,
      size,
      thumbnail: stored.thumbnail,
      width: stored.width,
      height: stored.height,
      created_at: upload.now,
    })
    .onConflict((oc) => oc.columns(['logbook_id', 'sha256']).doNothing())
    .execute();
  return withUrls(logbook.id, stored);
}

/** For raster images: the real format (whatever the sender claimed), size, and a PNG thumbnail. */
async function describeImage(
  file: string,
): Promise<{ mediaType: string; width: number; height: number } | undefined> {
  try {
    const meta = await sharp(file, { limitInputPixels: 100_000_000 }).metadata();
    const mediaType = meta.format ? INLINE_IMAGES[meta.format] : undefined;
    if (!mediaType || !meta.width || !meta.height) return undefined;
    const thumb = attachmentPath(path.dirname(path.dirname(path.dirname(file))), path.basename(file), true);
    if (!fs.existsSync(thumb)) {
      // A temp name of its own: two uploads of the same image at once each make one, the last rename wins.
      const tmp = `${thumb}.${randomBytes(8).toString('hex')}.part`;
      try {
        await sharp(file, { limitInputPixels: 100_000_000 })
          .rotate()
          .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
          .png()
          .toFile(tmp);
        await fs.promises.rename(tmp, thumb);
      } finally {
        await fs.promises.rm(tmp, { force: true });
      }
    }
    return { mediaType, width: meta.width, height: meta.height };
  } catch {
    return undefined; // not an image sharp can read: stored as a plain file
  }
}

export async function findAttachment(db: Db, logbook: Logbook, sha256: string) {
  const row = await db
    .selectFrom('logbook_attachment')
    .selectAll()
    .where('logbook_id', '=', logbook.id)
    .where('sha256', '=', sha256.toLowerCase())
    .executeTakeFirst();
  if (!row) throw notFound('attachment', sha256);
  // Inline only what sharp decoded as a raster image; a claimed image/png that is not one downloads.
  return { ...row, inline: row.thumbnail };
}
