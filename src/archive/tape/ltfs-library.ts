import fs from 'node:fs';
import path from 'node:path';
import {
  type CartridgeInfo,
  type DriveInfo,
  type MountedDrive,
  TapeError,
  type TapeLibrary,
  type WrittenTapeFile,
} from './library.ts';
import { liveClaim, refreshClaim, releaseClaim, tryClaim } from './locks.ts';
import { dropPartials, listTapeFiles, readTapeFile, writeTapeFile } from './tape-files.ts';
import { type DriveSeconds, type LtoGeneration, zeroSeconds } from './timing.ts';

export interface LtfsVolumeConfig {
  /** Mount point of the LTFS volume. */
  path: string;
  /** Cartridge barcode (default: the mount point's last name). */
  barcode?: string;
  /** Overrides the free space the file system reports (tests on plain directories). */
  capacity?: number;
}

export interface LtfsLibraryConfig {
  name: string;
  /** Mounted LTFS volumes, one per cartridge (each is already loaded in a drive by LTFS). */
  volumes: (string | LtfsVolumeConfig)[];
  generation: LtoGeneration;
  /** Local directory for the claims that keep two processes off one volume (never on the tape). */
  claimsDir: string;
}

interface Volume {
  barcode: string;
  root: string;
  capacity?: number;
}

/** Tape files live in this folder of the volume, so other LTFS content is left alone. */
const FOLDER = 'fairbeam';

/**
 * LTFS: every mounted LTFS volume is a cartridge and tape files are `fairbeam/NNNNNNNN.tf` in it.
 * The LTFS driver loads and positions the tape, so mount only claims the volume and checks that it
 * is mounted; drive time is the measured wall time of transfers. Capacity is the volume's used
 * bytes plus its free space (statfs), which is what LTFS reports for the cartridge.
 */
export class LtfsLibrary implements TapeLibrary {
  readonly kind = 'ltfs' as const;
  readonly name: string;
  private readonly volumes: Volume[];
  private readonly held = new Map<string, { position: number }>();
  private readonly spent = zeroSeconds();
  private mountCount = 0;

  constructor(readonly config: LtfsLibraryConfig) {
    this.name = config.name;
    this.volumes = config.volumes.map((v) => {
      const c = typeof v === 'string' ? { path: v } : v;
      return {
        barcode: c.barcode ?? path.basename(path.resolve(c.path)),
        root: c.path,
        capacity: c.capacity,
      };
    });
    const seen = new Set<string>();
    for (const v of this.volumes) {
      if (seen.has(v.barcode))
        throw new RangeError(`LTFS library ${this.name}: barcode ${v.barcode} appears twice`);
      seen.add(v.barcode);
    }
  }

  slots = () => this.volumes.length;
  seconds = (): DriveSeconds => ({ ...this.spent });
  mounts = () => this.mountCount;

  private claim = (barcode: string) => path.join(this.config.claimsDir, `${this.name}-${barcode}.json`);
  private dir = (v: Volume) => path.join(v.root, FOLDER);
  private mounted = (v: Volume) => fs.statSync(v.root, { throwIfNoEntry: false })?.isDirectory() ?? false;

  private volume(barcode: string): Volume {
    const v = this.volumes.find((x) => x.barcode === barcode);
    if (!v) throw new TapeError('missing', `no LTFS volume ${barcode} in library ${this.name}`, barcode);
    return v;
  }

  private capacity(v: Volume, used: number): number {
    if (v.capacity !== undefined) return v.capacity;
    const st = fs.statfsSync(v.root);
    return used + st.bavail * st.bsize;
  }

  async cartridges(): Promise<CartridgeInfo[]> {
    return this.volumes.map((v, i) => {
      const online = this.mounted(v);
      const files = online ? listTapeFiles(this.dir(v)) : [];
      const used = files.reduce((s, f) => s + f.size, 0);
      return {
        barcode: v.barcode,
        generation: this.config.generation,
        capacity: online ? this.capacity(v, used) : 0,
        used,
        files: files.length,
        slot: this.held.has(v.barcode) || liveClaim(this.claim(v.barcode)) ? null : i,
        failed: !online,
      };
    });
  }

