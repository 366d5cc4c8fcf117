import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { NOW } from '../helpers/world.ts';
import { userForIdentity } from '../../src/auth/oidc/link.ts';
import { buildApp } from '../../src/http/app.ts';
import { openState, sealState, STATE_COOKIE } from '../../src/auth/oidc/state-cookie.ts';
import { CookieClient, startOidcWorld, type OidcWorld } from './oidc-world.ts';
import type { TestAccount } from './oidc-provider.ts';
import { startTestProvider } from './oidc-provider.ts';

// OIDC login against a real provider (oidc-provider on loopback), through HTTP as a browser does
// it, stopping at single hops to check each rule: who an identity logs in as, and each way a
// login must fail (with its stable code).

const SECRET = 'idp secret';
const persona = (
  sub: string,
  login: string,
  email?: string,
  emailVerified = true,
  name?: string,
): TestAccount => ({
  sub,
  login,
  password: SECRET,
  email,
  emailVerified,
  name,
});
const ACCOUNTS = [
  persona('sub-ada', 'ada.idp', 'Ada@TF.example', true, 'Ada L.'),
  persona('sub-bob-unverified', 'bob.idp', 'bob@tf.example', false),
  persona('sub-newcomer', 'newcomer', 'newcomer@elsewhere.example', true, 'New Comer'),
  persona('sub-shared', 'shared', 'shared@tf.example'),
  persona('sub-dora-1', 'dora.one', 'dora@tf.example'),
  persona('sub-dora-2', 'dora.two', 'dora@tf.example'),
  persona('sub-plain', 'plain'),
];

async function errorOf(r: { status: number; res: Response }) {
  return { status: r.status, ...((await r.res.json()) as { code: string; message: string }) };
}

