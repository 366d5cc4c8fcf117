import fs from 'node:fs';
import { sql } from 'kysely';
import type { TapeContext } from './context.ts';
import { runStagingDir } from './pack-step.ts';

/**
 * Step 4, one transaction: every datafile of the run gets its two verified tape copies (tape file,
 * offset and extents within the container) and goes `archived`. Then the staging containers go.
 */
export async function catalogueStep(ctx: TapeContext, runId: number): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('archive_member as m')
      .innerJoin('tape_file as t', 't.object_id', 'm.object_id')
      .select([
        'm.datafile_id',
        'm.member_path',
        'm.extents',
        't.id as tape_file_id',
        't.copy',
        't.verified_at',
      ])
      .where('m.run_id', '=', runId)
      .where('t.verified_at', 'is not', null)
      .execute();
    const sizes = new Map(
      (
        await tx
          .selectFrom('datafile')
          .innerJoin('archive_member', 'archive_member.datafile_id', 'datafile.id')
          .select(['datafile.id', 'datafile.size'])
          .where('archive_member.run_id', '=', runId)
          .execute()
      ).map((r) => [r.id, Number(r.size)]),
    );
    for (let i = 0; i < rows.length; i += 500) {
      await tx
        .insertInto('tape_copy')
        .values(
          rows.slice(i, i + 500).map((r) => ({
            datafile_id: r.datafile_id,
            copy: r.copy,
            tape_file_id: r.tape_file_id,
            member_path: r.member_path,
            offset: r.extents?.[0]?.[0] ?? 0,
            length: sizes.get(r.datafile_id) ?? 0,
            extents: r.extents ? JSON.stringify(r.extents) : null,
            verified_at: r.verified_at as Date,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['datafile_id', 'copy']).doUpdateSet((eb) => ({
            tape_file_id: eb.ref('excluded.tape_file_id'),
            member_path: eb.ref('excluded.member_path'),
            offset: eb.ref('excluded.offset'),
            length: eb.ref('excluded.length'),
            extents: eb.ref('excluded.extents'),
            verified_at: eb.ref('excluded.verified_at'),
          })),
        )
        .execute();
    }
    await tx
      .updateTable('datafile')
      .set({ state: 'archived' })
      .where('state', '=', 'archiving')
      .where('id', 'in', sql<number>`(SELECT datafile_id FROM archive_member WHERE run_id = ${runId})`)
      .execute();
    const run = await tx
      .selectFrom('archive_run')
      .select('release')
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('archive_run')
      .set({
        step: run.release ? 'release' : 'done',
        updated_at: new Date(),
        ...(run.release ? {} : { finished_at: new Date() }),
      })
      .where('id', '=', runId)
      .execute();
  });
  fs.rmSync(runStagingDir(ctx, runId), { recursive: true, force: true });
}