  /** Each volume sits in its own drive; a drive is "loaded" while a process has the volume claimed. */
  drives(): DriveInfo[] {
    return this.volumes.map((v) => {
      const mine = this.held.get(v.barcode);
      const claim = mine ? null : liveClaim(this.claim(v.barcode));
      return {
        name: `ltfs:${v.barcode}`,
        generation: this.config.generation,
        loaded: mine || claim ? v.barcode : null,
        position: mine?.position ?? claim?.position ?? 0,
        failed: !this.mounted(v),
      };
    });
  }

  async mount(barcode: string): Promise<MountedDrive> {
    const v = this.volume(barcode);
    if (!this.mounted(v))
      throw new TapeError(
        'drive',
        `LTFS volume ${barcode} is not mounted at ${v.root}`,
        barcode,
        `ltfs:${barcode}`,
      );
    if (!tryClaim(this.claim(barcode), barcode)) throw new TapeError('busy', `${barcode} is in use`, barcode);
    dropPartials(this.dir(v));
    const state = { position: 1 };
    this.held.set(barcode, state);
    this.mountCount += 1;
    return this.handle(v, state);
  }

  async unmount(drive: MountedDrive): Promise<void> {
    if (!this.held.delete(drive.barcode)) return;
    releaseClaim(this.claim(drive.barcode));
  }

  private handle(v: Volume, state: { position: number }): MountedDrive {
    const { barcode } = v;
    const name = `ltfs:${barcode}`;
    const dir = this.dir(v);
    const fail = (err: unknown, what: string): TapeError => {
      if (err instanceof TapeError) return err;
      const code = (err as NodeJS.ErrnoException).code;
      const kind = code === 'ENOSPC' ? 'full' : code === 'EIO' || code === 'EROFS' ? 'medium' : 'drive';
      return new TapeError(kind, `${barcode} ${what}: ${(err as Error).message}`, barcode, name);
    };
    const check = () => {
      if (!this.held.has(barcode))
        throw new TapeError('drive', `${barcode} is no longer mounted`, barcode, name);
    };
    const moveTo = (position: number) => {
      state.position = position;
      refreshClaim(this.claim(barcode), { holder: barcode, position });
    };
    const files = () => listTapeFiles(dir);
    return {
      name,
      barcode,
      position: () => state.position,
      locate: async (n) => {
        check();
        if (!Number.isInteger(n) || n < 1 || n > files().length + 1)
          throw new TapeError('missing', `${barcode} has no tape file ${n}`, barcode);
        moveTo(n);
      },
      rewind: async () => {
        check();
        moveTo(1);
      },
      fileSize: async (n) => {
        const f = files().find((x) => x.tapeFile === n);
        if (!f) throw new TapeError('missing', `${barcode} has no tape file ${n}`, barcode);
        return f.size;
      },
      writeFile: async (source): Promise<WrittenTapeFile> => {
        check();
        const existing = files();
        const used = existing.reduce((s, f) => s + f.size, 0);
        const { size } = fs.statSync(source);
        if (used + size > this.capacity(v, used))
          throw new TapeError('full', `${barcode} is full: ${size} bytes do not fit`, barcode, name);
        const next = (existing.at(-1)?.tapeFile ?? 0) + 1;
        const started = performance.now();
        try {
          const written = await writeTapeFile(dir, next, source);
          this.spent.streaming += (performance.now() - started) / 1000;
          moveTo(next + 1);
          return { tapeFile: next, ...written };
        } catch (err) {
          throw fail(err, `writing tape file ${next}`);
        }
      },
      readFile: (n, range) => {
        const spent = this.spent;
        return (async function* () {
          check();
          const started = performance.now();
          try {
            yield* readTapeFile(dir, barcode, n, range);
          } catch (err) {
            throw fail(err, `reading tape file ${n}`);
          } finally {
            spent.streaming += (performance.now() - started) / 1000;
          }
          moveTo(range ? n : n + 1);
        })();
      },
    };
  }
}
