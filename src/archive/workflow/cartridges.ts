import { sql } from 'kysely';
import type { TapeContext } from './context.ts';
import { leaseIsStale } from './lease.ts';
import { type MountedDrive, TapeError } from '../tape/library.ts';

/** Another process has the cartridge mounted; try later. */
export class CartridgeBusyError extends Error {}

const ROBOT_RETRIES = 3;

/**
 * Runs `work` with the cartridge mounted: takes the cartridge's lease in the database (one process
 * at a time uses a cartridge), mounts it (retrying robot errors), and always unmounts and lets go.
 */
export async function withCartridge<T>(
  ctx: TapeContext,
  barcode: string,
  work: (drive: MountedDrive) => Promise<T>,
): Promise<T> {
  await takeCartridge(ctx, barcode);
  try {
    const cart = await ctx.db
      .selectFrom('tape_cartridge')
      .select('library')
      .where('barcode', '=', barcode)
      .executeTakeFirstOrThrow();
    const library = await ctx.libraries.get(ctx.db, cart.library);
    let drive: MountedDrive | undefined;
    for (let attempt = 1; !drive; attempt++) {
      try {
        drive = await library.mount(barcode);
      } catch (err) {
        if (err instanceof TapeError && err.kind === 'robot' && attempt < ROBOT_RETRIES) continue;
        if (err instanceof TapeError) await noteCartridgeError(ctx, barcode, err);
        throw err;
      }
    }
    try {
      return await work(drive);
    } catch (err) {
      if (err instanceof TapeError && err.kind === 'drive')
        await noteDriveError(ctx, cart.library, drive.name, err);
      if (err instanceof TapeError) await noteCartridgeError(ctx, barcode, err);
      throw err;
    } finally {
      await library.unmount(drive).catch(() => {});
    }
  } finally {
    await ctx.db
      .updateTable('tape_cartridge')
      .set({ lease_owner: null, lease_until: null })
      .where('barcode', '=', barcode)
      .where('lease_owner', '=', ctx.owner)
      .execute();
  }
}

async function takeCartridge(ctx: TapeContext, barcode: string): Promise<void> {
  const row = await ctx.db
    .selectFrom('tape_cartridge')
    .select(['lease_owner', 'lease_until', sql<Date>`now()`.as('now')])
    .where('barcode', '=', barcode)
    .executeTakeFirstOrThrow();
  if (!leaseIsStale(row.lease_owner, row.lease_until, new Date(row.now), ctx.owner))
    throw new CartridgeBusyError(`cartridge ${barcode} is in use by ${row.lease_owner}`);
  const taken = await ctx.db
    .updateTable('tape_cartridge')
    .set({ lease_owner: ctx.owner, lease_until: sql`now() + make_interval(secs => ${ctx.leaseSeconds})` })
    .where('barcode', '=', barcode)
    .where((eb) =>
      row.lease_owner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', row.lease_owner),
    )
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1) throw new CartridgeBusyError(`cartridge ${barcode} was just taken`);
}

/** Counts a device error against the cartridge or drive it came from, for operators. */
export async function noteCartridgeError(ctx: TapeContext, barcode: string, err: TapeError): Promise<void> {
  if (err.kind === 'medium' || err.kind === 'missing') {
    await ctx.db
      .updateTable('tape_cartridge')
      .set((eb) => ({ errors: eb('errors', '+', 1), last_error: err.message }))
      .where('barcode', '=', barcode)
      .execute();
  }
}

export async function noteDriveError(
  ctx: TapeContext,
  library: string,
  drive: string,
  err: Error,
): Promise<void> {
  await ctx.db
    .insertInto('tape_drive')
    .values({ library, name: drive, errors: 1, last_error: err.message })
    .onConflict((oc) =>
      oc.columns(['library', 'name']).doUpdateSet((eb) => ({
        errors: eb('tape_drive.errors', '+', 1),
        last_error: err.message,
        updated_at: sql`now()`,
      })),
    )
    .execute();
}

export async function countDriveBytes(
  ctx: TapeContext,
  library: string,
  drive: string,
  bytes: { read?: number; written?: number },
): Promise<void> {
  await ctx.db
    .insertInto('tape_drive')
    .values({ library, name: drive, bytes_read: bytes.read ?? 0, bytes_written: bytes.written ?? 0 })
    .onConflict((oc) =>
      oc.columns(['library', 'name']).doUpdateSet((eb) => ({
        bytes_read: eb('tape_drive.bytes_read', '+', bytes.read ?? 0),
        bytes_written: eb('tape_drive.bytes_written', '+', bytes.written ?? 0),
        updated_at: sql`now()`,
      })),
    )
    .execute();
}