describe.each(dialects)('OIDC login (%s)', (dialect) => {
  let w: OidcWorld;
  beforeAll(async () => {
    w = await startOidcWorld(dialect, ACCOUNTS);
    const db = w.services.database.db;
    for (const [username, email] of [
      ['ada', 'ada@tf.example'],
      ['bob', 'bob@tf.example'],
      ['eve', 'shared@tf.example'],
      ['sam', 'shared@tf.example'],
      ['dora', 'dora@tf.example'],
    ]) {
      await db.updateTable('app_user').set({ email }).where('username', '=', username!).execute();
    }
  });
  afterAll(() => w?.close());

  const callbackPrefix = () => `${w.url}/api/auth/oidc/callback`;

  /** Starts a login and signs in at the provider's form; returns the callback URL (not yet visited). */
  async function throughProvider(
    c: CookieClient,
    login: string,
    action = 'login',
    returnTo = '/sessions/EMB',
  ) {
    const form = await c.follow(
      `${w.url}/api/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`,
      (u) => u.includes('/interaction/'),
    );
    expect((await c.request(form)).status).toBe(200);
    const posted = await c.request(form, { form: { login, password: SECRET, action } });
    expect(posted.status).toBe(303);
    return c.follow(posted.location!, (u) => u.startsWith(callbackPrefix()));
  }

  async function logIn(login: string) {
    const c = new CookieClient();
    const callback = await throughProvider(c, login);
    const done = await c.request(callback);
    return { c, done };
  }

  async function me(c: CookieClient) {
    const r = await c.request(`${w.url}/api/me`);
    return (await r.res.json()) as {
      kind: string;
      username?: string;
      role?: string | null;
      fullName?: string;
    };
  }

  it('says whether single sign-on is offered, for the login page', async () => {
    const c = new CookieClient();
    expect(await (await c.request(`${w.url}/api/auth/oidc`)).res.json()).toEqual({
      enabled: true,
      name: 'Test IdP',
      loginUrl: '/api/auth/oidc/login',
    });
    // The same server without OIDC configured.
    const local = await buildApp({ ...w.services, config: { ...w.services.config, oidc: undefined } });
    try {
      expect((await local.inject({ url: '/api/auth/oidc' })).json()).toEqual({ enabled: false });
      const start = await local.inject({ url: '/api/auth/oidc/login' });
      expect(start.statusCode).toBe(404);
      expect(start.json().code).toBe('oidc_not_configured');
    } finally {
      await local.close();
    }
  });

  it('starts with PKCE (S256), state and nonce, kept in a short-lived httpOnly SameSite cookie', async () => {
    const c = new CookieClient();
    const r = await c.request(`${w.url}/api/auth/oidc/login`);
    expect(r.status).toBe(302);
    const to = new URL(r.location!);
    expect(to.origin).toBe(w.provider.issuer);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: w.provider.clientId,
      response_type: 'code',
      redirect_uri: callbackPrefix(),
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    for (const p of ['state', 'nonce', 'code_challenge'])
      expect(to.searchParams.get(p)).toMatch(/^[\w-]{20,}$/);
    const setCookie = r.res.headers.getSetCookie().find((l) => l.startsWith(`${STATE_COOKIE}=`))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Max-Age=600/i);
    expect(setCookie).toMatch(/Path=\/api\/auth\/oidc/i);
    // The verifier itself never reaches the provider: only its challenge does.
    const saved = openState(w.services.config.oidc!, c.jar.get(STATE_COOKIE)!.value, w.services.clock.now())!;
    expect(saved.state).toBe(to.searchParams.get('state'));
    expect(saved.nonce).toBe(to.searchParams.get('nonce'));
    expect(r.location).not.toContain(saved.codeVerifier);
  });

  it('links a verified email to the existing account, then finds it by subject even after the email changes', async () => {
    const first = await logIn('ada.idp');
    expect(first.done.status).toBe(302);
    expect(first.done.location).toBe(`${w.url}/sessions/EMB`);
    expect(await me(first.c)).toMatchObject({ kind: 'user', username: 'ada', role: null });
    // The session cookie works on the API: ada sees her embargoed session.
    expect((await first.c.request(`${w.url}/api/sessions/EMB`)).status).toBe(200);

    const db = w.services.database.db;
    await db
      .updateTable('app_user')
      .set({ email: 'ada@new-employer.example' })
      .where('username', '=', 'ada')
      .execute();
    const again = await logIn('ada.idp');
    expect(await me(again.c)).toMatchObject({ username: 'ada' });
    const logins = await db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('action', '=', 'login')
      .where('actor', '=', 'user:ada')
      .orderBy('id')
      .execute();
    expect(logins.map((l) => (l.details as { linkedBy?: string }).linkedBy)).toEqual(['email', 'subject']);
    expect(logins[0]!.details).toMatchObject({
      method: 'oidc',
      issuer: w.provider.issuer,
      subject: 'sub-ada',
    });
    const links = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'oidc.link')
      .where('target', '=', 'ada')
      .execute();
    expect(links).toHaveLength(1);
  });

  it('does not link by an email the provider has not verified: it creates a separate account', async () => {
    const { c } = await logIn('bob.idp');
    const who = await me(c);
    expect(who.username).not.toBe('bob');
    expect(who.username).toBe('bob.idp');
    const row = await w.services.database.db
      .selectFrom('app_user')
      .selectAll()
      .where('username', '=', 'bob.idp')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ email: null, password_hash: null, facility_role: null });
    // Not bob: his embargoed session stays hidden.
    expect((await c.request(`${w.url}/api/sessions/EMB`)).status).toBe(404);
  });

  it('creates an account without facility role for an unknown person, audited', async () => {
    const { c } = await logIn('newcomer');
    expect(await me(c)).toMatchObject({
      kind: 'user',
      username: 'newcomer',
      fullName: 'New Comer',
      role: null,
    });
    const db = w.services.database.db;
    const created = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user.create')
      .where('target', '=', 'newcomer')
      .execute();
    expect(created).toHaveLength(1);
    expect(created[0]!.details).toMatchObject({ subject: 'sub-newcomer', facilityRole: null });
    expect((await c.request(`${w.url}/api/sessions?count=true`)).status).toBe(200);
    const visible = (await (await c.request(`${w.url}/api/sessions`)).res.json()) as {
      items: { id: string }[];
    };
    expect(visible.items.map((s) => s.id)).toEqual(['PUB']);
  });

  it('gets the email from userinfo when it is not in the ID token, and accepts a provider without one', async () => {
    const { c, done } = await logIn('plain');
    expect(done.status).toBe(302);
    expect(await me(c)).toMatchObject({ username: 'plain' });
    const link = await w.services.database.db
      .selectFrom('oidc_identity')
      .selectAll()
      .where('subject', '=', 'sub-ada')
      .executeTakeFirstOrThrow();
    // oidc-provider keeps scope claims out of the ID token: this email came through userinfo.
    expect(link.email).toBe('Ada@TF.example');
  });

  it('gives simultaneous first logins of one identity the same new account', async () => {
    const claims = {
      issuer: w.provider.issuer,
      subject: 'sub-twin',
      email: 'twin@elsewhere.example',
      emailVerified: true,
    };
    const db = w.services.database.db;
    const all = await Promise.all(Array.from({ length: 5 }, () => userForIdentity(db, claims, NOW)));
    expect(new Set(all.map((u) => u.userId)).size).toBe(1);
    expect(all.filter((u) => u.how === 'created')).toHaveLength(1);
    expect(
      await db.selectFrom('app_user').select('id').where('email', '=', 'twin@elsewhere.example').execute(),
    ).toHaveLength(1);
  });

  it('refuses to guess between several accounts with the same email (409 oidc_email_ambiguous)', async () => {
    const c = new CookieClient();
    const r = await c.request(await throughProvider(c, 'shared'));
    expect(await errorOf(r)).toMatchObject({ status: 409, code: 'oidc_email_ambiguous' });
    expect((await me(c)).kind).toBe('anonymous');
  });

  it('does not re-link an account already linked to another subject of the provider (409 oidc_account_linked)', async () => {
    expect(await me((await logIn('dora.one')).c)).toMatchObject({ username: 'dora', role: 'data_manager' });
    const c = new CookieClient();
    const r = await c.request(await throughProvider(c, 'dora.two'));
    expect(await errorOf(r)).toMatchObject({ status: 409, code: 'oidc_account_linked' });
  });

  it('rejects an answer whose state is not the one this browser started (400 oidc_state_invalid)', async () => {
    const c = new CookieClient();
    const callback = new URL(await throughProvider(c, 'ada.idp'));
    callback.searchParams.set('state', 'x'.repeat(43));
    expect(await errorOf(await c.request(callback.href))).toMatchObject({
      status: 400,
      code: 'oidc_state_invalid',
    });

    // Another browser (no state cookie) with a genuine callback URL.
    const other = new CookieClient();
    const genuine = await throughProvider(other, 'ada.idp');
    other.jar.delete(STATE_COOKIE);
    expect(await errorOf(await other.request(genuine))).toMatchObject({
      status: 400,
      code: 'oidc_state_invalid',
    });

    // A state cookie whose signature does not match.
    const tampered = new CookieClient();
    const url = await throughProvider(tampered, 'ada.idp');
    const cookie = tampered.jar.get(STATE_COOKIE)!;
    tampered.jar.set(STATE_COOKIE, { ...cookie, value: `${cookie.value.split('.')[0]}.AAAA` });
    expect(await errorOf(await tampered.request(url))).toMatchObject({
      status: 400,
      code: 'oidc_state_invalid',
    });
  });

  it('rejects a replayed callback: without the cookie by state, with a copied cookie by the provider', async () => {
    const c = new CookieClient();
    const callback = await throughProvider(c, 'ada.idp');
    const stateCookie = c.jar.get(STATE_COOKIE)!;
    expect((await c.request(callback)).status).toBe(302);
    expect(c.jar.has(STATE_COOKIE)).toBe(false); // cleared by the first answer
    expect(await errorOf(await c.request(callback))).toMatchObject({
      status: 400,
      code: 'oidc_state_invalid',
    });

    const attacker = new CookieClient();
    attacker.jar.set(STATE_COOKIE, stateCookie);
    const r = await attacker.request(callback);
    expect(await errorOf(r)).toMatchObject({ status: 400, code: 'oidc_code_rejected' });
    expect((await me(attacker)).kind).toBe('anonymous');
  });

  it('rejects an ID token whose nonce is not the one this login sent (400 oidc_token_invalid)', async () => {
    const c = new CookieClient();
    const callback = await throughProvider(c, 'ada.idp');
    const settings = w.services.config.oidc!;
    const saved = openState(settings, c.jar.get(STATE_COOKIE)!.value, w.services.clock.now())!;
    c.jar.set(STATE_COOKIE, {
      path: '/api/auth/oidc',
      value: sealState(settings, { ...saved, nonce: 'n'.repeat(43) }),
    });
    const r = await errorOf(await c.request(callback));
    expect(r).toMatchObject({ status: 400, code: 'oidc_token_invalid' });
    expect(r.message).toMatch(/nonce/);
    expect((await me(c)).kind).toBe('anonymous');
  });

  it('reports a login cancelled at the provider: JSON for API clients, back to the login page for browsers', async () => {
    const c = new CookieClient();
    const callback = await throughProvider(c, 'ada.idp', 'cancel');
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    expect(await errorOf(await c.request(callback))).toMatchObject({
      status: 403,
      code: 'oidc_access_denied',
    });

    const browser = new CookieClient();
    const url = await throughProvider(browser, 'ada.idp', 'cancel');
    const r = await browser.request(url, { accept: 'text/html,application/xhtml+xml' });
    expect(r.status).toBe(302);
    expect(r.location).toBe(`${w.url}/login?oidc_error=oidc_access_denied`);
    const failures = await w.services.database.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'login.failed')
      .execute();
    expect(failures.map((f) => (f.details as { code: string }).code)).toContain('oidc_access_denied');
  });

  it('only returns to paths on this site after login', async () => {
    const c = new CookieClient();
    const r = await c.request(await throughProvider(c, 'ada.idp', 'login', '//evil.example/phish'));
    expect(r.location).toBe(`${w.url}/`);
  });
  it('answers 503 oidc_unavailable when the provider is down, at the start and at the code exchange', async () => {
    // A second provider that goes away between its answer and the code exchange.
    const other = await startTestProvider([persona('sub-x', 'x', 'x@tf.example')]);
    const settings = {
      ...w.services.config.oidc!,
      issuer: other.issuer,
      clientId: other.clientId,
      clientSecret: other.clientSecret,
    };
    other.setRedirectUrl(settings.redirectUrl);
    const app = await buildApp({ ...w.services, config: { ...w.services.config, oidc: settings } });
    try {
      const start = await app.inject({ url: '/api/auth/oidc/login' });
      const c = new CookieClient();
      c.jar.set(STATE_COOKIE, {
        value: start.cookies.find((k) => k.name === STATE_COOKIE)!.value,
        path: '/api/auth/oidc',
      });
      const form = await c.follow(String(start.headers.location), (u) => u.includes('/interaction/'));
      const signedIn = await c.request(form, { form: { login: 'x', password: SECRET, action: 'login' } });
      const callback = new URL(await c.follow(signedIn.location!, (u) => u.startsWith(callbackPrefix())));
      await other.close();
      const answer = await app.inject({
        url: `${callback.pathname}${callback.search}`,
        headers: { cookie: c.cookieHeader(callback) },
      });
      expect(answer.statusCode).toBe(503);
      expect(answer.json().code).toBe('oidc_unavailable');
    } finally {
      await app.close();
      await other.close();
    }
    // A provider never reached: discovery fails at the start; a browser goes back to the login page.
    const gone = await startTestProvider([]);
    await gone.close();
    const down = await buildApp({
      ...w.services,
      config: { ...w.services.config, oidc: { ...w.services.config.oidc!, issuer: gone.issuer } },
    });
    try {
      const api = await down.inject({ url: '/api/auth/oidc/login' });
      expect(api.statusCode).toBe(503);
      expect(api.json().code).toBe('oidc_unavailable');
      const page = await down.inject({ url: '/api/auth/oidc/login', headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(302);
      expect(page.headers.location).toBe('/login?oidc_error=oidc_unavailable');
    } finally {
      await down.close();
    }
  });
});
