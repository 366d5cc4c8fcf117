/** LTO generations fairbeam models. */
export type LtoGeneration = 'lto7' | 'lto8' | 'lto9';

/**
 * One generation's figures, rounded from the LTO Consortium's generation specifications and the
 * drive makers' datasheets for full-height drives (native, uncompressed values). They are
 * planning figures, not a drive's measured behaviour.
 */
export interface DriveFigures {
  /** Native capacity in bytes. */
  capacity: number;
  /** Native streaming rate in bytes per second. */
  rate: number;
  /** Slowest speed-matching rate: below it the drive cannot slow down further and shoe-shines. */
  minRate: number;
  /** Drive buffer in bytes: how much a stopped drive can take before it must write. */
  buffer: number;
  /** Tracks are written in wraps, end to end and back (serpentine); locates cross wraps for free. */
  wraps: number;
  /** Seconds to thread and load a cartridge to the beginning of tape. */
  load: number;
  /** Seconds to unload and eject a rewound cartridge. */
  unload: number;
  /** Average seconds to reach a file from the beginning of tape (the datasheets' "file access time"). */
  averageLocate: number;
}

const TB = 1e12;
const MB = 1e6;
const GB = 1e9;

export const LTO: Record<LtoGeneration, DriveFigures> = {
  lto7: {
    capacity: 6 * TB,
    rate: 300 * MB,
    minRate: 100 * MB,
    buffer: 1 * GB,
    wraps: 112,
    load: 15,
    unload: 20,
    averageLocate: 60,
  },
  lto8: {
    capacity: 12 * TB,
    rate: 360 * MB,
    minRate: 112 * MB,
    buffer: 1 * GB,
    wraps: 208,
    load: 15,
    unload: 20,
    averageLocate: 60,
  },
  lto9: {
    capacity: 18 * TB,
    rate: 400 * MB,
    minRate: 125 * MB,
    buffer: 1 * GB,
    wraps: 280,
    load: 15,
    unload: 20,
    averageLocate: 60,
  },
};

/** Costs that do not depend on the generation within the precision that matters here. */
export const MECHANICS = {
  /** Robot move between a slot and a drive (SL8500-class library). */
  robotMove: 20,
  /** A synchronised tape mark flushes the buffer and stops the tape: ~1–3 s, we take 2. */
  tapeMark: 2,
  /** Host and drive overhead per tape file (open, header, close). */
  perFile: 0.005,
  /** Start-up part of every locate (accelerate, find the wrap). */
  locateStart: 5,
  /** One stop, back up and restart of the tape (backhitch) when the buffer ran empty. */
  backhitch: 3,
};

export const isGeneration = (g: string): g is LtoGeneration => g === 'lto7' || g === 'lto8' || g === 'lto9';

/** Where drive seconds went; `streaming` is the only productive part. */
export interface DriveSeconds {
  robot: number;
  load: number;
  unload: number;
  locate: number;
  tapeMark: number;
  perFile: number;
  streaming: number;
  /** Backhitches (shoe-shining) when the source fed the drive below its slowest matching speed. */
  reposition: number;
  /** Extra seconds of a drive slowed to a slow source (speed matching, or stopped waiting for data). */
  underrun: number;
}

export const zeroSeconds = (): DriveSeconds => ({
  robot: 0,
  load: 0,
  unload: 0,
  locate: 0,
  tapeMark: 0,
  perFile: 0,
  streaming: 0,
  reposition: 0,
  underrun: 0,
});

export const totalSeconds = (s: DriveSeconds): number =>
  s.robot + s.load + s.unload + s.locate + s.tapeMark + s.perFile + s.streaming + s.reposition + s.underrun;

/** Seconds of drive time moving data at the native rate ÷ all drive seconds (0 when idle). */
export const streamingShare = (s: DriveSeconds): number => {
  const total = totalSeconds(s);
  return total === 0 ? 0 : s.streaming / total;
};

export function addSeconds(into: DriveSeconds, add: Partial<DriveSeconds>): DriveSeconds {
  for (const [k, v] of Object.entries(add) as [keyof DriveSeconds, number][]) into[k] += v;
  return into;
}

/**
 * Where along the tape (0 = beginning, 1 = end) a byte offset lies. LTO writes serpentine: wrap 0
 * runs to the end of tape, wrap 1 comes back, and so on, so byte order is not tape-length order.
 */
export function longitudinal(byte: number, capacity: number, wraps: number): number {
  const perWrap = capacity / wraps;
  const wrap = Math.min(wraps - 1, Math.floor(byte / perWrap));
  const within = (byte - wrap * perWrap) / perWrap;
  return wrap % 2 === 0 ? within : 1 - within;
}

/**
 * Locate time between two byte offsets: a start-up cost plus travel along the tape's length.
 * Travel speed is set so that the average locate from the beginning of tape (mean distance half
 * the length) is the datasheet's average file access time. Staying in place costs nothing.
 */
export function locateSeconds(
  fromByte: number,
  toByte: number,
  fig: Pick<DriveFigures, 'averageLocate' | 'wraps'>,
  capacity: number,
): number {
  if (fromByte === toByte) return 0;
  const fullLength = 2 * (fig.averageLocate - MECHANICS.locateStart);
  const a = longitudinal(fromByte, capacity, fig.wraps);
  const b = longitudinal(toByte, capacity, fig.wraps);
  return MECHANICS.locateStart + fullLength * Math.abs(a - b);
}

/**
 * Drive seconds to write `bytes` fed at `feedRate` bytes/s. At or above the native rate the drive
 * streams; down to its slowest matching speed it slows down (underrun is the extra time); below
 * that it writes a buffer's worth, runs dry, stops, backs up and restarts (a backhitch) again and
 * again — shoe-shining — and the whole write takes as long as the source needs.
 */
export function writeSeconds(
  bytes: number,
  fig: Pick<DriveFigures, 'rate' | 'minRate' | 'buffer'>,
  feedRate = Infinity,
): Pick<DriveSeconds, 'streaming' | 'underrun' | 'reposition'> & { backhitches: number } {
  const streaming = bytes / fig.rate;
  if (bytes === 0 || feedRate >= fig.rate) return { streaming, underrun: 0, reposition: 0, backhitches: 0 };
  if (!(feedRate > 0)) throw new RangeError('feed rate must be > 0');
  if (feedRate >= fig.minRate)
    return { streaming, underrun: bytes / feedRate - streaming, reposition: 0, backhitches: 0 };
  // Each burst drains a full buffer at the slowest speed while the source keeps adding to it.
  const burst = (fig.buffer * fig.minRate) / (fig.minRate - feedRate);
  const backhitches = Math.ceil(bytes / burst);
  const reposition = backhitches * MECHANICS.backhitch;
  const underrun = Math.max(0, bytes / feedRate - streaming - reposition);
  return { streaming, underrun, reposition, backhitches };
}
