import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Extents } from '../../db/schema.ts';
import { checkRelativePath } from '../../ingest/paths.ts';
import { TapeError } from '../tape/library.ts';
import { CartridgeBusyError, countDriveBytes, noteCartridgeError, withCartridge } from './cartridges.ts';
import type { TapeContext } from './context.ts';
import { groupBy } from './group.ts';
import { leaseIsStale } from './lease.ts';
import { readMember } from './read-member.ts';

interface Copy {
  copy: number;
  cartridge: string;
  library: string;
  usable: boolean;
  tapeFile: number;
  kind: 'container' | 'file';
  memberPath: string | null;
  extents: Extents | null;
}

interface Job {
  id: number;
  datafileId: number;
  path: string;
  size: number;
  sha256: string | null;
  dest: string;
  inPlace: boolean;
  downloadId: string | null;
  copies: Copy[];
  /** Copies already tried in this batch. */
  tried: Set<number>;
}

export interface RecallProgress {
  batch: string;
  total: number;
  done: number;
  failed: number;
  bytes: number;
  cartridge?: string;
}

export interface BatchResult extends RecallProgress {
  /** Cartridges mounted by this batch, in order (a cartridge appears once per pass over it). */
  mounted: string[];
  /** Bytes read from tape (the member ranges; whole containers only for files without extents). */
  bytesRead: number;
  requeued: number;
}

/**
 * One batch of the recall queue: takes the queued recalls (and those of dead processes), groups
 * them by the cartridge of their first usable copy, mounts each cartridge once and reads its files
 * in tape order, only the byte ranges each file occupies. A copy that cannot be read or does not
 * match the sha256 is retried from the other copy in a second pass over the other copies' cartridges.
 */
export async function runRecallBatch(
  ctx: TapeContext,
  opts: { limit?: number; onProgress?: (p: RecallProgress) => void } = {},
): Promise<BatchResult> {
  const batch = randomUUID();
  const ids = await claimRecalls(ctx, batch, opts.limit ?? 10_000);
  const jobs = await loadJobs(ctx, ids);
  const result: BatchResult = {
    batch,
    total: jobs.length,
    done: 0,
    failed: 0,
    bytes: 0,
    mounted: [],
    bytesRead: 0,
    requeued: 0,
  };
  const report = (cartridge?: string) => opts.onProgress?.({ ...result, cartridge });
  let pending = jobs;
  while (pending.length > 0) {
    const next: Job[] = [];
    const byCartridge = groupBy(
      pending.map((job) => ({ job, copy: job.copies.find((c) => c.usable && !job.tried.has(c.copy))! })),
      (x) => x.copy.cartridge,
    );
    for (const [barcode, group] of byCartridge) {
      group.sort((a, b) => a.copy.tapeFile - b.copy.tapeFile || firstOffset(a.copy) - firstOffset(b.copy));
      const left = new Set(group.map((g) => g.job));
      try {
        await withCartridge(ctx, barcode, async (drive) => {
          result.mounted.push(barcode);
          for (const { job, copy } of group) {
            left.delete(job);
            job.tried.add(copy.copy);
            const partial = `${job.dest}.fairbeam-restore`;
            let outcome: 'done' | 'retry' | 'failed' = 'retry';
            try {
              await atTarget(job, () => fs.mkdirSync(path.dirname(job.dest), { recursive: true }));
              const got = await atTarget(job, () => readMember(drive, copy, partial));
              result.bytesRead += got.read;
              await countDriveBytes(ctx, copy.library, drive.name, { read: got.read });
              if (got.bytes === job.size && (job.sha256 === null || got.sha256 === job.sha256)) {
                await atTarget(job, () => fs.renameSync(partial, job.dest));
                await finish(ctx, job, copy.copy, got.bytes);
                result.done += 1;
                result.bytes += got.bytes;
                outcome = 'done';
              }
            } catch (err) {
              if (err instanceof TapeError && err.kind === 'drive') {
                left.add(job);
                job.tried.delete(copy.copy);
                throw err;
              }
              if (err instanceof RestoreTargetError) {
                await fail(ctx, job, err.message);
                result.failed += 1;
                outcome = 'failed';
              } else if (!(err instanceof TapeError)) throw err;
              else await noteCartridgeError(ctx, barcode, err);
            } finally {
              fs.rmSync(partial, { force: true });
            }
            if (outcome === 'retry') next.push(job);
            report(barcode);
          }
        });
      } catch (err) {
        const device = err instanceof CartridgeBusyError || err instanceof TapeError;
        if (!device) throw err;
        const medium = err instanceof TapeError && (err.kind === 'medium' || err.kind === 'missing');
        // Unreadable cartridge: the other copy; busy cartridge, failed drive or robot: the next batch.
        for (const job of left) {
          if (medium) {
            job.tried.add(group.find((g) => g.job === job)!.copy.copy);
            next.push(job);
          } else {
            await requeue(ctx, job);
            result.requeued += 1;
          }
        }
      }
    }
    pending = [];
    for (const job of next) {
      if (job.copies.some((c) => c.usable && !job.tried.has(c.copy))) pending.push(job);
      else {
        await fail(ctx, job, `no readable copy of ${job.path} (tried copies ${[...job.tried].join(', ')})`);
        result.failed += 1;
        report();
      }
    }
  }
  return result;
}

const firstOffset = (c: Copy) => c.extents?.[0]?.[0] ?? 0;

/** The file cannot be written where it goes (not a tape fault): its recall fails, the batch goes on. */
class RestoreTargetError extends Error {}

async function atTarget<T>(job: Job, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TapeError) throw err;
    throw new RestoreTargetError(`cannot restore ${job.path} to ${job.dest}: ${(err as Error).message}`);
  }
}

