import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TapeError } from './library.ts';

/**
 * Tape files of one cartridge kept as numbered files in a directory (the virtual library's cartridge,
 * or the `fairbeam/` folder of an LTFS volume). A file is written as `NNNNNNNN.partial`, fsynced and
 * renamed: only finished files carry the `.tf` name, so an unfinished one is never listed. The
 * caller holds the cartridge's claim, so no other process appends at the same time.
 */
const NAME = /^(\d{8})\.tf$/;
const PIECE = 4 * 1024 * 1024;

export interface TapeFileEntry {
  tapeFile: number;
  size: number;
}

export const tapeFilePath = (dir: string, n: number) => path.join(dir, `${String(n).padStart(8, '0')}.tf`);

export function listTapeFiles(dir: string): TapeFileEntry[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ tapeFile: Number(m[1]), size: fs.statSync(path.join(dir, m[0])).size }))
    .sort((a, b) => a.tapeFile - b.tapeFile);
}

/** Drops unfinished writes of a killed process (on tape: appending restarts after the last tape mark). */
export function dropPartials(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir))
    if (name.endsWith('.partial')) fs.rmSync(path.join(dir, name), { force: true });
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Copies `source` to tape file `n`, hashing on the way. `onPiece` runs after each piece is written
 * (drive time, faults); if it throws, the partial file is removed and nothing is listed.
 */
export async function writeTapeFile(
  dir: string,
  n: number,
  source: string,
  onPiece: (bytes: number) => Promise<void> | void = () => {},
): Promise<{ bytes: number; sha256: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const final = tapeFilePath(dir, n);
  if (fs.existsSync(final)) throw new Error(`tape file ${n} already exists in ${dir}`);
  const partial = `${final.slice(0, -3)}.partial`;
  const hash = crypto.createHash('sha256');
  const inFd = fs.openSync(source, 'r');
  let bytes = 0;
  try {
    const outFd = fs.openSync(partial, 'w');
    try {
      const buf = Buffer.allocUnsafe(PIECE);
      for (;;) {
        const got = fs.readSync(inFd, buf, 0, PIECE, null);
        if (got === 0) break;
        const piece = buf.subarray(0, got);
        hash.update(piece);
        fs.writeSync(outFd, piece);
        bytes += got;
        await onPiece(got);
      }
      fs.fsyncSync(outFd);
    } finally {
      fs.closeSync(outFd);
    }
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  } finally {
    fs.closeSync(inFd);
  }
  fs.renameSync(partial, final);
  fsyncDir(dir);
  return { bytes, sha256: hash.digest('hex') };
}

/** Reads tape file `n` whole or one byte range of it, in pieces; a range past the end is refused. */
export async function* readTapeFile(
  dir: string,
  barcode: string,
  n: number,
  range?: { offset: number; length: number },
): AsyncIterable<Buffer> {
  let fd: number;
  try {
    fd = fs.openSync(tapeFilePath(dir, n), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new TapeError('missing', `${barcode} has no tape file ${n}`, barcode);
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = range?.offset ?? 0;
    const end = range ? range.offset + range.length : size;
    if (start < 0 || end < start || end > size)
      throw new TapeError(
        'missing',
        `${barcode} tape file ${n} has ${size} bytes; bytes ${start}–${end} were asked for`,
        barcode,
      );
    let at = start;
    while (at < end) {
      const buf = Buffer.allocUnsafe(Math.min(PIECE, end - at));
      const got = fs.readSync(fd, buf, 0, buf.length, at);
      if (got === 0)
        throw new TapeError('medium', `${barcode} tape file ${n} ended early at byte ${at}`, barcode);
      yield buf.subarray(0, got);
      at += got;
    }
  } finally {
    fs.closeSync(fd);
  }
}
