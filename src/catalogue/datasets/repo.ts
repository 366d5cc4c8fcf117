import type { Db } from '../../db/connect.ts';
import { notFound } from '../../errors.ts';
import { sessionIsPublic, sessionVisible } from '../../auth/policy.ts';
import { likePattern, type Access, type ListQuery } from '../access.ts';
import { countRows, decodeCursor, DEFAULT_LIMIT, toPage, withTotal, type Page } from '../pagination.ts';
import { techniqueNames, withNames } from '../techniques/repo.ts';
import { parametersOf, type Parameter } from '../parameters/repo.ts';
import { LICENSE } from '../sessions/repo.ts';

export interface Dataset {
  pid: string;
  name: string;
  title: string | null;
  sessionId: string;
  proposalId: string;
  instrumentId: string;
  sample: { id: number; name: string } | null;
  techniques: { id: string; name: string }[];
  parameters: Parameter[];
  size: number;
  fileCount: number;
  /** Only in a single dataset's answer: how many of its files are only on tape now. */
  filesOnTape?: number;
  createdAt: string;
  isPublic: boolean;
  license: string;
  metadata: Record<string, unknown>;
}

export interface DatasetFilter extends ListQuery {
  instrument?: string;
  proposal?: string;
  session?: string;
  technique?: string;
  from?: string;
  to?: string;
  q?: string;
}

/** Datasets whose session the caller may see. */
export function visibleDatasets(db: Db, access: Access, f: Omit<DatasetFilter, keyof ListQuery> = {}) {
  let q = db
    .selectFrom('dataset')
    .innerJoin('session', 'session.id', 'dataset.session_id')
    .where(sessionVisible(access.caller, access.now));
  if (f.instrument) q = q.where('session.instrument_id', '=', f.instrument);
  if (f.proposal) q = q.where('session.proposal_id', '=', f.proposal);
  if (f.session) q = q.where('dataset.session_id', '=', f.session);
  if (f.technique) q = q.where((eb) => eb(eb.val(f.technique!), '=', eb.fn.any('dataset.techniques')));
  if (f.from) q = q.where('dataset.created_at', '>=', new Date(f.from));
  if (f.to) q = q.where('dataset.created_at', '<=', new Date(f.to));
  if (f.q) {
    const p = likePattern(f.q);
    q = q.where((eb) =>
      eb.or([eb('dataset.name', 'ilike', p), eb('dataset.title', 'ilike', p), eb('dataset.pid', 'ilike', p)]),
    );
  }
  return q;
}

const selectDataset = (access: Access) =>
  [
    'dataset.pid',
    'dataset.name',
    'dataset.title',
    'dataset.session_id',
    'session.proposal_id',
    'session.instrument_id',
    'dataset.sample_id',
    'dataset.techniques',
    'dataset.size',
    'dataset.file_count',
    'dataset.created_at',
    'dataset.metadata',
    sessionIsPublic(access.now).as('is_public'),
  ] as const;

type Row = {
  pid: string;
  name: string;
  title: string | null;
  session_id: string;
  proposal_id: string;
  instrument_id: string;
  sample_id: number | null;
  techniques: string[];
  size: number;
  file_count: number;
  created_at: Date;
  metadata: Record<string, unknown>;
  is_public: boolean;
};

async function toDatasets(db: Db, rows: Row[]): Promise<Dataset[]> {
  const pids = rows.map((r) => r.pid);
  const sampleIds = rows.map((r) => r.sample_id).filter((id): id is number => id !== null);
  const [params, names, samples] = await Promise.all([
    parametersOf(db, pids),
    techniqueNames(db, [...new Set(rows.flatMap((r) => r.techniques))]),
    sampleIds.length
      ? db.selectFrom('sample').select(['id', 'name']).where('id', 'in', sampleIds).execute()
      : Promise.resolve([]),
  ]);
  return rows.map((r) => ({
    pid: r.pid,
    name: r.name,
    title: r.title,
    sessionId: r.session_id,
    proposalId: r.proposal_id,
    instrumentId: r.instrument_id,
    sample: samples.find((s) => s.id === r.sample_id) ?? null,
    techniques: withNames(r.techniques, names),
    parameters: params.get(r.pid) ?? [],
    size: Number(r.size),
    fileCount: r.file_count,
    createdAt: r.created_at.toISOString(),
    isPublic: Boolean(r.is_public),
    license: LICENSE,
    metadata: r.metadata,
  }));
}

/** Newest first: keyset on (created_at, pid). */
export async function listDatasets(db: Db, access: Access, f: DatasetFilter): Promise<Page<Dataset>> {
  const limit = f.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(f.cursor, ['date', 'text']);
  const base = visibleDatasets(db, access, f);
  let q = base
    .select(selectDataset(access))
    .orderBy('dataset.created_at', 'desc')
    .orderBy('dataset.pid', 'desc')
    .limit(limit + 1);
  if (after) {
    const [at, pid] = [new Date(String(after[0])), String(after[1])];
    q = q.where((eb) =>
      eb.or([
        eb('dataset.created_at', '<', at),
        eb.and([eb('dataset.created_at', '=', at), eb('dataset.pid', '<', pid)]),
      ]),
    );
  }
  const rows = (await q.execute()) as Row[];
  const page = toPage(
    rows,
    limit,
    (r) => [r.created_at.toISOString(), r.pid],
    (r) => r,
  );
  return withTotal({ items: await toDatasets(db, page.items), next: page.next }, f.count, () =>
    countRows(base),
  );
}

export async function getDataset(db: Db, access: Access, pid: string): Promise<Dataset> {
  const row = (await visibleDatasets(db, access)
    .select(selectDataset(access))
    .where('dataset.pid', '=', pid)
    .executeTakeFirst()) as Row | undefined;
  if (!row) throw notFound('dataset', pid);
  const onTape = await db
    .selectFrom('datafile')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('dataset_pid', '=', pid)
    .where('state', 'in', ['offline', 'restoring'])
    .executeTakeFirstOrThrow();
  return { ...(await toDatasets(db, [row]))[0]!, filesOnTape: Number(onTape.n) };
}
