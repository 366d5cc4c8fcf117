import fs from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { ArchiveStep } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import type { TapeContext } from './context.ts';
import { ArchiveFailure } from './errors.ts';
import { leaseIsStale } from './lease.ts';
import { packStep, runStagingDir } from './pack-step.ts';
import { type WriteProgress, writeStep } from './write-step.ts';
import { verifyStep } from './verify-step.ts';
import { catalogueStep } from './catalogue-step.ts';
import { releaseDisk } from './release.ts';

export interface ArchiveRun {
  id: number;
  datasetPid: string;
  step: ArchiveStep;
  error: string | null;
}

/** Queues a dataset for archiving now; the active run if there is one already. */
export async function requestArchive(
  db: Db,
  pid: string,
  opts: { actor: string; release?: boolean; reason?: 'request' | 'policy' },
): Promise<ArchiveRun> {
  const dataset = await db.selectFrom('dataset').select('pid').where('pid', '=', pid).executeTakeFirst();
  if (!dataset) throw notFound('dataset', pid);
  const active = await activeRun(db, pid);
  if (active) return active;
  const row = await db
    .insertInto('archive_run')
    .values({
      dataset_pid: pid,
      reason: opts.reason ?? 'request',
      release: opts.release ?? false,
      actor: opts.actor,
    })
    .onConflict((oc) => oc.column('dataset_pid').where('step', 'not in', ['done', 'failed']).doNothing())
    .returning(['id', 'dataset_pid', 'step', 'error'])
    .executeTakeFirst();
  if (row) return toRun(row);
  const again = await activeRun(db, pid);
  if (!again) throw new AppError('archive_conflict', 409, `Archive run of ${pid} changed; try again`);
  return again;
}

async function activeRun(db: Db, pid: string): Promise<ArchiveRun | undefined> {
  const row = await db
    .selectFrom('archive_run')
    .select(['id', 'dataset_pid', 'step', 'error'])
    .where('dataset_pid', '=', pid)
    .where('step', 'not in', ['done', 'failed'])
    .executeTakeFirst();
  return row && toRun(row);
}

const toRun = (r: {
  id: number;
  dataset_pid: string;
  step: ArchiveStep;
  error: string | null;
}): ArchiveRun => ({
  id: Number(r.id),
  datasetPid: r.dataset_pid,
  step: r.step,
  error: r.error,
});

export interface RunProgress {
  runId: number;
  step: ArchiveStep;
  write?: WriteProgress;
}

/**
 * Moves one run through its steps until done or failed. Takes the run's lease first (another live
 * process working on it: returns false). Each step records its result before the next begins, so
 * killing the process anywhere and calling this again (here or elsewhere) finishes the run.
 */
export async function advanceRun(
  ctx: TapeContext,
  runId: number,
  onProgress: (p: RunProgress) => void = () => {},
): Promise<boolean> {
  if (!(await takeRun(ctx, runId))) return false;
  try {
    for (;;) {
      const run = await ctx.db
        .selectFrom('archive_run')
        .selectAll()
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      onProgress({ runId, step: run.step });
      await renewRun(ctx, runId);
      try {
        switch (run.step) {
          case 'pack':
            await packStep(ctx, runId);
            break;
          case 'write':
            await writeStep(ctx, runId, (write) => {
              onProgress({ runId, step: 'write', write });
              void renewRun(ctx, runId).catch(() => {}); // hours of writing must not lose the lease
            });
            break;
          case 'verify':
            await verifyStep(ctx, runId);
            break;
          case 'catalogue':
            await catalogueStep(ctx, runId);
            break;
          case 'release':
            // A refusal (no directory under a data root, dataset gone) is the same at every retry.
            await releaseDisk(ctx.db, run.dataset_pid, ctx.dataRoots).catch((err: unknown) => {
              if (!(err instanceof AppError)) throw err;
              throw new ArchiveFailure(`archived, but the disk copies were not released: ${err.message}`);
            });
            await ctx.db
              .updateTable('archive_run')
              .set({ step: 'done', finished_at: new Date(), updated_at: new Date() })
              .where('id', '=', runId)
              .execute();
            break;
          case 'done':
          case 'failed':
            fs.rmSync(runStagingDir(ctx, runId), { recursive: true, force: true });
            return true;
        }
      } catch (err) {
        if (!(err instanceof ArchiveFailure)) throw err;
        await failRun(ctx.db, runId, err.message);
      }
    }
  } finally {
    await ctx.db
      .updateTable('archive_run')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', runId)
      .where('lease_owner', '=', ctx.owner)
      .execute();
  }
}

