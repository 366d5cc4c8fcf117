import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import type { Caller } from './caller.ts';
import { hashSecret, verifySecret } from './passwords.ts';
import { randomToken, tokenHash } from './tokens.ts';

/** Keys look like `fbk_<id>_<secret>`: the id finds the row, the secret is checked against its argon2 hash. */
const KEY_PATTERN = /^fbk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export async function createApiKey(
  db: Db,
  name: string,
  instrumentId: string | null,
): Promise<{ id: string; key: string }> {
  if (instrumentId) {
    const found = await db
      .selectFrom('instrument')
      .select('id')
      .where('id', '=', instrumentId)
      .executeTakeFirst();
    if (!found) throw new AppError('instrument_not_found', 404, `No instrument "${instrumentId}"`);
  }
  const existing = await db.selectFrom('api_key').select('id').where('name', '=', name).executeTakeFirst();
  if (existing) throw new AppError('api_key_exists', 409, `An API key named "${name}" exists already`);
  const id = randomToken(12)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 12)
    .padEnd(12, '0');
  const secret = randomToken(32);
  await db
    .insertInto('api_key')
    .values({ id, name, instrument_id: instrumentId, secret_hash: await hashSecret(secret) })
    .execute();
  return { id, key: `fbk_${id}_${secret}` };
}

// argon2 is deliberately slow; remembering a verified key for a minute keeps software that posts
// many requests fast. Keyed by sha256 of the whole key, so a wrong secret never matches.
const verified = new Map<string, { caller: Caller; until: number }>();
const CACHE_MS = 60_000;

export async function callerForApiKey(db: Db, key: string): Promise<Caller> {
  const cacheKey = tokenHash(key);
  const hit = verified.get(cacheKey);
  const row = await findKey(db, key);
  if (hit && hit.until > Date.now() && row) return hit.caller;
  if (!row || !(await verifySecret(row.secret_hash, KEY_PATTERN.exec(key)![2]!))) {
    throw new AppError('invalid_api_key', 401, 'The API key is unknown, revoked or malformed');
  }
  const caller: Caller = { kind: 'apikey', keyId: row.id, name: row.name, instrumentId: row.instrument_id };
  if (verified.size > 10_000) verified.clear();
  verified.set(cacheKey, { caller, until: Date.now() + CACHE_MS });
  return caller;
}

/** The live (not revoked) key row; looked up on every request so revocation takes effect at once. */
async function findKey(db: Db, key: string) {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  return db
    .selectFrom('api_key')
    .select(['id', 'name', 'instrument_id', 'secret_hash'])
    .where('id', '=', match[1]!)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function revokeApiKey(db: Db, name: string, now: Date): Promise<void> {
  const r = await db
    .updateTable('api_key')
    .set({ revoked_at: now })
    .where('name', '=', name)
    .executeTakeFirst();
  if (r.numUpdatedRows === 0n) throw new AppError('api_key_not_found', 404, `No API key named "${name}"`);
}
