import type { Selectable } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { ParameterTable } from '../../db/schema.ts';
import { toSI } from '../../units/convert.ts';
import { visibleDatasets } from '../datasets/repo.ts';
import type { Access, ListQuery } from '../access.ts';
import { countRows, decodeCursor, DEFAULT_LIMIT, toPage, withTotal, type Page } from '../pagination.ts';

export interface Parameter {
  name: string;
  value: number | string | null;
  unit: string | null;
  siValue: number | null;
  siUnit: string | null;
  datafileId: number | null;
}

type Row = Selectable<ParameterTable>;

const toParameter = (r: Row): Parameter => ({
  name: r.name,
  value: r.value_number ?? r.value_text,
  unit: r.unit,
  siValue: r.si_value,
  siUnit: r.si_unit,
  datafileId: r.datafile_id,
});

/** Parameters of datasets the caller has already been allowed to see, grouped by dataset pid. */
export async function parametersOf(db: Db, pids: string[]): Promise<Map<string, Parameter[]>> {
  const out = new Map<string, Parameter[]>();
  if (pids.length === 0) return out;
  const rows = await db
    .selectFrom('parameter')
    .selectAll()
    .where('dataset_pid', 'in', pids)
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const list = out.get(r.dataset_pid) ?? [];
    list.push(toParameter(r));
    out.set(r.dataset_pid, list);
  }
  return out;
}

export async function listParameters(
  db: Db,
  access: Access,
  f: ListQuery & { dataset?: string; name?: string },
): Promise<Page<Parameter & { id: number; datasetPid: string }>> {
  const limit = f.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(f.cursor, ['int']);
  let base = visibleDatasets(db, access, {}).innerJoin('parameter', 'parameter.dataset_pid', 'dataset.pid');
  if (f.dataset) base = base.where('dataset.pid', '=', f.dataset);
  if (f.name) base = base.where('parameter.name', '=', f.name);
  let q = base
    .selectAll('parameter')
    .orderBy('parameter.id')
    .limit(limit + 1);
  if (after) q = q.where('parameter.id', '>', Number(after[0]));
  const page = toPage(
    await q.execute(),
    limit,
    (r) => [r.id],
    (r) => ({ id: r.id, datasetPid: r.dataset_pid, ...toParameter(r) }),
  );
  return withTotal(page, f.count, () => countRows(base));
}

/** A dataset-level parameter as a user office or a beamline gives it (the SI value is derived). */
export interface GivenParameter {
  name: string;
  value: number | string;
  unit?: string;
}

/**
 * Replaces a dataset's own parameters (those not extracted from one of its files, which stay), storing
 * each number both as given and converted to SI. Call it inside the caller's transaction.
 */
export async function replaceDatasetParameters(tx: Db, pid: string, given: GivenParameter[]): Promise<void> {
  await tx.deleteFrom('parameter').where('dataset_pid', '=', pid).where('datafile_id', 'is', null).execute();
  const rows = given.map((p) => {
    const si = typeof p.value === 'number' && p.unit ? toSI(p.value, p.unit) : undefined;
    return {
      dataset_pid: pid,
      datafile_id: null,
      name: p.name,
      value_number: typeof p.value === 'number' ? p.value : null,
      value_text: typeof p.value === 'string' ? p.value : null,
      unit: p.unit ?? null,
      si_value: si?.value ?? null,
      si_unit: si?.unit ?? null,
    };
  });
  if (rows.length) await tx.insertInto('parameter').values(rows).execute();
}
