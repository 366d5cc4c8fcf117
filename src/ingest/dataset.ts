import { sql } from 'kysely';
import { inTransaction, type Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newDatasetPid } from '../catalogue/datasets/pid.ts';
import { refreshDatasetTotals } from '../catalogue/import/session.ts';
import { replaceDatasetParameters, type GivenParameter } from '../catalogue/parameters/repo.ts';

export interface DatasetSpec {
  sessionId: string;
  name: string;
  title?: string;
  /** Key of a sample of the session (as in the user-office import). */
  sample?: string;
  techniques?: string[];
  /** Dataset-level parameters; when given they replace the previous ones (file parameters stay). */
  parameters?: GivenParameter[];
}

/**
 * Creates the dataset (session, name) or returns the existing one's pid; given fields are updated.
 * Inside the caller's transaction when `db` is one.
 */
export async function ensureDataset(db: Db, spec: DatasetSpec, doiPrefix: string): Promise<string> {
  let sampleId: number | undefined;
  if (spec.sample !== undefined) {
    const sample = await db
      .selectFrom('sample')
      .select('id')
      .where('session_id', '=', spec.sessionId)
      .where('sample_key', '=', spec.sample)
      .executeTakeFirst();
    if (!sample)
      throw new AppError(
        'sample_not_found',
        422,
        `No sample "${spec.sample}" in session "${spec.sessionId}"`,
      );
    sampleId = sample.id;
  }
  const given = {
    ...(spec.title !== undefined ? { title: spec.title } : {}),
    ...(sampleId !== undefined ? { sample_id: sampleId } : {}),
  };
  const { pid } = await db
    .insertInto('dataset')
    .values({
      pid: newDatasetPid(doiPrefix),
      session_id: spec.sessionId,
      name: spec.name,
      techniques: spec.techniques ?? [],
      ...given,
    })
    .onConflict((oc) =>
      oc.columns(['session_id', 'name']).doUpdateSet({
        ...given,
        // techniques only grow: those extracted from files must survive a registration that omits them
        techniques: sql<
          string[]
        >`ARRAY(SELECT DISTINCT t FROM unnest(dataset.techniques || excluded.techniques) t ORDER BY t)`,
      }),
    )
    .returning('pid')
    .executeTakeFirstOrThrow();
  const parameters = spec.parameters;
  if (parameters) {
    const replace = (tx: Db) => replaceDatasetParameters(tx, pid, parameters);
    await inTransaction(db, replace);
  }
  return pid;
}

/** Records (or moves) the directory a dataset's relative file paths are resolved against. */
export async function setDatasetRoot(db: Db, pid: string, root: string): Promise<void> {
  await db
    .insertInto('dataset_location')
    .values({ dataset_pid: pid, root })
    .onConflict((oc) => oc.column('dataset_pid').doUpdateSet({ root, updated_at: sql`now()` }))
    .execute();
}

/**
 * Derives the dataset-level view from its files, in SQL so a re-run after a crash recomputes the
 * same answer: size and count, techniques = union of the files', NeXus title/times/instruments, and
 * the sample named in the files when the dataset has none.
 */
export async function summariseDataset(db: Db, pid: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await refreshDatasetTotals(tx, pid);
    await sql`
      WITH f AS (SELECT metadata->'nexus' AS n, path FROM datafile WHERE dataset_pid = ${pid} AND metadata ? 'nexus'),
      agg AS (
        SELECT
          (SELECT n->>'title' FROM f WHERE n->>'title' IS NOT NULL ORDER BY path LIMIT 1) AS title,
          (SELECT min(n->>'startTime') FROM f) AS start_time,
          (SELECT max(n->>'endTime') FROM f) AS end_time,
          (SELECT coalesce(jsonb_agg(DISTINCT n->>'instrument'), '[]') FROM f WHERE n->>'instrument' IS NOT NULL) AS instruments,
          (SELECT coalesce(jsonb_agg(DISTINCT n->>'definition'), '[]') FROM f WHERE n->>'definition' IS NOT NULL) AS definitions,
          (SELECT coalesce(jsonb_agg(DISTINCT n->>'sampleName'), '[]') FROM f WHERE n->>'sampleName' IS NOT NULL) AS samples,
          (SELECT count(*) FROM f) AS nexus_files,
          ARRAY(SELECT DISTINCT jsonb_array_elements_text(n->'techniques') FROM f) AS techniques
      )
      UPDATE dataset SET
        title = coalesce(dataset.title, agg.title),
        techniques = ARRAY(SELECT DISTINCT t FROM unnest(dataset.techniques || agg.techniques) t ORDER BY t),
        metadata = dataset.metadata || jsonb_build_object('nexus', jsonb_strip_nulls(jsonb_build_object(
          'startTime', agg.start_time, 'endTime', agg.end_time, 'instruments', agg.instruments,
          'definitions', agg.definitions, 'samples', agg.samples, 'files', agg.nexus_files)))
      FROM agg
      WHERE dataset.pid = ${pid} AND agg.nexus_files > 0`.execute(tx);
    const row = await tx
      .selectFrom('dataset')
      .select([
        'session_id',
        'sample_id',
        sql<string | null>`metadata->'nexus'->'samples'->>0`.as('sample_name'),
      ])
      .where('pid', '=', pid)
      .executeTakeFirst();
    if (row && row.sample_id === null && row.sample_name) {
      const sample = await tx
        .insertInto('sample')
        .values({
          session_id: row.session_id,
          sample_key: row.sample_name.slice(0, 200),
          name: row.sample_name,
        })
        .onConflict((oc) => oc.columns(['session_id', 'sample_key']).doUpdateSet({ name: row.sample_name! }))
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx.updateTable('dataset').set({ sample_id: sample.id }).where('pid', '=', pid).execute();
    }
  });
}
