import { sql } from 'kysely';
import { isUniqueViolation, type Db } from '../../db/connect.ts';
import { AppError } from '../../errors.ts';
import { audit } from '../../audit/log.ts';

export interface OidcClaims {
  issuer: string;
  subject: string;
  email?: string;
  /** Only `true` counts: an address the provider has not verified must not open someone's account. */
  emailVerified?: boolean;
  name?: string;
  preferredUsername?: string;
}

export interface LinkedUser {
  userId: number;
  username: string;
  how: 'subject' | 'email' | 'created';
}

/**
 * The fairbeam user an OIDC identity logs in as. In order: the user already linked to this
 * (issuer, subject); else the one user whose email equals the provider's verified email, now linked;
 * else a new account without password or facility role (it sees public data and the sessions the
 * user office makes it a member of). A user already linked to another subject of the same issuer is
 * not re-linked by email: a recycled address must not take over an account.
 * Links and new accounts are audited in the same transaction.
 */
export async function userForIdentity(db: Db, c: OidcClaims, now: Date): Promise<LinkedUser> {
  try {
    return await linkOrCreate(db, c, now);
  } catch (e) {
    // Two first logins of one identity at once (two tabs): the loser's insert hits the primary key
    // (or the username); run again, and it finds the winner's link.
    if (isUniqueViolation(e)) return linkOrCreate(db, c, now);
    throw e;
  }
}

function linkOrCreate(db: Db, c: OidcClaims, now: Date): Promise<LinkedUser> {
  return db.transaction().execute(async (tx) => {
    const linked = await tx
      .selectFrom('oidc_identity')
      .innerJoin('app_user', 'app_user.id', 'oidc_identity.user_id')
      .select(['app_user.id', 'app_user.username'])
      .where('oidc_identity.issuer', '=', c.issuer)
      .where('oidc_identity.subject', '=', c.subject)
      .executeTakeFirst();
    if (linked) {
      await tx
        .updateTable('oidc_identity')
        .set({ last_login_at: now, email: c.email ?? null })
        .where('issuer', '=', c.issuer)
        .where('subject', '=', c.subject)
        .execute();
      return { userId: Number(linked.id), username: linked.username, how: 'subject' as const };
    }
    const verifiedEmail = c.email && c.emailVerified === true ? c.email : undefined;
    const link = async (user: { id: number; username: string }, how: 'email' | 'created') => {
      await tx
        .insertInto('oidc_identity')
        .values({
          issuer: c.issuer,
          subject: c.subject,
          user_id: user.id,
          email: c.email ?? null,
          linked_at: now,
          last_login_at: now,
        })
        .execute();
      await audit(tx, {
        actor: `user:${user.username}`,
        action: 'oidc.link',
        target: user.username,
        details: { issuer: c.issuer, subject: c.subject, linkedBy: how, email: c.email ?? null },
      });
      return { userId: Number(user.id), username: user.username, how };
    };
    if (verifiedEmail) {
      const matches = await tx
        .selectFrom('app_user')
        .select(['id', 'username'])
        .where(sql<string>`lower(email)`, '=', verifiedEmail.toLowerCase())
        .orderBy('id')
        .limit(2)
        // Locked until this login commits: another identity's first login with this email waits here,
        // then finds this link below (without the lock both saw none and both linked the account).
        .forUpdate()
        .execute();
      if (matches.length > 1)
        throw new AppError(
          'oidc_email_ambiguous',
          409,
          `Several accounts have the email ${verifiedEmail}; ask an administrator to link yours`,
        );
      const [match] = matches;
      if (match) {
        const other = await tx
          .selectFrom('oidc_identity')
          .select('subject')
          .where('issuer', '=', c.issuer)
          .where('user_id', '=', match.id)
          .executeTakeFirst();
        // This identity's own first login in another tab, committed since the look-up by subject.
        if (other?.subject === c.subject)
          return { userId: Number(match.id), username: match.username, how: 'subject' as const };
        if (other)
          throw new AppError(
            'oidc_account_linked',
            409,
            `The account for ${verifiedEmail} is already linked to another identity of this provider`,
          );
        return link({ id: Number(match.id), username: match.username }, 'email');
      }
    }
    const username = await freeUsername(tx, c);
    const created = await tx
      .insertInto('app_user')
      .values({
        username,
        full_name: c.name ?? null,
        email: verifiedEmail ?? null,
        orcid: null,
        affiliation: null,
        password_hash: null,
        facility_role: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(tx, {
      actor: `oidc:${c.issuer}`,
      action: 'user.create',
      target: username,
      details: { issuer: c.issuer, subject: c.subject, facilityRole: null },
    });
    return link({ id: Number(created.id), username }, 'created');
  });
}

/** A username from the provider's preferred username or email, made unique with a number. */
async function freeUsername(db: Db, c: OidcClaims): Promise<string> {
  const base =
    (c.preferredUsername ?? c.email?.split('@')[0] ?? 'user')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 50) || 'user';
  const taken = new Set(
    (
      await db
        .selectFrom('app_user')
        .select('username')
        .where('username', 'like', `${base.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)
        .execute()
    ).map((u) => u.username),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}