async function claimRecalls(ctx: TapeContext, batch: string, limit: number): Promise<number[]> {
  const candidates = await ctx.db
    .selectFrom('recall')
    .select(['id', 'state', 'lease_owner', 'lease_until', sql<Date>`now()`.as('now')])
    .where('state', 'in', ['queued', 'running'])
    .orderBy('id')
    .limit(limit)
    .execute();
  const claimable = candidates.filter(
    (r) => r.state === 'queued' || leaseIsStale(r.lease_owner, r.lease_until, new Date(r.now), ctx.owner),
  );
  const ids: number[] = [];
  for (const [owner, rows] of groupBy(claimable, (r) => (r.state === 'queued' ? null : r.lease_owner))) {
    const taken = await ctx.db
      .updateTable('recall')
      .set((eb) => ({
        state: 'running',
        batch,
        lease_owner: ctx.owner,
        lease_until: sql`now() + make_interval(secs => ${ctx.leaseSeconds})`,
        attempts: eb('attempts', '+', 1),
        updated_at: sql`now()`,
      }))
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where((eb) =>
        owner === null
          ? eb('state', '=', 'queued')
          : eb.and([eb('state', '=', 'running'), eb('lease_owner', '=', owner)]),
      )
      .returning('id')
      .execute();
    ids.push(...taken.map((t) => Number(t.id)));
  }
  return ids;
}

async function loadJobs(ctx: TapeContext, ids: number[]): Promise<Job[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('recall as r')
    .innerJoin('datafile as d', 'd.id', 'r.datafile_id')
    .leftJoin('dataset_location as l', 'l.dataset_pid', 'd.dataset_pid')
    .leftJoin('tape_copy as c', 'c.datafile_id', 'd.id')
    .leftJoin('tape_file as t', 't.id', 'c.tape_file_id')
    .leftJoin('tape_cartridge as k', 'k.barcode', 't.cartridge')
    .select([
      'r.id',
      'r.target',
      'r.download_id',
      'd.id as datafile_id',
      'd.path',
      'd.size',
      'd.sha256',
      'l.root',
      'c.copy',
      'c.member_path',
      'c.extents',
      't.tape_file',
      't.kind',
      'k.barcode',
      'k.library',
      'k.state as cartridge_state',
    ])
    .where('r.id', 'in', ids)
    .orderBy('r.id')
    .orderBy('c.copy')
    .execute();
  const jobs: Job[] = [];
  for (const [id, copies] of groupBy(rows, (r) => Number(r.id))) {
    const r = copies[0]!;
    const job: Job = {
      id,
      datafileId: Number(r.datafile_id),
      path: r.path,
      size: Number(r.size),
      sha256: r.sha256,
      dest: '',
      inPlace: r.target === null,
      downloadId: r.download_id,
      tried: new Set(),
      copies: copies
        .filter((c) => c.copy !== null && c.barcode !== null)
        .map((c) => ({
          copy: c.copy!,
          cartridge: c.barcode!,
          library: c.library!,
          usable: c.cartridge_state !== 'failed',
          tapeFile: c.tape_file!,
          kind: c.kind!,
          memberPath: c.member_path,
          extents: c.extents,
        })),
    };
    const unsafe = checkRelativePath(r.path);
    const base = r.target ?? r.root;
    if (unsafe || !base) {
      await fail(ctx, job, unsafe ? `${r.path}: ${unsafe}` : `dataset of ${r.path} has no directory on disk`);
      continue;
    }
    job.dest = path.join(base, r.path);
    // A failed cartridge is still worth a try when it holds the only copy left.
    if (!job.copies.some((c) => c.usable)) for (const c of job.copies) c.usable = true;
    if (job.copies.length === 0) await fail(ctx, job, `${r.path} has no tape copy`);
    else jobs.push(job);
  }
  return jobs;
}

/** What a recall that has ended (done or failed) sets besides its state: no lease, the end time. */
const ended = {
  lease_owner: null,
  lease_until: null,
  finished_at: sql<Date>`now()`,
  updated_at: sql<Date>`now()`,
} as const;

async function finish(ctx: TapeContext, job: Job, copy: number, bytes: number): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (job.inPlace)
      await tx
        .updateTable('datafile')
        .set({ state: 'online' })
        .where('id', '=', job.datafileId)
        .where('state', 'in', ['restoring', 'offline'])
        .execute();
    await tx
      .updateTable('recall')
      .set({
        state: 'done',
        copy_used: copy,
        bytes,
        ...ended,
      })
      .where('id', '=', job.id)
      .execute();
  });
}

async function fail(ctx: TapeContext, job: Job, error: string): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('recall')
      .set({
        state: 'failed',
        error,
        ...ended,
      })
      .where('id', '=', job.id)
      .execute();
    if (job.inPlace)
      await tx
        .updateTable('datafile')
        .set({ state: 'offline' })
        .where('id', '=', job.datafileId)
        .where('state', '=', 'restoring')
        .execute();
    if (job.downloadId)
      await tx
        .updateTable('download')
        .set({ status: 'failed', updated_at: sql`now()` })
        .where('id', '=', job.downloadId)
        .where('status', '=', 'restoring')
        .execute();
  });
}

async function requeue(ctx: TapeContext, job: Job): Promise<void> {
  await ctx.db
    .updateTable('recall')
    .set({ state: 'queued', batch: null, lease_owner: null, lease_until: null, updated_at: sql`now()` })
    .where('id', '=', job.id)
    .execute();
}

/** Runs batches until the queue is empty or only holds recalls another live process works on. */
export async function drainRecalls(
  ctx: TapeContext,
  onProgress?: (p: RecallProgress) => void,
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await runRecallBatch(ctx, { onProgress });
    if (r.total === 0) break;
    results.push(r);
    if (r.requeued === r.total) break;
  }
  return results;
}
