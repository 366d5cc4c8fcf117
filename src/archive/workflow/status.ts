import type { Static } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { DatafileState } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { LibraryRegistry } from './libraries.ts';
import type { Cartridge, Drive, Queue, Status, TapeCopy } from './wire.ts';

// The views are the admin API's response schemas (wire.ts), so the CLI, the API and the portal agree.
export type CartridgeView = Static<typeof Cartridge>;
/** `loaded`, `failed`: live state as this process sees the library (null: it could not be opened). */
export type DriveView = Static<typeof Drive>;
export type QueueView = Static<typeof Queue>;
export type TapeStatus = Static<typeof Status>;

export async function listCartridges(db: Db): Promise<CartridgeView[]> {
  const rows = await db
    .selectFrom('tape_cartridge as c')
    .innerJoin('tape_pool as p', 'p.name', 'c.pool')
    .select([
      'c.barcode',
      'c.library',
      'c.pool',
      'p.copy',
      'c.generation',
      'c.capacity',
      'c.used',
      'c.errors',
      'c.last_error',
      'c.state',
      sql<string | null>`CASE WHEN c.lease_until > now() THEN c.lease_owner END`.as('in_use_by'),
      sql<number>`(SELECT count(*) FROM tape_file t WHERE t.cartridge = c.barcode)::int`.as('tape_files'),
    ])
    .orderBy('c.library')
    .orderBy('c.barcode')
    .execute();
  return rows.map((r) => ({
    barcode: r.barcode,
    library: r.library,
    pool: r.pool,
    copy: r.copy,
    generation: r.generation,
    capacity: Number(r.capacity),
    used: Number(r.used),
    fill: Number(r.capacity) > 0 ? Number(r.used) / Number(r.capacity) : 0,
    tapeFiles: r.tape_files,
    errors: r.errors,
    lastError: r.last_error,
    state: r.state,
    inUseBy: r.in_use_by,
  }));
}

export async function listDrives(db: Db, registry: LibraryRegistry): Promise<DriveView[]> {
  const libraries = await db.selectFrom('tape_library').select('name').orderBy('name').execute();
  const counted = await db.selectFrom('tape_drive').selectAll().execute();
  const out: DriveView[] = [];
  for (const { name } of libraries) {
    let live: { name: string; loaded: string | null; failed: boolean }[] = [];
    try {
      live = (await registry.get(db, name)).drives();
    } catch {
      live = [];
    }
    const names = new Set([
      ...live.map((d) => d.name),
      ...counted.filter((c) => c.library === name).map((c) => c.name),
    ]);
    for (const drive of [...names].sort()) {
      const l = live.find((d) => d.name === drive);
      const c = counted.find((x) => x.library === name && x.name === drive);
      out.push({
        library: name,
        name: drive,
        loaded: l?.loaded ?? null,
        failed: l ? l.failed : null,
        errors: c?.errors ?? 0,
        lastError: c?.last_error ?? null,
        bytesRead: Number(c?.bytes_read ?? 0),
        bytesWritten: Number(c?.bytes_written ?? 0),
      });
    }
  }
  return out;
}

/** The recall queue (waiting and running first, then the latest finished) and unfinished archive runs. */
export async function recallQueue(db: Db, limit = 200): Promise<QueueView> {
  const counts = await db
    .selectFrom('recall')
    .select(['state', sql<number>`count(*)::int`.as('n')])
    .groupBy('state')
    .execute();
  const runs = await db
    .selectFrom('archive_run')
    .select(['id', 'dataset_pid', 'step', 'error', 'created_at'])
    .where((eb) =>
      eb.or([
        eb('step', 'not in', ['done', 'failed']),
        eb('updated_at', '>', sql<Date>`now() - interval '1 day'`),
      ]),
    )
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const recalls = await db
    .selectFrom('recall as r')
    .innerJoin('datafile as d', 'd.id', 'r.datafile_id')
    .leftJoin('tape_copy as c', (j) => j.onRef('c.datafile_id', '=', 'r.datafile_id').on('c.copy', '=', 1))
    .leftJoin('tape_file as t', 't.id', 'c.tape_file_id')
    .select([
      'r.id',
      'r.datafile_id',
      'd.path',
      'r.state',
      't.cartridge',
      't.tape_file',
      'r.attempts',
      'r.error',
      'r.download_id',
      'r.created_at',
    ])
    .orderBy(sql`CASE WHEN r.state IN ('queued', 'running') THEN 0 ELSE 1 END`)
    .orderBy('r.id', 'desc')
    .limit(limit)
    .execute();
  const n = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
  return {
    counts: { queued: n('queued'), running: n('running'), done: n('done'), failed: n('failed') },
    archiveRuns: runs.map((r) => ({
      id: Number(r.id),
      dataset: r.dataset_pid,
      step: r.step,
      error: r.error,
      createdAt: r.created_at.toISOString(),
    })),
    recalls: recalls.map((r) => ({
      id: Number(r.id),
      datafileId: Number(r.datafile_id),
      path: r.path,
      state: r.state,
      cartridge: r.cartridge,
      tapeFile: r.tape_file,
      attempts: r.attempts,
      error: r.error,
      downloadId: r.download_id,
      createdAt: r.created_at.toISOString(),
    })),
  };
}

