import type { DriveSeconds, LtoGeneration } from './timing.ts';

export interface CartridgeInfo {
  barcode: string;
  generation: LtoGeneration;
  /** Native capacity in bytes. */
  capacity: number;
  /** Bytes written so far (finished tape files). */
  used: number;
  /** Finished tape files on the cartridge. */
  files: number;
  /** Slot number when in the library, null while in a drive. */
  slot: number | null;
  /** True when the cartridge has a known fault: unreadable blocks, or an LTFS volume not mounted. */
  failed: boolean;
}

export interface DriveInfo {
  name: string;
  generation: LtoGeneration;
  /** Barcode of the loaded cartridge. */
  loaded: string | null;
  /** Tape file the head is at (the next one to be read or written when appending). */
  position: number;
  failed: boolean;
}

export interface WrittenTapeFile {
  tapeFile: number;
  bytes: number;
  sha256: string;
}

export interface WriteOptions {
  /**
   * Bytes per second the source can deliver (default: as fast as the drive). Below the drive's
   * slowest matching speed the tape stops and repositions (shoe-shining); the virtual library
   * charges that time, LTFS just takes as long as it takes.
   */
  feedRate?: number;
}

/** A cartridge in a drive: positioned reads and appending writes, each tape file closed by a tape mark. */
export interface MountedDrive {
  readonly name: string;
  readonly barcode: string;
  position(): number;
  locate(tapeFile: number): Promise<void>;
  rewind(): Promise<void>;
  /**
   * Appends a local file as the next tape file and writes a synchronised tape mark. The tape file
   * exists only when this resolves (a crash leaves at most an unfinished file that is never listed).
   */
  writeFile(source: string, options?: WriteOptions): Promise<WrittenTapeFile>;
  /** Reads a tape file or one byte range of it, in pieces, in order. */
  readFile(tapeFile: number, range?: { offset: number; length: number }): AsyncIterable<Buffer>;
  /** Size of a finished tape file. */
  fileSize(tapeFile: number): Promise<number>;
}

/**
 * Kinds of tape errors, each with its own reaction:
 * - `drive`: the drive failed; unmount is still possible, try another drive;
 * - `medium`: unreadable data on the cartridge (bad block); read the other copy;
 * - `robot`: the robot could not move the cartridge; retry later;
 * - `full`: no room left on the cartridge; write to another one;
 * - `missing`: no such cartridge or tape file;
 * - `busy`: every working drive is in use, or the cartridge is already in a drive; wait and retry.
 */
export type TapeErrorKind = 'drive' | 'medium' | 'robot' | 'full' | 'missing' | 'busy';

/** A tape device error (drive, medium, robot): the scheduler reacts by kind. */
export class TapeError extends Error {
  override readonly name = 'TapeError';

  constructor(
    readonly kind: TapeErrorKind,
    message: string,
    readonly barcode?: string,
    readonly drive?: string,
  ) {
    super(message);
  }
}

/**
 * A tape library: slots holding cartridges, drives, a robot that moves cartridges between them.
 * Implemented by the virtual library (files on disk plus an LTO timing model) and LTFS volumes.
 */
export interface TapeLibrary {
  readonly name: string;
  readonly kind: 'virtual' | 'ltfs';
  slots(): number;
  cartridges(): Promise<CartridgeInfo[]>;
  drives(): DriveInfo[];
  /** Robot: moves the cartridge to a free working drive and loads it. */
  mount(barcode: string): Promise<MountedDrive>;
  /** Rewinds, unloads and puts the cartridge back in its slot. */
  unmount(drive: MountedDrive): Promise<void>;
  /** Drive seconds spent by this process, by kind (for throughput and the simulation report). */
  seconds(): DriveSeconds;
  /** Robot mounts made by this process. */
  mounts(): number;
}
