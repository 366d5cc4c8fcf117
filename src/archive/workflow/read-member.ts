import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Extents } from '../../db/schema.ts';
import { openContainer } from '../packing/container-reader.ts';
import { forEachMemberChunk } from '../packing/member-bytes.ts';
import type { MountedDrive } from '../tape/library.ts';
import { alive } from '../tape/locks.ts';

export interface MemberLocation {
  tapeFile: number;
  kind: 'container' | 'file';
  memberPath: string | null;
  extents: Extents | null;
}

/**
 * Copies one archived file from the mounted cartridge into `dest` (a new file), reading only its
 * byte ranges of the container; without recorded extents it reads the container whole and takes
 * the member out with HDF5. Returns the sha256 and size of what was written.
 */
export async function readMember(
  drive: MountedDrive,
  loc: MemberLocation,
  dest: string,
): Promise<{ sha256: string; bytes: number; read: number }> {
  const hash = createHash('sha256');
  const fd = fs.openSync(dest, 'w');
  let bytes = 0;
  let read = 0;
  const put = (piece: Uint8Array) => {
    hash.update(piece);
    fs.writeSync(fd, piece);
    bytes += piece.length;
  };
  try {
    if (loc.kind === 'file') {
      for await (const piece of drive.readFile(loc.tapeFile)) put(piece);
      read = bytes;
    } else if (loc.extents) {
      for (const [offset, length] of loc.extents) {
        for await (const piece of drive.readFile(loc.tapeFile, { offset, length })) put(piece);
      }
      read = bytes;
    } else {
      read = await readThroughContainer(drive, loc, put);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes, read };
}

const TEMP = 'fairbeam-recall-';

/** A recall killed while it held a whole container here left it behind: removed once its process is gone. */
function removeDeadTemps(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = name.startsWith(TEMP) ? Number(name.slice(TEMP.length).split('-')[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !alive(pid))
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

async function readThroughContainer(
  drive: MountedDrive,
  loc: MemberLocation,
  put: (piece: Uint8Array) => void,
): Promise<number> {
  removeDeadTemps();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP}${process.pid}-`));
  const file = path.join(dir, 'container.h5');
  try {
    const fd = fs.openSync(file, 'w');
    let read = 0;
    try {
      for await (const piece of drive.readFile(loc.tapeFile)) {
        fs.writeSync(fd, piece);
        read += piece.length;
      }
    } finally {
      fs.closeSync(fd);
    }
    const container = await openContainer(file);
    try {
      const row = container.rows.find((r) => r.path === loc.memberPath && r.type === 'file');
      if (!row) throw new Error(`container on tape file ${loc.tapeFile} has no member ${loc.memberPath}`);
      forEachMemberChunk(container, [row], (_row, chunk) => put(chunk));
    } finally {
      container.close();
    }
    return read;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