export async function tapeStatus(db: Db): Promise<TapeStatus> {
  const libs = await db.selectFrom('tape_library').selectAll().orderBy('name').execute();
  const pools = await db.selectFrom('tape_pool').select(['name', 'library']).orderBy('name').execute();
  const carts = await listCartridges(db);
  const queue = await recallQueue(db, 1);
  const active = await db
    .selectFrom('archive_run')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('step', 'not in', ['done', 'failed'])
    .executeTakeFirstOrThrow();
  const drives = await db
    .selectFrom('tape_drive')
    .select([
      sql<number>`coalesce(sum(bytes_read), 0)`.as('r'),
      sql<number>`coalesce(sum(bytes_written), 0)`.as('w'),
    ])
    .executeTakeFirstOrThrow();
  const copies = await db
    .selectFrom('tape_copy')
    .select([
      sql<number>`count(DISTINCT datafile_id)::int`.as('files'),
      sql<number>`(SELECT count(*) FROM (SELECT datafile_id FROM tape_copy GROUP BY datafile_id HAVING count(*) >= 2) x)::int`.as(
        'twice',
      ),
    ])
    .executeTakeFirstOrThrow();
  const state = (s: string) => carts.filter((c) => c.state === s).length;
  return {
    libraries: libs.map((l) => ({
      name: l.name,
      kind: l.kind,
      root: String((l.config as { root?: string }).root ?? ''),
      cartridges: carts.filter((c) => c.library === l.name).length,
      pools: pools.filter((p) => p.library === l.name).map((p) => p.name),
    })),
    cartridges: {
      total: carts.length,
      available: state('available'),
      full: state('full'),
      failed: state('failed'),
      capacity: carts.reduce((s, c) => s + c.capacity, 0),
      used: carts.reduce((s, c) => s + c.used, 0),
    },
    queue: queue.counts,
    activeArchiveRuns: active.n,
    throughput: { bytesRead: Number(drives.r), bytesWritten: Number(drives.w) },
    copies: { datafiles: copies.files, archivedTwice: copies.twice },
  };
}

export type TapeCopyView = Static<typeof TapeCopy>;

export interface FileArchiveView {
  id: number;
  path: string;
  size: number;
  state: DatafileState;
  copies: TapeCopyView[];
}

/** Each file of a dataset with its state and tape copies (`archive status`). */
export async function datasetArchiveStatus(db: Db, pid: string): Promise<FileArchiveView[]> {
  const ds = await db.selectFrom('dataset').select('pid').where('pid', '=', pid).executeTakeFirst();
  if (!ds) throw notFound('dataset', pid);
  const files = await db
    .selectFrom('datafile')
    .select(['id', 'path', 'size', 'state'])
    .where('dataset_pid', '=', pid)
    .orderBy('path')
    .execute();
  const copies = await fileCopies(
    db,
    files.map((f) => f.id),
  );
  return files.map((f) => ({
    id: f.id,
    path: f.path,
    size: Number(f.size),
    state: f.state,
    copies: copies.get(f.id) ?? [],
  }));
}

/** The tape copies of datafiles, by datafile id (for the datafile JSON of the API too). */
export async function fileCopies(db: Db, ids: number[]): Promise<Map<number, TapeCopyView[]>> {
  const out = new Map<number, TapeCopyView[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('tape_copy as c')
    .innerJoin('tape_file as t', 't.id', 'c.tape_file_id')
    .innerJoin('tape_cartridge as k', 'k.barcode', 't.cartridge')
    .select([
      'c.datafile_id',
      'c.copy',
      'k.library',
      'k.pool',
      't.cartridge',
      't.tape_file',
      'c.offset',
      'c.length',
      'c.verified_at',
    ])
    .where('c.datafile_id', 'in', ids)
    .orderBy('c.datafile_id')
    .orderBy('c.copy')
    .execute();
  for (const r of rows) {
    const list = out.get(Number(r.datafile_id)) ?? [];
    list.push({
      copy: r.copy,
      library: r.library,
      pool: r.pool,
      cartridge: r.cartridge,
      tapeFile: r.tape_file,
      offset: Number(r.offset),
      length: Number(r.length),
      verifiedAt: new Date(r.verified_at).toISOString(),
    });
    out.set(Number(r.datafile_id), list);
  }
  return out;
}
