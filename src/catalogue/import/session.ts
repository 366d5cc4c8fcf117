import type { Static } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { AppError } from '../../errors.ts';
import type { ImportSession } from './schema.ts';
import { replaceDatasetParameters } from '../parameters/repo.ts';
import { newDatasetPid } from '../datasets/pid.ts';

interface SessionContext {
  doiPrefix: string;
  embargoYears: number;
  userId(username: string, pointer: string): number;
  refError(pointer: string, message: string): AppError;
}

/** Default release: the session's end plus the embargo (3 years unless configured). */
export function defaultReleaseDate(end: Date, embargoYears: number): Date {
  const d = new Date(end);
  d.setUTCFullYear(d.getUTCFullYear() + embargoYears);
  return d;
}

export async function importSession(
  tx: Db,
  proposalId: string,
  s: Static<typeof ImportSession>,
  at: string,
  ctx: SessionContext,
): Promise<{ datasets: number; files: number }> {
  const instrument = await tx
    .selectFrom('instrument')
    .select('id')
    .where('id', '=', s.instrument)
    .executeTakeFirst();
  if (!instrument) throw ctx.refError(`${at}/instrument`, `Unknown instrument "${s.instrument}"`);
  const start = new Date(s.start);
  const end = new Date(s.end);
  if (end < start) throw ctx.refError(`${at}/end`, 'Session ends before it starts');
  const other = await tx
    .selectFrom('session')
    .select('proposal_id')
    .where('id', '=', s.id)
    .executeTakeFirst();
  if (other && other.proposal_id !== proposalId) {
    throw ctx.refError(`${at}/id`, `Session "${s.id}" belongs to proposal "${other.proposal_id}"`);
  }
  const values = {
    proposal_id: proposalId,
    instrument_id: s.instrument,
    start_at: start,
    end_at: end,
    release_date: s.releaseDate ? new Date(s.releaseDate) : defaultReleaseDate(end, ctx.embargoYears),
  };
  await tx
    .insertInto('session')
    .values({ id: s.id, ...values })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        ...values,
        // The export knows nothing of an embargo extension approved here: it must not undo it.
        release_date: sql<Date>`GREATEST(excluded.release_date, (SELECT max(r.requested_release_date)
          FROM policy_request r WHERE r.session_id = session.id AND r.kind = 'extension' AND r.status = 'approved'))`,
      }),
    )
    .execute();
  for (const [mi, m] of (s.members ?? []).entries()) {
    await tx
      .insertInto('session_member')
      .values({
        session_id: s.id,
        user_id: ctx.userId(m.username, `${at}/members/${mi}/username`),
        role: m.role,
      })
      .onConflict((oc) => oc.columns(['session_id', 'user_id']).doUpdateSet({ role: m.role }))
      .execute();
  }
  for (const sample of s.samples ?? []) {
    const v = { name: sample.name, description: sample.description ?? '' };
    await tx
      .insertInto('sample')
      .values({ session_id: s.id, sample_key: sample.id, ...v })
      .onConflict((oc) => oc.columns(['session_id', 'sample_key']).doUpdateSet(v))
      .execute();
  }
  let files = 0;
  for (const [di, d] of (s.datasets ?? []).entries()) {
    files += await importDataset(tx, s.id, d, `${at}/datasets/${di}`, ctx);
  }
  return { datasets: s.datasets?.length ?? 0, files };
}

async function importDataset(
  tx: Db,
  sessionId: string,
  d: NonNullable<Static<typeof ImportSession>['datasets']>[number],
  at: string,
  ctx: SessionContext,
): Promise<number> {
  let sampleId: number | null = null;
  if (d.sample) {
    const sample = await tx
      .selectFrom('sample')
      .select('id')
      .where('session_id', '=', sessionId)
      .where('sample_key', '=', d.sample)
      .executeTakeFirst();
    if (!sample) throw ctx.refError(`${at}/sample`, `Unknown sample "${d.sample}" in session "${sessionId}"`);
    sampleId = sample.id;
  }
  const values = { title: d.title ?? null, sample_id: sampleId, techniques: d.techniques ?? [] };
  const { pid } = await tx
    .insertInto('dataset')
    .values({ pid: newDatasetPid(ctx.doiPrefix), session_id: sessionId, name: d.name, ...values })
    .onConflict((oc) => oc.columns(['session_id', 'name']).doUpdateSet(values))
    .returning('pid')
    .executeTakeFirstOrThrow();
  // Parameters from the user office replace the previous import's; those extracted from files stay.
  await replaceDatasetParameters(tx, pid, d.parameters ?? []);
  for (const f of d.files ?? []) {
    const v = { size: f.size ?? 0, sha256: f.sha256 ?? null };
    await tx
      .insertInto('datafile')
      .values({ dataset_pid: pid, path: f.path, ...v })
      .onConflict((oc) => oc.columns(['dataset_pid', 'path']).doUpdateSet(v))
      .execute();
  }
  await refreshDatasetTotals(tx, pid);
  return d.files?.length ?? 0;
}

/** Recomputes a dataset's size and file count from its datafiles. */
export async function refreshDatasetTotals(db: Db, pid: string): Promise<void> {
  await db
    .updateTable('dataset')
    .set({
      size: sql<number>`(SELECT coalesce(sum(size), 0) FROM datafile WHERE dataset_pid = ${pid})`,
      file_count: sql<number>`(SELECT count(*) FROM datafile WHERE dataset_pid = ${pid})`,
    })
    .where('pid', '=', pid)
    .execute();
}