/** A run that cannot finish: its files go back to `online` (nothing was catalogued for them). */
async function failRun(db: Db, runId: number, message: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const run = await tx
      .updateTable('archive_run')
      .set({ step: 'failed', error: message, finished_at: new Date(), updated_at: new Date() })
      .where('id', '=', runId)
      .returning('dataset_pid')
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('datafile')
      .set({ state: 'online' })
      .where('dataset_pid', '=', run.dataset_pid)
      .where('state', '=', 'archiving')
      .execute();
  });
}

async function takeRun(ctx: TapeContext, runId: number): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('archive_run')
    .select(['lease_owner', 'lease_until', sql<Date>`now()`.as('now')])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!row) throw new AppError('archive_run_not_found', 404, `No archive run ${runId}`);
  if (!leaseIsStale(row.lease_owner, row.lease_until, new Date(row.now), ctx.owner)) return false;
  const taken = await ctx.db
    .updateTable('archive_run')
    .set({ lease_owner: ctx.owner, lease_until: sql`now() + make_interval(secs => ${ctx.leaseSeconds})` })
    .where('id', '=', runId)
    .where((eb) =>
      row.lease_owner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', row.lease_owner),
    )
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

const renewRun = (ctx: TapeContext, runId: number) =>
  ctx.db
    .updateTable('archive_run')
    .set({ lease_until: sql`now() + make_interval(secs => ${ctx.leaseSeconds})` })
    .where('id', '=', runId)
    .where('lease_owner', '=', ctx.owner)
    .execute();

/** Advances every unfinished run this process can take; returns how many it finished. */
export async function advanceAllRuns(
  ctx: TapeContext,
  onProgress?: (p: RunProgress) => void,
): Promise<number> {
  const runs = await ctx.db
    .selectFrom('archive_run')
    .select('id')
    .where('step', 'not in', ['done', 'failed'])
    .orderBy('id')
    .execute();
  let finished = 0;
  // One run that keeps failing must not stop the others; its error is still thrown (the job retries).
  const failures: unknown[] = [];
  for (const r of runs) {
    try {
      if (await advanceRun(ctx, Number(r.id), onProgress)) finished += 1;
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw failures[0];
  return finished;
}

/** How long the policy leaves a dataset alone after its archive run failed (a data manager can ask at once). */
const FAILED_RUN_BACKOFF = '1 day';

/**
 * The archiving policy: datasets whose files are all on disk and not archived, older than
 * min_age_days or larger than min_bytes, get a run. Returns the dataset pids queued.
 */
export async function queueDueDatasets(db: Db, now: Date): Promise<string[]> {
  const policy = await db.selectFrom('archive_policy').selectAll().executeTakeFirstOrThrow();
  if (!policy.enabled) return [];
  const cutoff = new Date(now.getTime() - policy.min_age_days * 86_400_000);
  const due = await db
    .selectFrom('dataset')
    .innerJoin('dataset_location', 'dataset_location.dataset_pid', 'dataset.pid')
    .innerJoin('datafile', 'datafile.dataset_pid', 'dataset.pid')
    .select('dataset.pid')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('archive_run as r')
            .select('r.id')
            .whereRef('r.dataset_pid', '=', 'dataset.pid')
            // A run under way or done, or one that failed in the last day: a dataset that cannot be
            // archived (its directory gone, say) is tried once a day, not at every tick.
            .where((eb) =>
              eb.or([
                eb('r.step', '!=', 'failed'),
                eb('r.finished_at', '>', sql<Date>`now() - ${FAILED_RUN_BACKOFF}::interval`),
              ]),
            ),
        ),
      ),
    )
    .groupBy('dataset.pid')
    .having((eb) => eb.fn.count<number>('datafile.id').filterWhere('datafile.state', '!=', 'online'), '=', 0)
    .having((eb) =>
      eb.or([
        eb(eb.fn.min('dataset.created_at'), '<=', cutoff),
        ...(policy.min_bytes !== null
          ? [eb(eb.fn.sum<number>('datafile.size'), '>=', policy.min_bytes)]
          : []),
      ]),
    )
    .execute();
  for (const d of due)
    await requestArchive(db, d.pid, { actor: 'policy', reason: 'policy', release: policy.release });
  return due.map((d) => d.pid);
}
