import fs from 'node:fs';
import type { TapeClock } from './clock.ts';
import { badBlockIn, readFaults } from './faults.ts';
import { type MountedDrive, TapeError, type WriteOptions, type WrittenTapeFile } from './library.ts';
import { listTapeFiles, readTapeFile, writeTapeFile } from './tape-files.ts';
import { type DriveFigures, MECHANICS, locateSeconds, writeSeconds } from './timing.ts';

export interface VirtualDriveSetup {
  name: string;
  barcode: string;
  dir: string;
  figures: DriveFigures;
  capacity: number;
  /** Library root (faults.json). */
  root: string;
  clock: TapeClock;
  library: string;
  /** Called when the head moves to another tape file (operators see it). */
  onMove: (position: number) => void;
}

/**
 * A cartridge loaded in a virtual drive. The cartridge's tape files are listed once at load: while
 * it is in this drive no other process can append to it (the library's claims).
 */
export class VirtualDrive implements MountedDrive {
  readonly name: string;
  readonly barcode: string;
  readonly figures: DriveFigures;
  readonly capacity: number;
  /** Byte offset of the head from the beginning of tape (for locate times). */
  byte = 0;
  private head = 1;
  private loaded = true;
  /** Start byte and size of each finished tape file; index 0 is tape file 1. */
  private readonly files: { start: number; size: number }[] = [];

  constructor(private readonly setup: VirtualDriveSetup) {
    this.name = setup.name;
    this.barcode = setup.barcode;
    this.figures = setup.figures;
    this.capacity = setup.capacity;
    let start = 0;
    for (const f of listTapeFiles(setup.dir)) {
      if (f.tapeFile !== this.files.length + 1)
        throw new TapeError(
          'medium',
          `${this.barcode}: tape file ${this.files.length + 1} is missing`,
          this.barcode,
        );
      this.files.push({ start, size: f.size });
      start += f.size;
    }
  }

  position = () => this.head;

  private get used(): number {
    const last = this.files.at(-1);
    return last ? last.start + last.size : 0;
  }

  eject(): void {
    this.loaded = false;
  }

  private check(): void {
    if (!this.loaded)
      throw new TapeError('drive', `${this.barcode} is no longer in ${this.name}`, this.barcode, this.name);
    if ((readFaults(this.setup.root).failedDrives ?? []).includes(this.name))
      throw new TapeError('drive', `${this.name} of ${this.setup.library} failed`, this.barcode, this.name);
  }

  private async moveTo(byte: number, position: number): Promise<void> {
    await this.setup.clock.spend('locate', locateSeconds(this.byte, byte, this.figures, this.capacity));
    this.byte = byte;
    this.setPosition(position);
  }

  private setPosition(position: number): void {
    if (position === this.head) return;
    this.head = position;
    this.setup.onMove(position);
  }

  private startOf(tapeFile: number): number {
    if (!Number.isInteger(tapeFile) || tapeFile < 1 || tapeFile > this.files.length + 1)
      throw new TapeError('missing', `${this.barcode} has no tape file ${tapeFile}`, this.barcode);
    return this.files[tapeFile - 1]?.start ?? this.used;
  }

  async locate(tapeFile: number): Promise<void> {
    this.check();
    await this.moveTo(this.startOf(tapeFile), tapeFile);
  }

  async rewind(): Promise<void> {
    this.check();
    await this.moveTo(0, 1);
  }

  async fileSize(tapeFile: number): Promise<number> {
    const f = this.files[tapeFile - 1];
    if (!f) throw new TapeError('missing', `${this.barcode} has no tape file ${tapeFile}`, this.barcode);
    return f.size;
  }

  async writeFile(source: string, options: WriteOptions = {}): Promise<WrittenTapeFile> {
    this.check();
    const { size } = fs.statSync(source);
    const used = this.used;
    const faults = readFaults(this.setup.root);
    if ((faults.fullCartridges ?? []).includes(this.barcode) || used + size > this.capacity)
      throw new TapeError(
        'full',
        `${this.barcode} is full: ${size} bytes do not fit (${used} of ${this.capacity} used)`,
        this.barcode,
      );
    const next = this.files.length + 1;
    await this.moveTo(used, next);
    const clock = this.setup.clock;
    // Streaming time is spent piece by piece, so a real-time library writes at the drive's pace.
    const written = await writeTapeFile(this.setup.dir, next, source, async (bytes) => {
      this.check();
      await clock.spend('streaming', bytes / this.figures.rate);
    });
    const t = writeSeconds(written.bytes, this.figures, options.feedRate);
    await clock.spend('underrun', t.underrun);
    await clock.spend('reposition', t.reposition);
    await clock.spend('perFile', MECHANICS.perFile);
    await clock.spend('tapeMark', MECHANICS.tapeMark);
    this.files.push({ start: used, size: written.bytes });
    this.byte = used + written.bytes;
    this.setPosition(next + 1);
    return { tapeFile: next, ...written };
  }

  readFile(tapeFile: number, range?: { offset: number; length: number }): AsyncIterable<Buffer> {
    return this.read(tapeFile, range);
  }

  private async *read(tapeFile: number, range?: { offset: number; length: number }): AsyncIterable<Buffer> {
    this.check();
    const f = this.files[tapeFile - 1];
    if (!f) throw new TapeError('missing', `${this.barcode} has no tape file ${tapeFile}`, this.barcode);
    const from = range?.offset ?? 0;
    const to = range ? range.offset + range.length : f.size;
    const clock = this.setup.clock;
    await this.moveTo(f.start + from, tapeFile);
    await clock.spend('perFile', MECHANICS.perFile);
    const bad = badBlockIn(readFaults(this.setup.root), this.barcode, tapeFile, from, to);
    let at = from;
    for await (const piece of readTapeFile(this.setup.dir, this.barcode, tapeFile, range)) {
      if (bad && at + piece.length > (bad.offset ?? 0)) {
        // The drive reads up to the bad block, retries, and gives up.
        const good = Math.max(0, (bad.offset ?? 0) - at);
        await clock.spend('streaming', good / this.figures.rate);
        this.byte += good;
        throw new TapeError(
          'medium',
          `bad block reading ${this.barcode} tape file ${tapeFile} at byte ${Math.max(at, bad.offset ?? 0)}`,
          this.barcode,
          this.name,
        );
      }
      this.check();
      await clock.spend('streaming', piece.length / this.figures.rate);
      this.byte += piece.length;
      at += piece.length;
      yield piece;
    }
    if (bad)
      throw new TapeError('medium', `bad block reading ${this.barcode} tape file ${tapeFile}`, this.barcode);
    if (to === f.size) this.setPosition(tapeFile + 1);
  }
}
