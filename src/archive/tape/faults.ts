import fs from 'node:fs';
import path from 'node:path';

/** An unreadable stretch of a cartridge: a whole tape file, or `length` bytes from `offset` in it. */
export interface BadBlock {
  barcode: string;
  tapeFile: number;
  offset?: number;
  length?: number;
}

/**
 * Faults injected into a virtual library, kept in `<library>/faults.json` so that every process using
 * the library (a worker, a CLI restore, a test's child process) sees them.
 */
export interface Faults {
  /** Drives that fail every operation (and cannot be mounted into). */
  failedDrives?: string[];
  /** Reads touching these bytes fail with a medium error. */
  badBlocks?: BadBlock[];
  /** Cartridges that report end of tape on the next write. */
  fullCartridges?: string[];
  /** The next N robot moves fail. */
  robotErrors?: number;
}

const file = (root: string) => path.join(root, 'faults.json');

export function readFaults(root: string): Faults {
  try {
    return JSON.parse(fs.readFileSync(file(root), 'utf8')) as Faults;
  } catch {
    return {};
  }
}

export function writeFaults(root: string, faults: Faults): void {
  fs.mkdirSync(root, { recursive: true });
  const tmp = `${file(root)}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(faults));
  fs.renameSync(tmp, file(root));
}

/** Adds to the injected faults (merging lists). */
export function injectFaults(root: string, add: Faults): void {
  const f = readFaults(root);
  writeFaults(root, {
    failedDrives: [...(f.failedDrives ?? []), ...(add.failedDrives ?? [])],
    badBlocks: [...(f.badBlocks ?? []), ...(add.badBlocks ?? [])],
    fullCartridges: [...(f.fullCartridges ?? []), ...(add.fullCartridges ?? [])],
    robotErrors: (f.robotErrors ?? 0) + (add.robotErrors ?? 0),
  });
}

/** Repairs everything: drives replaced, cartridges swapped, robot fixed. */
export const clearFaults = (root: string) => writeFaults(root, {});

/** The bad block a read of bytes [start, end) of a tape file runs into, if any. */
export function badBlockIn(
  faults: Faults,
  barcode: string,
  tapeFile: number,
  start: number,
  end: number,
): BadBlock | undefined {
  return (faults.badBlocks ?? []).find((b) => {
    if (b.barcode !== barcode || b.tapeFile !== tapeFile) return false;
    const from = b.offset ?? 0;
    const to = b.length === undefined ? Infinity : from + b.length;
    return from < end && start < to;
  });
}

/** Uses up one injected robot error; true when this move must fail. */
export function takeRobotError(root: string): boolean {
  const f = readFaults(root);
  if (!f.robotErrors) return false;
  writeFaults(root, { ...f, robotErrors: f.robotErrors - 1 });
  return true;
}
