import { isUniqueViolation, type Db } from '../db/connect.ts';
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
  const exists = () => new AppError('api_key_exists', 409, `An API key named "${name}" exists already`);
  const existing = await db.selectFrom('api_key').select('id').where('name', '=', name).executeTakeFirst();
  if (existing) throw exists();
  const id = randomToken(12)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 12)
    .padEnd(12, '0');
  const secret = randomToken(32);
  const secretHash = await hashSecret(secret);
  // The same name created meanwhile (the check above is a fast path): the unique name decides.
  await db
    .insertInto('api_key')
    .values({ id, name, instrument_id: instrumentId, secret_hash: secretHash })
    .execute()
    .catch((e: unknown) => {
      throw isUniqueViolation(e) ? exists() : e;
    });
  return { id, key: `fbk_${id}_${secret}` };
}

// argon2 is deliberately slow, and a look-up per request is a round trip software posting many
// events pays each time. A verified key is remembered (keyed by sha256 of the whole key, so a wrong
// secret never matches): for RECHECK_MS it is trusted as is, then its row is looked up again (a
// revoked or deleted key stops there); argon2 runs again only after VERIFIED_MS or if the stored
// hash changed. A revocation therefore takes effect within RECHECK_MS in every process, and at once
// in the process that revoked. Bounded: the oldest entry goes when MAX_KEYS are remembered.
interface Remembered {
  caller: Caller & { kind: 'apikey' };
  secretHash: string;
  verifiedUntil: number;
  checkedUntil: number;
}
const remembered = new Map<string, Remembered>();
export const API_KEY_RECHECK_MS = 1_000;
const VERIFIED_MS = 60_000;
const MAX_KEYS = 10_000;
const clock = () => performance.now();

export async function callerForApiKey(db: Db, key: string): Promise<Caller> {
  const cacheKey = tokenHash(key);
  const hit = remembered.get(cacheKey);
  const now = clock();
  if (hit && now < hit.checkedUntil) return hit.caller;
  const row = await findKey(db, key);
  if (!row) {
    remembered.delete(cacheKey);
    throw invalidKey();
  }
  if (hit && now < hit.verifiedUntil && hit.secretHash === row.secret_hash) {
    hit.checkedUntil = now + API_KEY_RECHECK_MS;
    return hit.caller;
  }
  if (!(await verifySecret(row.secret_hash, KEY_PATTERN.exec(key)![2]!))) throw invalidKey();
  const caller = { kind: 'apikey' as const, keyId: row.id, name: row.name, instrumentId: row.instrument_id };
  remembered.delete(cacheKey);
  if (remembered.size >= MAX_KEYS) remembered.delete(remembered.keys().next().value!);
  const at = clock();
  remembered.set(cacheKey, {
    caller,
    secretHash: row.secret_hash,
    verifiedUntil: at + VERIFIED_MS,
    checkedUntil: at + API_KEY_RECHECK_MS,
  });
  return caller;
}

const invalidKey = () => new AppError('invalid_api_key', 401, 'The API key is unknown, revoked or malformed');

/** The live (not revoked) key row. */
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
  // This process forgets it at once; others within API_KEY_RECHECK_MS.
  for (const [k, v] of remembered) if (v.caller.name === name) remembered.delete(k);
}
