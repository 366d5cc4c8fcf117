import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld, type World } from '../helpers/world.ts';
import { API_KEY_RECHECK_MS, createApiKey, revokeApiKey } from '../../src/auth/api-keys.ts';
import { verifySecret } from '../../src/auth/passwords.ts';

describe.each(dialects)('API keys on %s', (dialect) => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  const me = (authorization: string) => t.app.inject({ url: '/api/me', headers: { authorization } });

  it('identifies software by its key on /api/me, with its instrument', async () => {
    const res = await me(`Bearer ${w.bl1Key}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ kind: 'apikey', apiKey: 'bl1-software', instrumentId: 'BL1' });
  });

  it('accepts the scheme name in any case', async () => {
    expect((await me(`bearer ${w.bl2Key}`)).json()).toMatchObject({ kind: 'apikey', instrumentId: 'BL2' });
  });

  it('rejects a well-formed key with a wrong secret, an unknown id or a malformed key with 401 invalid_api_key', async () => {
    const [, id, secret] = /^fbk_([A-Za-z0-9]{12})_(.+)$/.exec(w.bl1Key)!;
    const wrongSecret = `fbk_${id}_${secret!.slice(0, -1)}${secret!.endsWith('A') ? 'B' : 'A'}`;
    const unknownId = `fbk_ZZZZZZZZZZZZ_${secret}`;
    for (const key of [
      wrongSecret,
      unknownId,
      'not-a-key',
      'fbk_short_x',
      `${w.bl1Key}x`,
      'fbk_' + 'A'.repeat(2000),
    ]) {
      const res = await me(`Bearer ${key}`);
      expect({ key, status: res.statusCode, code: res.json().code }).toEqual({
        key,
        status: 401,
        code: 'invalid_api_key',
      });
    }
  });

  it('rejects a wrong secret even right after the right key was accepted (no cache confusion)', async () => {
    expect((await me(`Bearer ${w.bl2Key}`)).statusCode).toBe(200);
    const wrong = w.bl2Key.slice(0, -2) + (w.bl2Key.endsWith('AA') ? 'BB' : 'AA');
    expect((await me(`Bearer ${wrong}`)).statusCode).toBe(401);
  });

  it('rejects a malformed Authorization header with 401 invalid_authorization, even on public endpoints', async () => {
    for (const header of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      'Token abc',
      `Bearer ${w.bl1Key} extra`,
      'fbk_x',
    ]) {
      const res = await t.app.inject({ url: '/api/sessions', headers: { authorization: header } });
      expect({ header, status: res.statusCode, code: res.json().code }).toEqual({
        header,
        status: 401,
        code: 'invalid_authorization',
      });
    }
  });

  it('stores only an argon2id hash of the secret, never the key', async () => {
    const rows = await t.services.database.db.selectFrom('api_key').select(['id', 'secret_hash']).execute();
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.secret_hash).toMatch(/^\$argon2id\$/);
      expect(r.secret_hash).not.toContain(w.bl1Key.split('_').slice(2).join('_'));
      expect(r.secret_hash).not.toContain(w.bl2Key.split('_').slice(2).join('_'));
    }
    const bl1 = rows.find((r) => w.bl1Key.includes(r.id))!;
    expect(await verifySecret(bl1.secret_hash, w.bl1Key.split('_').slice(2).join('_'))).toBe(true);
  });

  it('stops a revoked key at once, even one used a moment ago', async () => {
    const db = t.services.database.db;
    const { key } = await createApiKey(db, 'soon-revoked', 'BL1');
    expect((await me(`Bearer ${key}`)).statusCode).toBe(200);
    await revokeApiKey(db, 'soon-revoked', t.clock.now());
    const res = await me(`Bearer ${key}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('invalid_api_key');
  });

  it('stops a key revoked by another process within API_KEY_RECHECK_MS, though it was just used', async () => {
    const db = t.services.database.db;
    const { key } = await createApiKey(db, 'revoked-elsewhere', 'BL1');
    expect((await me(`Bearer ${key}`)).statusCode).toBe(200);
    // What `fairbeam apikey revoke` in another process does; this process is not told.
    await db
      .updateTable('api_key')
      .set({ revoked_at: new Date() })
      .where('name', '=', 'revoked-elsewhere')
      .execute();
    const revokedAt = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - revokedAt < API_KEY_RECHECK_MS + 2000) {
      status = (await me(`Bearer ${key}`)).statusCode;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(API_KEY_RECHECK_MS + 1000);
    expect((await me(`Bearer ${key}`)).json().code).toBe('invalid_api_key');
  });

  it('gives a key without instrument (facility-wide software) every session', async () => {
    const { key } = await createApiKey(t.services.database.db, 'facility-wide', null);
    const res = await t.app.inject({
      url: '/api/sessions?count=true',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.json().total).toBe(2);
  });

  it('refuses duplicate key names and keys for unknown instruments', async () => {
    const db = t.services.database.db;
    await expect(createApiKey(db, 'bl1-software', 'BL1')).rejects.toMatchObject({ code: 'api_key_exists' });
    await expect(createApiKey(db, 'other', 'NOPE')).rejects.toMatchObject({ code: 'instrument_not_found' });
  });

  it('does not let an API key act as an admin', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: { authorization: `Bearer ${w.bl1Key}` },
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
  });
});
