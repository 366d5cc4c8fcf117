import type { Db } from '../db/connect.ts';
import type { FacilityRole } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { hashSecret } from './passwords.ts';

export interface UserInput {
  username: string;
  password?: string;
  role?: FacilityRole | null;
  fullName?: string;
  email?: string;
}

/**
 * Creates a local account, or sets the password (and role, when given) of an existing one — users
 * imported from the user office exist without a password until one is set.
 */
export async function upsertLocalUser(db: Db, input: UserInput): Promise<{ id: number; created: boolean }> {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(input.username)) {
    throw new AppError('invalid_username', 400, 'Usernames are 1-64 letters, digits, ".", "_", "@" or "-"');
  }
  const password_hash = input.password === undefined ? undefined : await hashSecret(input.password);
  const existing = await db
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', input.username)
    .executeTakeFirst();
  if (existing) {
    const set: Record<string, unknown> = {};
    if (password_hash) set.password_hash = password_hash;
    if (input.role !== undefined) set.facility_role = input.role;
    if (Object.keys(set).length)
      await db.updateTable('app_user').set(set).where('id', '=', existing.id).execute();
    return { id: existing.id, created: false };
  }
  const row = await db
    .insertInto('app_user')
    .values({
      username: input.username,
      password_hash: password_hash ?? null,
      facility_role: input.role ?? null,
      full_name: input.fullName ?? null,
      email: input.email ?? null,
      orcid: null,
      affiliation: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, created: true };
}

export function listUsers(db: Db) {
  return db
    .selectFrom('app_user')
    .select(['id', 'username', 'full_name as fullName', 'email', 'orcid', 'facility_role as role'])
    .select((eb) => eb('password_hash', 'is not', null).as('hasPassword'))
    .orderBy('username')
    .execute();
}
