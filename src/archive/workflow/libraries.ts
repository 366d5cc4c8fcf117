import path from 'node:path';
import { inTransaction, type Db } from '../../db/connect.ts';
import type { TapeLibraryKind } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { TapeLibrary } from '../tape/library.ts';
import { LtfsLibrary } from '../tape/ltfs-library.ts';
import { LTO, type LtoGeneration, isGeneration } from '../tape/timing.ts';
import { VirtualLibrary } from '../tape/virtual-library.ts';

/** What a library row's config holds (the driver's settings). */
export interface LibrarySettings {
  root: string;
  generation: LtoGeneration;
  /** Virtual library only. */
  drives?: number;
  slots?: number;
  clock?: 'simulated' | 'real';
}

export interface LibraryInput extends Partial<LibrarySettings> {
  name: string;
  kind: TapeLibraryKind;
  root: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const invalid = (message: string) => new AppError('invalid_tape_config', 400, message);

/** Adds (or reconfigures) a tape library. */
export async function saveLibrary(db: Db, input: LibraryInput): Promise<void> {
  if (!NAME.test(input.name)) throw invalid(`library name must match ${NAME.source}`);
  const generation = input.generation ?? 'lto8';
  if (!isGeneration(generation)) throw invalid(`generation must be lto7, lto8 or lto9`);
  if (!path.isAbsolute(input.root)) throw invalid(`root must be an absolute directory, got ${input.root}`);
  const settings: LibrarySettings = { root: input.root, generation };
  if (input.kind === 'virtual') {
    settings.drives = input.drives ?? 2;
    settings.slots = input.slots ?? 100;
    settings.clock = input.clock ?? 'simulated';
    if (!Number.isInteger(settings.drives) || settings.drives < 1)
      throw invalid('drives must be a positive integer');
    if (!Number.isInteger(settings.slots) || settings.slots < 1)
      throw invalid('slots must be a positive integer');
  }
  await db
    .insertInto('tape_library')
    .values({ name: input.name, kind: input.kind, config: JSON.stringify(settings) })
    .onConflict((oc) => oc.column('name').doUpdateSet({ kind: input.kind, config: JSON.stringify(settings) }))
    .execute();
}

/** Adds a pool of a library holding copy 1 or copy 2 of every archived file. */
export async function savePool(db: Db, name: string, library: string, copy: 1 | 2): Promise<void> {
  if (!NAME.test(name)) throw invalid(`pool name must match ${NAME.source}`);
  await requireLibrary(db, library);
  await db
    .insertInto('tape_pool')
    .values({ name, library, copy })
    .onConflict((oc) => oc.column('name').doUpdateSet({ library, copy }))
    .execute();
}

/** Registers cartridges (by barcode) in a pool; capacity defaults to the generation's native one. */
export async function addCartridges(
  db: Db,
  pool: string,
  given: string[],
  opts: { capacity?: number; generation?: LtoGeneration } = {},
): Promise<void> {
  // One INSERT ... ON CONFLICT DO UPDATE cannot touch a row twice: a barcode given twice is one cartridge.
  const barcodes = [...new Set(given)];
  const p = await db.selectFrom('tape_pool').selectAll().where('name', '=', pool).executeTakeFirst();
  if (!p) throw new AppError('tape_pool_not_found', 404, `No tape pool "${pool}"`);
  const lib = await requireLibrary(db, p.library);
  const generation = opts.generation ?? lib.settings.generation;
  for (const barcode of barcodes) {
    if (!/^[A-Z0-9]{1,16}$/.test(barcode))
      throw invalid(`barcode must be 1-16 capital letters or digits, got ${barcode}`);
  }
  const existing = await db
    .selectFrom('tape_cartridge')
    .select(['barcode', 'library'])
    .where('barcode', 'in', barcodes.length ? barcodes : [''])
    .execute();
  const elsewhere = existing.find((c) => c.library !== p.library);
  if (elsewhere)
    throw new AppError(
      'cartridge_exists',
      409,
      `Cartridge ${elsewhere.barcode} is in library ${elsewhere.library}`,
    );
  if (barcodes.length === 0) return;
  await inTransaction(db, async (tx) => {
    // Another library may have registered one of them since the check: its row is left alone and
    // the whole registration is refused (it would otherwise land in this library's pool).
    const added = await tx
      .insertInto('tape_cartridge')
      .values(
        barcodes.map((barcode) => ({
          barcode,
          library: p.library,
          pool,
          generation,
          capacity: opts.capacity ?? LTO[generation].capacity,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('barcode')
          .doUpdateSet((eb) => ({ pool: eb.ref('excluded.pool') }))
          .where('tape_cartridge.library', '=', p.library),
      )
      .returning('barcode')
      .execute();
    const got = new Set(added.map((a) => a.barcode));
    const taken = barcodes.find((b) => !got.has(b));
    if (taken !== undefined)
      throw new AppError('cartridge_exists', 409, `Cartridge ${taken} is in another library`);
  });
}

async function requireLibrary(db: Db, name: string) {
  const row = await db.selectFrom('tape_library').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new AppError('tape_library_not_found', 404, `No tape library "${name}"`);
  return { ...row, settings: row.config as unknown as LibrarySettings };
}

/**
 * The TapeLibrary objects of this process, built from the database. Drive state lives in them, so
 * one process keeps one object per library; it is rebuilt when the configuration or cartridges change.
 */
export class LibraryRegistry {
  private cache = new Map<string, { key: string; library: TapeLibrary }>();

  async get(db: Db, name: string): Promise<TapeLibrary> {
    const row = await requireLibrary(db, name);
    const carts = await db
      .selectFrom('tape_cartridge')
      .select(['barcode', 'generation', 'capacity'])
      .where('library', '=', name)
      .orderBy('barcode')
      .execute();
    const key = JSON.stringify([row.kind, row.settings, carts]);
    const hit = this.cache.get(name);
    if (hit && hit.key === key) return hit.library;
    const s = row.settings;
    const library: TapeLibrary =
      row.kind === 'virtual'
        ? new VirtualLibrary({
            name,
            root: s.root,
            generation: s.generation,
            drives: s.drives ?? 2,
            slots: s.slots ?? 100,
            clock: s.clock ?? 'simulated',
            cartridges: carts.map((c) => ({
              barcode: c.barcode,
              generation: c.generation,
              capacity: Number(c.capacity),
            })),
          })
        : new LtfsLibrary({
            name,
            generation: s.generation,
            // Each cartridge is the LTFS volume mounted at <root>/<barcode>.
            volumes: carts.map((c) => ({
              path: path.join(s.root, c.barcode),
              barcode: c.barcode,
              capacity: Number(c.capacity),
            })),
            claimsDir: path.join(s.root, '.fairbeam-claims'),
          });
    this.cache.set(name, { key, library });
    return library;
  }

  /** Libraries already built by this process (for drive status and throughput). */
  built(): TapeLibrary[] {
    return [...this.cache.values()].map((v) => v.library);
  }
}
