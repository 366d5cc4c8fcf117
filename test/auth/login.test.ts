import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PASSWORD, seedWorld } from '../helpers/world.ts';
import { upsertLocalUser } from '../../src/auth/users.ts';

const login = (t: TestApp, username: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });

describe.each(dialects)('local login on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('logs in with the right password and sets an httpOnly, SameSite=Lax session cookie for the whole site', async () => {
    const res = await login(t, 'sam', PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ kind: 'user', username: 'sam', fullName: 'SAM', role: 'staff' });
    const cookie = res.cookies.find((c) => c.name === 'fairbeam_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.value.length).toBeGreaterThanOrEqual(40);
    // Plain http in tests: not Secure (it is when FAIRBEAM_BASE_URL is https).
    expect(cookie.secure).toBeFalsy();
  });

  it('answers a wrong password, an unknown user and a user without password identically (401 invalid_credentials)', async () => {
    await upsertLocalUser(t.services.database.db, { username: 'imported-only' });
    const answers = await Promise.all([
      login(t, 'bob', 'wrong password'),
      login(t, 'nobody-here', PASSWORD),
      login(t, 'imported-only', PASSWORD),
    ]);
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(answers[0]!.json());
      expect(res.json().code).toBe('invalid_credentials');
      expect(res.cookies).toEqual([]);
    }
  });

  it('stores passwords as argon2id hashes, never as plain text', async () => {
    const rows = await t.services.database.db
      .selectFrom('app_user')
      .select(['username', 'password_hash'])
      .execute();
    const withPassword = rows.filter((r) => r.password_hash !== null);
    expect(withPassword.length).toBeGreaterThanOrEqual(6);
    for (const r of withPassword) {
      expect(r.password_hash).toMatch(/^\$argon2id\$/);
      expect(r.password_hash).not.toContain(PASSWORD);
    }
  });

  it('tells who the caller is on /api/me: anonymous, user with role, member without role, API key', async () => {
    expect((await t.app.inject('/api/me')).json()).toEqual({ kind: 'anonymous' });
    const root = await t.app.inject({ url: '/api/me', headers: { cookie: await t.login('root') } });
    expect(root.json()).toEqual({ kind: 'user', username: 'root', fullName: 'ROOT', role: 'admin' });
    const dora = await t.app.inject({ url: '/api/me', headers: { cookie: await t.login('dora') } });
    expect(dora.json()).toMatchObject({ kind: 'user', username: 'dora', role: 'data_manager' });
    const ada = await t.app.inject({ url: '/api/me', headers: { cookie: await t.login('ada') } });
    expect(ada.json()).toEqual({ kind: 'user', username: 'ada', fullName: 'ADA', role: null });
  });

  it('treats an unknown or garbage session cookie as anonymous', async () => {
    for (const cookie of [
      'fairbeam_session=nonsense',
      'fairbeam_session=',
      `fairbeam_session=${'A'.repeat(43)}`,
    ]) {
      const res = await t.app.inject({ url: '/api/me', headers: { cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ kind: 'anonymous' });
    }
  });

  it('logs out server-side: the old cookie no longer works, even if the browser keeps it', async () => {
    const cookie = await t.login('bob');
    expect((await t.app.inject({ url: '/api/sessions/EMB', headers: { cookie } })).statusCode).toBe(200);
    const out = await t.app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === 'fairbeam_session')!;
    expect(cleared.value).toBe('');
    expect((await t.app.inject({ url: '/api/me', headers: { cookie } })).json()).toEqual({
      kind: 'anonymous',
    });
    expect((await t.app.inject({ url: '/api/sessions/EMB', headers: { cookie } })).statusCode).toBe(404);
    const audit = await t.services.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('action', 'in', ['login', 'logout'])
      .where('actor', '=', 'user:bob')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['login', 'logout']);
  });

  it('logs out an anonymous caller harmlessly', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/logout' })).statusCode).toBe(204);
  });

  it('expires session tokens after their lifetime: the caller becomes anonymous', async () => {
    const cookie = await t.login('eve');
    expect((await t.app.inject({ url: '/api/me', headers: { cookie } })).json()).toMatchObject({
      username: 'eve',
    });
    t.clock.set(new Date(t.clock.now().getTime() + 13 * 3600 * 1000));
    try {
      expect((await t.app.inject({ url: '/api/me', headers: { cookie } })).json()).toEqual({
        kind: 'anonymous',
      });
    } finally {
      t.clock.set('2026-06-01T00:00:00Z');
    }
  });

  it('keeps a logged-in session valid before its expiry', async () => {
    const cookie = await t.login('sam');
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 3600 * 1000));
    try {
      expect((await t.app.inject({ url: '/api/me', headers: { cookie } })).json()).toMatchObject({
        username: 'sam',
      });
    } finally {
      t.clock.set('2026-06-01T00:00:00Z');
    }
  });

  it('stores session tokens hashed, not as the cookie value', async () => {
    const cookie = await t.login('ada');
    const token = cookie.split('=')[1]!;
    const rows = await t.services.database.db.selectFrom('user_session').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });
});

describe.each(dialects)('login rate limit on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('refuses the 11th login attempt for one account within a minute with 429 rate_limited (JSON)', async () => {
    for (let i = 0; i < 10; i++) expect((await login(t, 'eve', `guess ${i}`)).statusCode).toBe(401);
    const res = await login(t, 'eve', PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json().code).toBe('rate_limited');
    expect(res.cookies).toEqual([]);
  });

  it('still lets another account log in from the same address', async () => {
    expect((await login(t, 'ada', PASSWORD)).statusCode).toBe(200);
  });
});

describe.each(dialects)('login rate limit per address on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  it('stops one address from spraying many accounts: the 51st attempt in a minute gets 429', async () => {
    for (let i = 0; i < 50; i++) expect((await login(t, `user${i}`, 'guess')).statusCode).toBe(401);
    const res = await login(t, 'someone-else', 'guess');
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('rate_limited');
  });
});
