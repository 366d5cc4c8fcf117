import fs from 'node:fs';
import path from 'node:path';
import { PackUsageError, packTree } from '../packing/pack.ts';
import { sha256File } from '../../ingest/hash.ts';
import { checkRelativePath } from '../../ingest/paths.ts';
import type { TapeContext } from './context.ts';
import { ArchiveFailure } from './errors.ts';
import { memberExtents } from './extents.ts';

export const runStagingDir = (ctx: TapeContext, runId: number) => path.join(ctx.stagingDir, `run-${runId}`);

/**
 * Step 1: the dataset's files go `archiving`; small files are packed into containers of the dataset's
 * session (packTree is deterministic and resumes finished containers), large and HDF5 files stay
 * whole. Records the objects to write and where every datafile lies in them. Re-running after a
 * crash repacks only what was unfinished and inserts nothing twice.
 */
export async function packStep(ctx: TapeContext, runId: number): Promise<void> {
  const { db } = ctx;
  const run = await db
    .selectFrom('archive_run')
    .innerJoin('dataset', 'dataset.pid', 'archive_run.dataset_pid')
    .leftJoin('dataset_location', 'dataset_location.dataset_pid', 'dataset.pid')
    .select(['archive_run.dataset_pid', 'dataset.session_id', 'dataset_location.root'])
    .where('archive_run.id', '=', runId)
    .executeTakeFirstOrThrow();
  if (!run.root) throw new ArchiveFailure(`dataset ${run.dataset_pid} has no directory on disk to archive`);
  await db
    .updateTable('datafile')
    .set({ state: 'archiving' })
    .where('dataset_pid', '=', run.dataset_pid)
    .where('state', '=', 'online')
    .execute();
  const files = await db
    .selectFrom('datafile')
    .select(['id', 'path', 'size', 'sha256'])
    .where('dataset_pid', '=', run.dataset_pid)
    .where('state', '=', 'archiving')
    .execute();
  if (files.length === 0)
    throw new ArchiveFailure(`dataset ${run.dataset_pid} has no files on disk to archive`);
  const bad = files.find((f) => checkRelativePath(f.path));
  if (bad) throw new ArchiveFailure(`${bad.path}: not a safe relative path`);

  const policy = await db.selectFrom('archive_policy').selectAll().executeTakeFirstOrThrow();
  const outDir = runStagingDir(ctx, runId);
  const packed = await packTree({
    root: run.root,
    outDir,
    session: run.session_id,
    targetSize: Number(policy.container_bytes),
    largeFileThreshold: Number(policy.large_file_bytes),
    workers: 1,
    // The disk copy may be released once the tape copies are verified: check every byte here too.
    verifyBlob: true,
  }).catch((err: unknown) => {
    // The dataset's directory is gone or not a directory: no retry will change that.
    if (err instanceof PackUsageError) throw new ArchiveFailure(err.message);
    throw err;
  });
  const byPath = new Map(files.map((f) => [f.path, f]));
  const problem = packed.problems.find((p) => byPath.has(p.path));
  if (problem) throw new ArchiveFailure(`${problem.path}: ${problem.reason}`);

  const objects: {
    kind: 'container' | 'file';
    name: string;
    source: string;
    bytes: number;
    sha256: string;
  }[] = [];
  const members: { name: string; datafileId: number; memberPath: string | null; extents: string | null }[] =
    [];
  for (const c of packed.containers) {
    const extents = await memberExtents(c.file);
    const { sha256, bytes } = await sha256File(c.file);
    objects.push({ kind: 'container', name: c.name, source: c.file, bytes, sha256 });
    for (const [memberPath, { extents: ext, sha256: memberSha }] of extents) {
      const f = byPath.get(memberPath);
      if (f?.sha256 && f.sha256 !== memberSha)
        throw new ArchiveFailure(`${memberPath} changed on disk since it was registered (sha256 differs)`);
      if (f)
        members.push({
          name: c.name,
          datafileId: f.id,
          memberPath,
          extents: ext ? JSON.stringify(ext) : null,
        });
    }
  }
  for (const own of packed.ownTapeFiles) {
    const f = byPath.get(own.path);
    if (!f) continue; // on disk but not part of the dataset
    const source = path.join(run.root, own.path);
    const { sha256, bytes } = await sha256File(source);
    if (f.sha256 && f.sha256 !== sha256)
      throw new ArchiveFailure(`${own.path} changed on disk since it was registered (sha256 differs)`);
    objects.push({ kind: 'file', name: `file:${own.path}`, source, bytes, sha256 });
    members.push({ name: `file:${own.path}`, datafileId: f.id, memberPath: null, extents: null });
  }
  const placed = new Set(members.map((m) => m.datafileId));
  const missing = files.find((f) => !placed.has(f.id));
  if (missing) throw new ArchiveFailure(`${missing.path}: registered but not found on disk`);

  await db.transaction().execute(async (tx) => {
    for (const o of objects) {
      await tx
        .insertInto('archive_object')
        .values({ run_id: runId, ...o })
        .onConflict((oc) => oc.columns(['run_id', 'name']).doNothing())
        .execute();
    }
    const ids = new Map(
      (
        await tx.selectFrom('archive_object').select(['id', 'name']).where('run_id', '=', runId).execute()
      ).map((o) => [o.name, o.id]),
    );
    for (let i = 0; i < members.length; i += 500) {
      await tx
        .insertInto('archive_member')
        .values(
          members.slice(i, i + 500).map((m) => ({
            run_id: runId,
            datafile_id: m.datafileId,
            object_id: ids.get(m.name)!,
            member_path: m.memberPath,
            extents: m.extents,
          })),
        )
        .onConflict((oc) => oc.columns(['run_id', 'datafile_id']).doNothing())
        .execute();
    }
    await tx
      .updateTable('archive_run')
      .set({ step: 'write', updated_at: new Date() })
      .where('id', '=', runId)
      .execute();
  });
  if (!fs.existsSync(outDir)) fs.mkdirSync(outDir, { recursive: true });
}
