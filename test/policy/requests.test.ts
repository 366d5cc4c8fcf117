import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld, type World } from '../helpers/world.ts';
import { addEmbargoedSession, auditOf, EMB_RELEASE, getJson, releasePassAt } from './helpers.ts';

describe.each(dialects)('embargo extension and early release (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  const cookies: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedWorld(t.services.database.db);
    for (const u of ['ada', 'bob', 'eve', 'sam', 'dora', 'root']) cookies[u] = await t.login(u);
  });
  afterAll(() => t.close());

  const post = (
    url: string,
    who: string | undefined,
    payload?: object,
    headers: Record<string, string> = {},
  ) =>
    t.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { ...(who ? { cookie: cookies[who]! } : {}), ...headers },
    });
  const ask = (session: string, who: string | undefined, body: object) =>
    post(`/api/sessions/${encodeURIComponent(session)}/policy-requests`, who, body);

  it('extends an embargo when the PI asks and a data manager approves, and audits both', async () => {
    t.clock.set(NOW);
    const s = await addEmbargoedSession(t, 'EXT-1');
    const asked = await ask(s.id, 'ada', {
      kind: 'extension',
      releaseDate: '2030-01-05T00:00:00Z',
      reason: 'paper under review',
    });
    expect(asked.statusCode).toBe(201);
    const request = asked.json();
    expect(request).toMatchObject({
      sessionId: 'EXT-1',
      kind: 'extension',
      status: 'pending',
      requestedBy: 'ada',
      requestedReleaseDate: '2030-01-05T00:00:00.000Z',
      releaseDate: EMB_RELEASE,
    });

    for (const who of ['ada', 'bob', 'sam', 'dora']) {
      const seen = await getJson(t, `/api/sessions/EXT-1/policy-requests`, cookies[who]);
      expect(seen.status, who).toBe(200);
      expect(seen.body.items!.map((r) => r.id)).toEqual([request.id]);
    }
    expect(
      (await getJson(t, '/api/policy-requests?status=pending', cookies.dora)).body.items!.map((r) => r.id),
    ).toContain(request.id);

    const approved = await post(`/api/policy-requests/${request.id}/approve`, 'dora', { note: 'fine' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({
      status: 'approved',
      decidedBy: 'dora',
      decisionNote: 'fine',
      releaseDate: '2030-01-05T00:00:00.000Z',
    });

    // At the old release date the session stays closed, through the job too; at the new one it opens.
    const atOldDate = await releasePassAt(t, '2029-01-05T00:15:00Z');
    expect(atOldDate.released).not.toContain('EXT-1');
    expect((await getJson(t, '/api/sessions/EXT-1')).status).toBe(404);
    expect((await getJson(t, `/api/datasets/${encodeURIComponent(s.pid)}`)).status).toBe(404);
    const atNewDate = await releasePassAt(t, '2030-01-05T00:15:00Z');
    expect(atNewDate.released).toContain('EXT-1');
    expect(atNewDate.dois.registered).toContainEqual({ doi: s.doi, state: 'findable' });
    expect((await getJson(t, '/api/sessions/EXT-1')).status).toBe(200);

    expect((await auditOf(t, 'policy_request.create', 'EXT-1')).map((a) => a.actor)).toEqual(['user:ada']);
    expect((await auditOf(t, 'policy_request.approve', 'EXT-1')).map((a) => a.actor)).toEqual(['user:dora']);
    expect((await auditOf(t, 'session.embargo_extend', 'EXT-1')).map((a) => a.details)).toEqual([
      { request: request.id, from: EMB_RELEASE, to: '2030-01-05T00:00:00.000Z' },
    ]);
  });

  it('releases at once on an approved early release: data public, DOI findable, nothing left for the job', async () => {
    t.clock.set(NOW);
    const s = await addEmbargoedSession(t, 'EARLY-1');
    await releasePassAt(t, NOW.toISOString()); // registers the draft
    const request = (await ask(s.id, 'ada', { kind: 'early_release', reason: 'published' })).json();
    expect((await getJson(t, '/api/sessions/EARLY-1')).status).toBe(404);

    t.clock.set('2026-06-01T10:00:00Z');
    const approved = await post(`/api/policy-requests/${request.id}/approve`, 'root');
    expect(approved.statusCode).toBe(200);
    const anon = await getJson(t, '/api/sessions/EARLY-1');
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({
      isPublic: true,
      releasedAt: '2026-06-01T10:00:00.000Z',
      releaseDate: EMB_RELEASE,
    });
    expect((await getJson(t, `/api/datasets/${encodeURIComponent(s.pid)}`)).status).toBe(200);
    const local = await t.services.database.db
      .selectFrom('local_doi')
      .select('state')
      .where('doi', '=', s.doi)
      .executeTakeFirstOrThrow();
    expect(local.state).toBe('findable');
    expect((await auditOf(t, 'session.release', 'EARLY-1')).map((a) => a.details)).toEqual([
      { request: request.id, early: true, releaseDate: EMB_RELEASE, releasedAt: '2026-06-01T10:00:00.000Z' },
    ]);

    const next = await releasePassAt(t, '2026-06-01T10:15:00Z');
    expect(next.released).not.toContain('EARLY-1');
    expect(next.dois.registered.map((r) => r.doi)).not.toContain(s.doi);
    expect(await auditOf(t, 'doi.publish', 'EARLY-1')).toHaveLength(1);
  });

  it('lets only the PI ask: others who see the session get 403, outsiders 404, anonymous 401', async () => {
    t.clock.set(NOW);
    await addEmbargoedSession(t, 'WHO-1');
    const body = { kind: 'early_release', reason: 'x' };
    expect((await ask('WHO-1', undefined, body)).statusCode).toBe(401);
    expect((await ask('WHO-1', 'eve', body)).json()).toMatchObject({ code: 'session_not_found' });
    expect((await ask('WHO-1', 'eve', body)).statusCode).toBe(404);
    expect((await ask('WHO-1', 'bob', body)).json()).toMatchObject({ code: 'not_principal_investigator' });
    expect((await ask('WHO-1', 'sam', body)).statusCode).toBe(403);
    expect((await ask('WHO-1', 'dora', body)).statusCode).toBe(403);
    const byKey = await t.app.inject({
      method: 'POST',
      url: '/api/sessions/WHO-1/policy-requests',
      payload: body,
      headers: { authorization: `Bearer ${w.bl1Key}` },
    });
    expect(byKey.statusCode).toBe(403);
    expect((await getJson(t, '/api/sessions/WHO-1/policy-requests', cookies.eve)).status).toBe(404);
    expect((await getJson(t, '/api/sessions/PUB/policy-requests', cookies.eve)).status).toBe(403);
    expect((await getJson(t, '/api/sessions/WHO-1/policy-requests')).status).toBe(401);
    expect((await getJson(t, '/api/policy-requests', cookies.ada)).status).toBe(403);
    expect((await getJson(t, '/api/policy-requests', cookies.sam)).status).toBe(403);
    expect(await auditOf(t, 'policy_request.create', 'WHO-1')).toEqual([]);
  });

  it('rejects bad requests with stable codes', async () => {
    t.clock.set(NOW);
    await addEmbargoedSession(t, 'BAD-1');
    const cases: [object, number, string][] = [
      [{ kind: 'extension', reason: 'x' }, 400, 'release_date_required'],
      [{ kind: 'extension', releaseDate: '2028-01-01T00:00:00Z', reason: 'x' }, 422, 'invalid_release_date'],
      [{ kind: 'extension', releaseDate: 'next year', reason: 'x' }, 400, 'validation_failed'],
      [
        { kind: 'early_release', releaseDate: '2030-01-01T00:00:00Z', reason: 'x' },
        400,
        'unexpected_release_date',
      ],
      [{ kind: 'forever', reason: 'x' }, 400, 'validation_failed'],
      [{ kind: 'early_release', reason: '' }, 400, 'validation_failed'],
      [{ kind: 'early_release', reason: 'x', extra: 1 }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await ask('BAD-1', 'ada', body);
      expect([res.statusCode, res.json().code], JSON.stringify(body)).toEqual([status, code]);
    }
    const notJson = await post('/api/sessions/BAD-1/policy-requests', 'ada', undefined, {
      'content-type': 'application/json',
    });
    expect(notJson.statusCode).toBe(400);
    expect((await ask('PUB', 'ada', { kind: 'early_release', reason: 'x' })).json()).toMatchObject({
      code: 'session_public',
    });

    const first = await ask('BAD-1', 'ada', { kind: 'early_release', reason: 'x' });
    expect(first.statusCode).toBe(201);
    const second = await ask('BAD-1', 'ada', {
      kind: 'extension',
      releaseDate: '2031-01-01T00:00:00Z',
      reason: 'y',
    });
    expect([second.statusCode, second.json().code]).toEqual([409, 'policy_request_pending']);
  });

  it('lets only data managers and admins decide, once', async () => {
    t.clock.set(NOW);
    await addEmbargoedSession(t, 'DEC-1');
    const request = (
      await ask('DEC-1', 'ada', { kind: 'extension', releaseDate: '2031-01-01T00:00:00Z', reason: 'x' })
    ).json();
    for (const who of ['ada', 'bob', 'eve', 'sam']) {
      expect((await post(`/api/policy-requests/${request.id}/approve`, who)).statusCode, who).toBe(403);
    }
    expect((await post(`/api/policy-requests/${request.id}/approve`, undefined)).statusCode).toBe(401);
    expect((await post('/api/policy-requests/999999/approve', 'dora')).json()).toMatchObject({
      code: 'policy_request_not_found',
    });
    expect((await post('/api/policy-requests/abc/approve', 'dora')).statusCode).toBe(400);

    const rejected = await post(`/api/policy-requests/${request.id}/reject`, 'dora', {
      note: 'no reason given',
    });
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      decidedBy: 'dora',
      decisionNote: 'no reason given',
      releaseDate: EMB_RELEASE,
    });
    const again = await post(`/api/policy-requests/${request.id}/approve`, 'root');
    expect([again.statusCode, again.json().code]).toEqual([409, 'policy_request_decided']);
    expect((await auditOf(t, 'policy_request.reject', 'DEC-1')).map((a) => a.actor)).toEqual(['user:dora']);
    expect(await auditOf(t, 'session.embargo_extend', 'DEC-1')).toEqual([]);
    // A rejected request frees the session for a new one.
    expect((await ask('DEC-1', 'ada', { kind: 'early_release', reason: 'y' })).statusCode).toBe(201);
  });

  it('refuses to approve once the session has become public meanwhile', async () => {
    t.clock.set(NOW);
    await addEmbargoedSession(t, 'LATE-1');
    const request = (
      await ask('LATE-1', 'ada', { kind: 'extension', releaseDate: '2031-01-01T00:00:00Z', reason: 'x' })
    ).json();
    t.clock.set('2029-02-01T00:00:00Z');
    cookies.dora = await t.login('dora'); // the earlier session cookie has expired by then
    const res = await post(`/api/policy-requests/${request.id}/approve`, 'dora');
    expect([res.statusCode, res.json().code]).toEqual([409, 'session_public']);
    t.clock.set(NOW);
  });

  it('is refused for what it is (a leap second), not as a date before the current release', async () => {
    t.clock.set(NOW);
    const s = await addEmbargoedSession(t, 'LEAP-1');
    const res = await ask(s.id, 'ada', {
      kind: 'extension',
      releaseDate: '2030-12-31T23:59:60Z',
      reason: 'leap',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', details: [{ path: '/releaseDate' }] });
  });

  it('never moves the release date earlier: 409, and the later date stays', async () => {
    t.clock.set(NOW);
    const db = t.services.database.db;
    await addEmbargoedSession(t, 'STALE-1');
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/sessions/STALE-1/policy-requests',
      headers: { cookie: await t.login('ada') },
      payload: { kind: 'extension', releaseDate: '2030-01-05T00:00:00Z', reason: 'thesis' },
    });
    expect(asked.statusCode).toBe(201);
    // Meanwhile the user office moved the session's release date beyond the requested one (re-import).
    await db
      .updateTable('session')
      .set({ release_date: new Date('2031-01-05T00:00:00Z') })
      .where('id', '=', 'STALE-1')
      .execute();
    const approved = await t.app.inject({
      method: 'POST',
      url: `/api/policy-requests/${asked.json().id}/approve`,
      headers: { cookie: await t.login('dora') },
    });
    expect([approved.statusCode, approved.json().code]).toEqual([409, 'release_date_not_later']);
    const s = await db
      .selectFrom('session')
      .select('release_date')
      .where('id', '=', 'STALE-1')
      .executeTakeFirstOrThrow();
    expect(s.release_date.toISOString()).toBe('2031-01-05T00:00:00.000Z');
  });
});
