import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { notFound } from '../../errors.ts';
import { likePattern, type Access, type ListQuery } from '../access.ts';
import { countRows, decodeCursor, DEFAULT_LIMIT, toPage, withTotal, type Page } from '../pagination.ts';
import { sessionVisible } from '../../auth/policy.ts';
import { visibleSessions } from '../sessions/repo.ts';

export interface Proposal {
  id: string;
  title: string;
  summary: string;
  sessions: string[];
  members: { username: string; fullName: string | null; role: string }[];
}

/**
 * A proposal is visible exactly when one of its sessions is visible to the caller. The subquery
 * aliases its session table (and joins no proposal of its own) so that `proposal.id` is the outer
 * row: reusing visibleSessions here made the EXISTS uncorrelated and leaked embargoed proposals.
 */
function visibleProposals(db: Db, access: Access, f: { instrument?: string; q?: string }) {
  let q = db.selectFrom('proposal').where((eb) =>
    eb.exists(
      eb
        .selectFrom('session as ps')
        .select(sql`1`.as('one'))
        .whereRef('ps.proposal_id', '=', 'proposal.id')
        .where(sessionVisible(access.caller, access.now, 'ps'))
        .$if(Boolean(f.instrument), (qb) => qb.where('ps.instrument_id', '=', f.instrument!)),
    ),
  );
  if (f.q) {
    const p = likePattern(f.q);
    q = q.where((eb) =>
      eb.or([
        eb('proposal.id', 'ilike', p),
        eb('proposal.title', 'ilike', p),
        eb('proposal.summary', 'ilike', p),
      ]),
    );
  }
  return q;
}

async function toProposals(
  db: Db,
  access: Access,
  rows: { id: string; title: string; summary: string }[],
): Promise<Proposal[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const sessions = await visibleSessions(db, access)
    .select(['session.id', 'session.proposal_id'])
    .where('session.proposal_id', 'in', ids)
    .orderBy('session.start_at')
    .execute();
  const members = await db
    .selectFrom('proposal_member')
    .innerJoin('app_user', 'app_user.id', 'proposal_member.user_id')
    .select([
      'proposal_member.proposal_id',
      'app_user.username',
      'app_user.full_name',
      'proposal_member.role',
    ])
    .where('proposal_member.proposal_id', 'in', ids)
    .orderBy('app_user.username')
    .execute();
  return rows.map((r) => ({
    ...r,
    sessions: sessions.filter((s) => s.proposal_id === r.id).map((s) => s.id),
    members: members
      .filter((m) => m.proposal_id === r.id)
      .map((m) => ({ username: m.username, fullName: m.full_name, role: m.role })),
  }));
}

export async function listProposals(
  db: Db,
  access: Access,
  f: ListQuery & { instrument?: string; q?: string },
): Promise<Page<Proposal>> {
  const limit = f.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(f.cursor, ['text']);
  const base = visibleProposals(db, access, f);
  let q = base
    .select(['proposal.id', 'proposal.title', 'proposal.summary'])
    .orderBy('proposal.id')
    .limit(limit + 1);
  if (after) q = q.where('proposal.id', '>', String(after[0]));
  const page = toPage(
    await q.execute(),
    limit,
    (r) => [r.id],
    (r) => r,
  );
  return withTotal({ items: await toProposals(db, access, page.items), next: page.next }, f.count, () =>
    countRows(base),
  );
}

export async function getProposal(db: Db, access: Access, id: string): Promise<Proposal> {
  const row = await visibleProposals(db, access, {})
    .select(['proposal.id', 'proposal.title', 'proposal.summary'])
    .where('proposal.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('proposal', id);
  return (await toProposals(db, access, [row]))[0]!;
}
