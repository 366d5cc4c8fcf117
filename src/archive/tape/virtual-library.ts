import path from 'node:path';
import { TapeClock, type ClockMode } from './clock.ts';
import { readFaults, takeRobotError } from './faults.ts';
import {
  type CartridgeInfo,
  type DriveInfo,
  type MountedDrive,
  TapeError,
  type TapeLibrary,
} from './library.ts';
import { liveClaim, refreshClaim, releaseClaim, tryClaim } from './locks.ts';
import { dropPartials, listTapeFiles } from './tape-files.ts';
import { LTO, type LtoGeneration, MECHANICS, locateSeconds } from './timing.ts';
import { VirtualDrive } from './virtual-drive.ts';

export interface CartridgeConfig {
  barcode: string;
  generation: LtoGeneration;
  /** Overrides the generation's native capacity (tests fill cartridges with a few KiB). */
  capacity?: number;
}

export interface VirtualLibraryConfig {
  name: string;
  /** Directory holding `cartridges/<barcode>/`, `claims/` and `faults.json`. */
  root: string;
  /** Generation of the drives: an LTO-N drive reads and writes LTO-N and LTO-(N-1) cartridges. */
  generation: LtoGeneration;
  drives: number;
  slots: number;
  clock: ClockMode;
  /** With the real clock: how many times faster than a real library to run (default 1). */
  realTimeScale?: number;
  /** Cartridges in the library, in slot order. */
  cartridges: CartridgeConfig[];
}

const GENERATION_NUMBER: Record<LtoGeneration, number> = { lto7: 7, lto8: 8, lto9: 9 };

/**
 * A tape library simulated on disk: each cartridge is a directory of numbered tape files. Mechanics
 * cost drive time from the LTO model (simulated or real clock); faults come from faults.json.
 * Which cartridge is in which drive is kept in claim files, so every process using the library sees
 * the same drives, and a killed process's drives are free again.
 */
export class VirtualLibrary implements TapeLibrary {
  readonly kind = 'virtual' as const;
  readonly name: string;
  readonly clock: TapeClock;
  private readonly held = new Map<string, VirtualDrive>();
  private mountCount = 0;

