import { createHash } from 'node:crypto';
import type { TapeContext } from './context.ts';
import { CartridgeBusyError, countDriveBytes, withCartridge } from './cartridges.ts';
import { TapeError } from '../tape/library.ts';
import { cartridgeLibrary } from './write-step.ts';
import { groupBy } from './group.ts';

/**
 * Step 3: reads every unverified tape file of the run back and compares its sha256 with the
 * object's. A tape file that reads wrong or not at all is forgotten (the run goes back to the write
 * step and writes that copy again); only verified copies ever reach the catalogue.
 */
export async function verifyStep(ctx: TapeContext, runId: number): Promise<void> {
  const files = await ctx.db
    .selectFrom('tape_file as t')
    .innerJoin('archive_object as o', 'o.id', 't.object_id')
    .select(['t.id', 't.cartridge', 't.tape_file', 'o.sha256', 'o.bytes'])
    .where('o.run_id', '=', runId)
    .where('t.verified_at', 'is', null)
    .orderBy('t.cartridge')
    .orderBy('t.tape_file')
    .execute();
  const byCartridge = groupBy(files, (f) => f.cartridge);
  let rewrite = false;
  for (const [barcode, group] of byCartridge) {
    const library = await cartridgeLibrary(ctx, barcode);
    try {
      await withCartridge(ctx, barcode, async (drive) => {
        for (const f of group) {
          let good = false;
          try {
            const hash = createHash('sha256');
            let bytes = 0;
            for await (const piece of drive.readFile(f.tape_file)) {
              hash.update(piece);
              bytes += piece.length;
            }
            await countDriveBytes(ctx, library, drive.name, { read: bytes });
            good = bytes === Number(f.bytes) && hash.digest('hex') === f.sha256;
          } catch (err) {
            if (!(err instanceof TapeError) || err.kind === 'drive') throw err;
          }
          if (good) {
            await ctx.db
              .updateTable('tape_file')
              .set({ verified_at: new Date() })
              .where('id', '=', f.id)
              .execute();
          } else {
            await ctx.db.deleteFrom('tape_file').where('id', '=', f.id).execute();
            rewrite = true;
          }
        }
      });
    } catch (err) {
      if (err instanceof CartridgeBusyError) throw err;
      // Busy (no free drive, or the cartridge is in another drive) says nothing about the medium.
      if (!(err instanceof TapeError) || err.kind === 'drive' || err.kind === 'robot' || err.kind === 'busy')
        throw err;
      // The cartridge cannot be read at all: its copies are written again elsewhere.
      await ctx.db
        .updateTable('tape_cartridge')
        .set({ state: 'failed', last_error: err.message })
        .where('barcode', '=', barcode)
        .execute();
      await ctx.db
        .deleteFrom('tape_file')
        .where(
          'id',
          'in',
          group.map((f) => f.id),
        )
        .execute();
      rewrite = true;
    }
  }
  await ctx.db
    .updateTable('archive_run')
    .set({ step: rewrite ? 'write' : 'catalogue', updated_at: new Date() })
    .where('id', '=', runId)
    .where('step', '=', 'verify')
    .execute();
}
