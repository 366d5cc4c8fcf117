import { sql } from 'kysely';
import type { TapeContext } from './context.ts';
import { CartridgeBusyError, countDriveBytes, withCartridge } from './cartridges.ts';
import { ArchiveFailure } from './errors.ts';
import { TapeError } from '../tape/library.ts';

interface PendingObject {
  id: number;
  source: string;
  bytes: number;
  sha256: string;
  kind: 'container' | 'file';
}

export interface WriteProgress {
  copy: 1 | 2;
  written: number;
  total: number;
  cartridge: string;
}

/**
 * Step 2: every object of the run goes to tape twice, copy 1 on a cartridge of a copy-1 pool and
 * copy 2 on one of a copy-2 pool. A tape file is recorded only after the drive finished it; a crash
 * in between leaves an unlisted tape file (lost space, never lost data) and the object is written
 * again. Objects of one copy go to one cartridge after another, one mount each.
 */
export async function writeStep(
  ctx: TapeContext,
  runId: number,
  onProgress: (p: WriteProgress) => void = () => {},
): Promise<void> {
  for (const copy of [1, 2] as const) {
    const skipped = new Set<string>();
    let deviceErrors = 0;
    for (;;) {
      const pending = await pendingObjects(ctx, runId, copy);
      if (pending.length === 0) break;
      const barcode = await chooseCartridge(ctx, copy, pending[0]!.bytes, skipped);
      try {
        await withCartridge(ctx, barcode, async (drive) => {
          const library = await cartridgeLibrary(ctx, barcode);
          for (const [i, object] of pending.entries()) {
            const free = await freeBytes(ctx, barcode);
            if (object.bytes > free) break;
            const written = await drive.writeFile(object.source);
            if (written.sha256 !== object.sha256 || written.bytes !== object.bytes)
              throw new ArchiveFailure(
                `${object.source} changed while it was written to tape (sha256 differs)`,
              );
            await ctx.db.transaction().execute(async (tx) => {
              await tx
                .insertInto('tape_file')
                .values({
                  cartridge: barcode,
                  tape_file: written.tapeFile,
                  object_id: object.id,
                  copy,
                  kind: object.kind,
                  bytes: written.bytes,
                  sha256: written.sha256,
                })
                .execute();
              await tx
                .updateTable('tape_cartridge')
                .set((eb) => ({ used: eb('used', '+', written.bytes) }))
                .where('barcode', '=', barcode)
                .execute();
            });
            await countDriveBytes(ctx, library, drive.name, { written: written.bytes });
            onProgress({ copy, written: i + 1, total: pending.length, cartridge: barcode });
          }
        });
      } catch (err) {
        if (err instanceof CartridgeBusyError) {
          skipped.add(barcode);
          continue;
        }
        if (!(err instanceof TapeError)) throw err;
        if (err.kind === 'full') {
          await ctx.db
            .updateTable('tape_cartridge')
            .set({ state: 'full' })
            .where('barcode', '=', barcode)
            .execute();
        } else if (err.kind === 'medium' || err.kind === 'missing') {
          await ctx.db
            .updateTable('tape_cartridge')
            .set({ state: 'failed', last_error: err.message })
            .where('barcode', '=', barcode)
            .execute();
        } else if (err.kind === 'busy') {
          skipped.add(barcode);
        } else if (++deviceErrors >= 5) {
          throw err; // drive or robot, again and again: the job is retried later
        }
      }
    }
  }
  await ctx.db
    .updateTable('archive_run')
    .set({ step: 'verify', updated_at: new Date() })
    .where('id', '=', runId)
    .where('step', '=', 'write')
    .execute();
}

async function pendingObjects(ctx: TapeContext, runId: number, copy: 1 | 2): Promise<PendingObject[]> {
  const rows = await ctx.db
    .selectFrom('archive_object as o')
    .select(['o.id', 'o.source', 'o.bytes', 'o.sha256', 'o.kind'])
    .where('o.run_id', '=', runId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('tape_file as t')
            .select('t.id')
            .whereRef('t.object_id', '=', 'o.id')
            .where('t.copy', '=', copy),
        ),
      ),
    )
    .orderBy('o.id')
    .execute();
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes) }));
}

async function chooseCartridge(
  ctx: TapeContext,
  copy: 1 | 2,
  bytes: number,
  skipped: Set<string>,
): Promise<string> {
  const rows = await ctx.db
    .selectFrom('tape_cartridge as c')
    .innerJoin('tape_pool as p', 'p.name', 'c.pool')
    .select(['c.barcode'])
    .where('p.copy', '=', copy)
    .where('c.state', '=', 'available')
    .where(sql<boolean>`c.capacity - c.used >= ${bytes}`)
    .orderBy('c.used', 'desc')
    .orderBy('c.barcode')
    .execute();
  const choice = rows.find((r) => !skipped.has(r.barcode));
  if (choice) return choice.barcode;
  if (rows.length > 0) throw new CartridgeBusyError(`every cartridge for copy ${copy} is in use`);
  throw new ArchiveFailure(`no cartridge with ${bytes} bytes free in a pool for copy ${copy}`);
}

async function freeBytes(ctx: TapeContext, barcode: string): Promise<number> {
  const c = await ctx.db
    .selectFrom('tape_cartridge')
    .select(['capacity', 'used'])
    .where('barcode', '=', barcode)
    .executeTakeFirstOrThrow();
  return Number(c.capacity) - Number(c.used);
}

export async function cartridgeLibrary(ctx: TapeContext, barcode: string): Promise<string> {
  const c = await ctx.db
    .selectFrom('tape_cartridge')
    .select('library')
    .where('barcode', '=', barcode)
    .executeTakeFirstOrThrow();
  return c.library;
}