  constructor(readonly config: VirtualLibraryConfig) {
    this.name = config.name;
    this.clock = new TapeClock(config.clock, config.realTimeScale);
    if (!(config.drives >= 1)) throw new RangeError(`library ${config.name} needs at least one drive`);
    if (config.cartridges.length > config.slots)
      throw new RangeError(
        `library ${config.name}: ${config.cartridges.length} cartridges for ${config.slots} slots`,
      );
    const barcodes = new Set<string>();
    for (const c of config.cartridges) {
      // Barcodes name directories and claim files.
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(c.barcode)) throw new RangeError(`bad barcode "${c.barcode}"`);
      if (barcodes.has(c.barcode)) throw new RangeError(`barcode ${c.barcode} appears twice`);
      barcodes.add(c.barcode);
      const gap = GENERATION_NUMBER[config.generation] - GENERATION_NUMBER[c.generation];
      if (gap < 0 || gap > 1)
        throw new RangeError(`${config.generation} drives cannot write ${c.barcode} (${c.generation})`);
    }
  }

  slots = () => this.config.slots;
  seconds = () => ({ ...this.clock.spent });
  mounts = () => this.mountCount;

  private dir = (barcode: string) => path.join(this.config.root, 'cartridges', barcode);
  private driveClaim = (drive: string) => path.join(this.config.root, 'claims', `${drive}.json`);
  private cartridgeClaim = (barcode: string) =>
    path.join(this.config.root, 'claims', `cartridge-${barcode}.json`);
  private driveNames = () => Array.from({ length: this.config.drives }, (_, i) => `drive${i}`);

  private cartridge(barcode: string): CartridgeConfig {
    const c = this.config.cartridges.find((x) => x.barcode === barcode);
    if (!c) throw new TapeError('missing', `no cartridge ${barcode} in library ${this.name}`, barcode);
    return c;
  }

  capacityOf = (c: CartridgeConfig) => c.capacity ?? LTO[c.generation].capacity;

  async cartridges(): Promise<CartridgeInfo[]> {
    const bad = new Set((readFaults(this.config.root).badBlocks ?? []).map((b) => b.barcode));
    return this.config.cartridges.map((c, i) => {
      const files = listTapeFiles(this.dir(c.barcode));
      return {
        barcode: c.barcode,
        generation: c.generation,
        capacity: this.capacityOf(c),
        used: files.reduce((s, f) => s + f.size, 0),
        files: files.length,
        slot: liveClaim(this.cartridgeClaim(c.barcode)) ? null : i,
        failed: bad.has(c.barcode),
      };
    });
  }

  drives(): DriveInfo[] {
    const failed = new Set(readFaults(this.config.root).failedDrives ?? []);
    return this.driveNames().map((name) => {
      const mine = this.held.get(name);
      const claim = mine ? null : liveClaim(this.driveClaim(name));
      return {
        name,
        generation: this.config.generation,
        loaded: mine?.barcode ?? claim?.holder ?? null,
        position: mine?.position() ?? claim?.position ?? 0,
        failed: failed.has(name),
      };
    });
  }

  async mount(barcode: string): Promise<MountedDrive> {
    const cart = this.cartridge(barcode);
    const failed = new Set(readFaults(this.config.root).failedDrives ?? []);
    const working = this.driveNames().filter((d) => !failed.has(d));
    if (working.length === 0)
      throw new TapeError('drive', `every drive of library ${this.name} has failed`, barcode);
    const cartClaim = this.cartridgeClaim(barcode);
    if (!tryClaim(cartClaim, ''))
      throw new TapeError('busy', `${barcode} is already in a drive of library ${this.name}`, barcode);
    const name = working.find((d) => tryClaim(this.driveClaim(d), barcode));
    if (!name) {
      releaseClaim(cartClaim);
      throw new TapeError(
        'busy',
        `all ${working.length} working drives of library ${this.name} are in use`,
        barcode,
      );
    }
    const release = () => {
      releaseClaim(this.driveClaim(name));
      releaseClaim(cartClaim);
    };
    let drive: VirtualDrive;
    try {
      refreshClaim(cartClaim, { holder: name });
      await this.clock.spend('robot', MECHANICS.robotMove);
      if (takeRobotError(this.config.root))
        throw new TapeError(
          'robot',
          `robot of ${this.name} failed moving ${barcode} to ${name}`,
          barcode,
          name,
        );
      await this.clock.spend('load', LTO[cart.generation].load);
      // A process killed while appending left a partial file; on tape, appending restarts after the
      // last tape mark, which is what dropping it amounts to.
      dropPartials(this.dir(barcode));
      drive = new VirtualDrive({
        name,
        barcode,
        dir: this.dir(barcode),
        figures: LTO[cart.generation],
        capacity: this.capacityOf(cart),
        root: this.config.root,
        clock: this.clock,
        library: this.name,
        onMove: (position) => refreshClaim(this.driveClaim(name), { holder: barcode, position }),
      });
    } catch (err) {
      release();
      throw err;
    }
    this.held.set(name, drive);
    this.mountCount += 1;
    return drive;
  }

  async unmount(handle: MountedDrive): Promise<void> {
    const drive = this.held.get(handle.name);
    if (!drive || drive !== handle) return;
    const fig = drive.figures;
    // Drives rewind before they unload; a failed drive is emptied by the robot all the same.
    await this.clock.spend('locate', locateSeconds(drive.byte, 0, fig, drive.capacity));
    await this.clock.spend('unload', fig.unload);
    await this.clock.spend('robot', MECHANICS.robotMove);
    drive.eject();
    this.held.delete(handle.name);
    releaseClaim(this.driveClaim(handle.name));
    releaseClaim(this.cartridgeClaim(handle.barcode));
  }
}
