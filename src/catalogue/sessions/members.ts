import type { Db } from '../../db/connect.ts';
import type { MemberRole } from '../../db/schema.ts';

export interface Member {
  username: string;
  fullName: string | null;
  orcid: string | null;
  affiliation: string | null;
  role: MemberRole;
}

/** Members of the given sessions (callers pass only ids they may see). */
export async function membersOf(db: Db, sessionIds: string[]): Promise<Map<string, Member[]>> {
  const out = new Map<string, Member[]>();
  if (sessionIds.length === 0) return out;
  const rows = await db
    .selectFrom('session_member')
    .innerJoin('app_user', 'app_user.id', 'session_member.user_id')
    .select([
      'session_member.session_id',
      'app_user.username',
      'app_user.full_name',
      'app_user.orcid',
      'app_user.affiliation',
      'session_member.role',
    ])
    .where('session_member.session_id', 'in', sessionIds)
    .orderBy('session_member.session_id')
    .orderBy('app_user.username')
    .execute();
  for (const r of rows) {
    const list = out.get(r.session_id) ?? [];
    list.push({
      username: r.username,
      fullName: r.full_name,
      orcid: r.orcid,
      affiliation: r.affiliation,
      role: r.role,
    });
    out.set(r.session_id, list);
  }
  return out;
}
