import { DEFAULT_LARGE_FILE_THRESHOLD } from '../packing/format.ts';
import {
  type DriveSeconds,
  LTO,
  type LtoGeneration,
  MECHANICS,
  addSeconds,
  locateSeconds,
  streamingShare,
  totalSeconds,
  writeSeconds,
  zeroSeconds,
} from './timing.ts';

export interface SimulationInput {
  files: number;
  /** Bytes per file. */
  size: number;
  packed: boolean;
  drive: LtoGeneration;
  /** Target container size when packed. */
  containerSize: number;
  /** Files above this go to tape on their own even when packing (default: the packer's 64 MiB). */
  largeFileThreshold?: number;
  /** Bytes per second the source delivers (default: at least the drive's rate). */
  feedRate?: number;
  /** Overrides the generation's native capacity (to compare with a small virtual library). */
  capacity?: number;
}

export interface SimulationReport {
  drive: LtoGeneration;
  packed: boolean;
  files: number;
  bytes: number;
  tapeFiles: number;
  tapeMarks: number;
  mounts: number;
  cartridges: number;
  backhitches: number;
  driveSeconds: number;
  driveHours: number;
  streamingShare: number;
  seconds: DriveSeconds;
}

/** Tape files of the run: `count` of `size` bytes, then possibly one shorter `last`. */
interface TapeFiles {
  count: number;
  size: number;
  last: number;
}

function tapeFilesOf(input: SimulationInput): TapeFiles {
  const { files, size } = input;
  const large = size > (input.largeFileThreshold ?? DEFAULT_LARGE_FILE_THRESHOLD);
  if (!input.packed || large || size === 0) return { count: files, size, last: 0 };
  const perContainer = Math.max(1, Math.floor(input.containerSize / size));
  const full = Math.floor(files / perContainer);
  return { count: full, size: perContainer * size, last: (files - full * perContainer) * size };
}

/**
 * Writes N files of one size to empty cartridges in closed form (no disk I/O), with the virtual
 * library's timing model and the order it would do it in: mount a cartridge, append tape files
 * until the next does not fit, rewind, unload, mount the next. Unpacked, every file is its own tape
 * file closed by a synchronised tape mark; packed, files go into containers and each container (or
 * file above the large-file threshold) is one tape file with one tape mark.
 */
export function simulateWrite(input: SimulationInput): SimulationReport {
  const { files, size, drive } = input;
  if (!Number.isSafeInteger(files) || files < 0) throw new RangeError('files must be a whole number ≥ 0');
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError('size must be a whole number of bytes ≥ 0');
  if (!(input.containerSize > 0)) throw new RangeError('container size must be > 0');
  const fig = LTO[drive];
  const capacity = input.capacity ?? fig.capacity;
  const tf = tapeFilesOf(input);
  const tapeFiles = tf.count + (tf.last > 0 ? 1 : 0);
  if (Math.max(tf.size, tf.last) > capacity)
    throw new RangeError(
      `a tape file of ${Math.max(tf.size, tf.last)} bytes does not fit on a ${drive} cartridge`,
    );

  const s = zeroSeconds();
  let backhitches = 0;
  const writeTapeFiles = (count: number, bytes: number) => {
    if (count === 0) return;
    const t = writeSeconds(bytes, fig, input.feedRate);
    addSeconds(s, {
      streaming: count * t.streaming,
      underrun: count * t.underrun,
      reposition: count * t.reposition,
      perFile: count * MECHANICS.perFile,
      tapeMark: count * MECHANICS.tapeMark,
    });
    backhitches += count * t.backhitches;
  };
  // One cartridge's cycle: robot to the drive, load, write, rewind from where writing ended,
  // unload, robot back to the slot.
  const cartridgeCycles = (count: number, usedBytes: number) => {
    addSeconds(s, {
      robot: count * 2 * MECHANICS.robotMove,
      load: count * fig.load,
      unload: count * fig.unload,
      locate: count * locateSeconds(usedBytes, 0, fig, capacity),
    });
  };

  // Empty files take no tape: they all fit on one cartridge.
  const perCartridge = tf.size === 0 ? Math.max(1, tf.count) : Math.floor(capacity / tf.size);
  const fullCartridges = Math.floor(tf.count / perCartridge);
  const rest = tf.count - fullCartridges * perCartridge;
  writeTapeFiles(tf.count, tf.size);
  writeTapeFiles(tf.last > 0 ? 1 : 0, tf.last);
  cartridgeCycles(fullCartridges, perCartridge * tf.size);
  let cartridges = fullCartridges;
  if (rest > 0 || tf.last > 0) {
    const tail = rest * tf.size;
    if (tail + tf.last <= capacity) cartridgeCycles(1, tail + tf.last);
    else {
      cartridgeCycles(1, tail);
      cartridgeCycles(1, tf.last);
      cartridges += 1;
    }
    cartridges += 1;
  }

  const total = totalSeconds(s);
  return {
    drive,
    packed: input.packed,
    files,
    bytes: files * size,
    tapeFiles,
    tapeMarks: tapeFiles,
    mounts: cartridges,
    cartridges,
    backhitches,
    driveSeconds: total,
    driveHours: total / 3600,
    streamingShare: streamingShare(s),
    seconds: s,
  };
}
