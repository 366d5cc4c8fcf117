import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { notFound } from '../../errors.ts';
import { sessionIsPublic, sessionVisible } from '../../auth/policy.ts';
import { likePattern, type Access, type ListQuery } from '../access.ts';
import { countRows, decodeCursor, DEFAULT_LIMIT, toPage, withTotal, type Page } from '../pagination.ts';
import { membersOf, type Member } from './members.ts';

export const LICENSE = 'CC-BY-4.0';

export interface Session {
  id: string;
  proposalId: string;
  title: string;
  instrumentId: string;
  start: string;
  end: string;
  releaseDate: string;
  releasedAt: string | null;
  isPublic: boolean;
  license: string;
  doi: string | null;
  datasetCount: number;
  members: Member[];
}

export interface SessionFilter extends ListQuery {
  instrument?: string;
  proposal?: string;
  from?: string;
  to?: string;
  q?: string;
  public?: boolean;
}

/** Sessions the caller may see, filtered; the policy predicate is part of the query. */
export function visibleSessions(db: Db, access: Access, f: Omit<SessionFilter, keyof ListQuery> = {}) {
  let q = db
    .selectFrom('session')
    .innerJoin('proposal', 'proposal.id', 'session.proposal_id')
    .where(sessionVisible(access.caller, access.now));
  if (f.instrument) q = q.where('session.instrument_id', '=', f.instrument);
  if (f.proposal) q = q.where('session.proposal_id', '=', f.proposal);
  if (f.from) q = q.where('session.end_at', '>=', new Date(f.from));
  if (f.to) q = q.where('session.start_at', '<=', new Date(f.to));
  if (f.q) {
    const p = likePattern(f.q);
    q = q.where((eb) => eb.or([eb('session.id', 'ilike', p), eb('proposal.title', 'ilike', p)]));
  }
  if (f.public !== undefined) {
    q = q.where(f.public ? sessionIsPublic(access.now) : sql<boolean>`NOT ${sessionIsPublic(access.now)}`);
  }
  return q;
}

const columns = (access: Access) =>
  [
    'session.id',
    'session.proposal_id',
    'proposal.title',
    'session.instrument_id',
    'session.start_at',
    'session.end_at',
    'session.release_date',
    'session.released_at',
    'session.doi',
    sessionIsPublic(access.now).as('is_public'),
    sql<number>`(SELECT count(*) FROM dataset d WHERE d.session_id = session.id)`.as('dataset_count'),
  ] as const;

type Row = {
  id: string;
  proposal_id: string;
  title: string;
  instrument_id: string;
  start_at: Date;
  end_at: Date;
  release_date: Date;
  released_at: Date | null;
  doi: string | null;
  is_public: boolean;
  dataset_count: number;
};

async function toSessions(db: Db, rows: Row[]): Promise<Session[]> {
  const members = await membersOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    proposalId: r.proposal_id,
    title: r.title,
    instrumentId: r.instrument_id,
    start: r.start_at.toISOString(),
    end: r.end_at.toISOString(),
    releaseDate: r.release_date.toISOString(),
    releasedAt: r.released_at?.toISOString() ?? null,
    isPublic: Boolean(r.is_public),
    license: LICENSE,
    doi: r.doi,
    datasetCount: Number(r.dataset_count),
    members: members.get(r.id) ?? [],
  }));
}

/** Newest first: keyset on (start, id). */
export async function listSessions(db: Db, access: Access, f: SessionFilter): Promise<Page<Session>> {
  const limit = f.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(f.cursor, ['date', 'text']);
  const base = visibleSessions(db, access, f);
  let q = base
    .select(columns(access))
    .orderBy('session.start_at', 'desc')
    .orderBy('session.id', 'desc')
    .limit(limit + 1);
  if (after) {
    const [start, id] = [new Date(String(after[0])), String(after[1])];
    q = q.where((eb) =>
      eb.or([
        eb('session.start_at', '<', start),
        eb.and([eb('session.start_at', '=', start), eb('session.id', '<', id)]),
      ]),
    );
  }
  const rows = (await q.execute()) as Row[];
  const page = toPage(
    rows,
    limit,
    (r) => [r.start_at.toISOString(), r.id],
    (r) => r,
  );
  return withTotal({ items: await toSessions(db, page.items), next: page.next }, f.count, () =>
    countRows(base),
  );
}

/** One session; 404 (not 403) when the caller may not see it, so its existence does not leak. */
export async function getSession(db: Db, access: Access, id: string): Promise<Session> {
  const row = (await visibleSessions(db, access)
    .select(columns(access))
    .where('session.id', '=', id)
    .executeTakeFirst()) as Row | undefined;
  if (!row) throw notFound('session', id);
  return (await toSessions(db, [row]))[0]!;
}
