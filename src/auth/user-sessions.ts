import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import type { Caller } from './caller.ts';
import { dummyHash, verifySecret } from './passwords.ts';
import { randomToken, tokenHash } from './tokens.ts';

export const SESSION_COOKIE = 'fairbeam_session';
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** Checks a username and password; returns a new session token or throws `invalid_credentials`. */
export async function login(
  db: Db,
  username: string,
  password: string,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const user = await db
    .selectFrom('app_user')
    .select(['id', 'password_hash'])
    .where('username', '=', username)
    .executeTakeFirst();
  const ok = await verifySecret(user?.password_hash ?? (await dummyHash()), password);
  if (!user || !user.password_hash || !ok) {
    throw new AppError('invalid_credentials', 401, 'Unknown user or wrong password');
  }
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db
    .insertInto('user_session')
    .values({ token_hash: tokenHash(token), user_id: user.id, expires_at: expiresAt })
    .execute();
  await db.deleteFrom('user_session').where('user_id', '=', user.id).where('expires_at', '<', now).execute();
  return { token, expiresAt };
}

export async function logout(db: Db, token: string): Promise<void> {
  await db.deleteFrom('user_session').where('token_hash', '=', tokenHash(token)).execute();
}

/** The user behind a session cookie, or undefined when the token is unknown or expired. */
export async function userForSessionToken(db: Db, token: string, now: Date): Promise<Caller | undefined> {
  const row = await db
    .selectFrom('user_session')
    .innerJoin('app_user', 'app_user.id', 'user_session.user_id')
    .select(['app_user.id', 'app_user.username', 'app_user.facility_role'])
    .where('user_session.token_hash', '=', tokenHash(token))
    .where('user_session.expires_at', '>', now)
    .executeTakeFirst();
  return row ? { kind: 'user', userId: row.id, username: row.username, role: row.facility_role } : undefined;
}
