import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

describe.each(dialects)('who may read and write which logbook on %s', (dialect) => {
  let t: LogbookTestApp;
  let emb: string;
  let pub: string;
  let pubEvent: { id: string; revision: number };
  let annotation: { id: string; revision: number };
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    emb = await t.logbookOf('EMB');
    pub = await t.logbookOf('PUB');
    // Write into PUB while its session was running, then come back to a time when it is public.
    t.clock.set('2020-01-02T10:00:00Z');
    pubEvent = (await t.post(pub, note('beam lost at 10:00'), t.bearer(t.world.bl2Key))).json();
    annotation = (await t.post(pub, note('we restarted'), { cookie: t.cookies.ada })).json();
    t.clock.set('2026-06-01T00:00:00Z');
  });
  afterAll(() => t.close());

  it('hides an embargoed session logbook from outsiders and anonymous users (404)', async () => {
    for (const headers of [{ cookie: t.cookies.eve }, {}, t.bearer(t.world.bl2Key)]) {
      expect((await t.app.inject({ url: '/api/sessions/EMB/logbook', headers })).statusCode).toBe(404);
      const byId = await t.app.inject({ url: `/api/logbooks/${emb}`, headers });
      expect(byId.statusCode).toBe(404);
      expect(byId.json().code).toBe('logbook_not_found');
      expect((await t.app.inject({ url: `/api/logbooks/${emb}/events`, headers })).statusCode).toBe(404);
      expect((await t.app.inject({ url: `/api/logbooks/${emb}/stream`, headers })).statusCode).toBe(404);
      expect(
        (await t.app.inject({ url: `/api/logbooks/${emb}/export?format=json`, headers })).statusCode,
      ).toBe(404);
    }
  });

  it('hides the events of an embargoed logbook from outsiders, by id too', async () => {
    const e = (await t.post(emb, note('secret result'), { cookie: t.cookies.ada })).json();
    for (const url of [
      `/api/events/${e.id}`,
      `/api/events/${e.id}/revisions`,
      `/api/events/${e.id}/diff?from=1&to=1`,
    ]) {
      const res = await t.app.inject({ url, headers: { cookie: t.cookies.eve } });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('event_not_found');
    }
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/events/${e.id}`,
      payload: note('x'),
      headers: { cookie: t.cookies.eve, 'if-match': '"1"' },
    });
    expect(patch.statusCode).toBe(404);
  });

  it("lets members, staff and the instrument's software write to an open session logbook", async () => {
    for (const headers of [
      { cookie: t.cookies.ada },
      { cookie: t.cookies.bob },
      { cookie: t.cookies.sam },
      t.bearer(t.world.bl1Key),
    ]) {
      expect((await t.post(emb, note('hello'), headers)).statusCode).toBe(201);
    }
    expect((await t.post(emb, note('x'), t.bearer(t.world.bl2Key))).statusCode).toBe(404);
    expect((await t.post(emb, note('x'), {})).statusCode).toBe(404);
  });

  it('freezes a released session logbook: every write is 403 logbook_frozen', async () => {
    const lb = await t.app.inject({ url: `/api/logbooks/${pub}`, headers: { cookie: t.cookies.ada } });
    expect(lb.json()).toMatchObject({ state: 'frozen', canWrite: false });
    const writes = [
      t.post(pub, note('late note'), { cookie: t.cookies.ada }),
      t.post(pub, note('late note'), t.bearer(t.world.bl2Key)),
      t.post(pub, note('late note'), { cookie: t.cookies.sam }),
      t.app.inject({
        method: 'POST',
        url: `/api/logbooks/${pub}/events:batch`,
        payload: { events: [note('x')] },
        headers: t.bearer(t.world.bl2Key),
      }),
      t.app.inject({
        method: 'PATCH',
        url: `/api/events/${annotation.id}`,
        payload: note('edited'),
        headers: { cookie: t.cookies.ada, 'if-match': '"1"' },
      }),
      t.app.inject({
        method: 'DELETE',
        url: `/api/events/${annotation.id}`,
        headers: { cookie: t.cookies.ada, 'if-match': '"1"' },
      }),
      t.app.inject({
        method: 'POST',
        url: `/api/logbooks/${pub}/attachments?name=a.txt`,
        payload: 'abc',
        headers: { cookie: t.cookies.ada, 'content-type': 'text/plain' },
      }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('logbook_frozen');
    }
  });

  it('shows a released logbook to everyone, like the session data', async () => {
    const anon = await t.app.inject({ url: '/api/sessions/PUB/logbook' });
    expect(anon.statusCode).toBe(200);
    expect(anon.json()).toMatchObject({ id: pub, state: 'frozen', canWrite: false });
    const events = await t.app.inject({ url: `/api/logbooks/${pub}/events` });
    expect(events.json().items.map((e: { id: string }) => e.id)).toEqual([pubEvent.id, annotation.id]);
  });

  it('freezes the embargoed logbook once its release date passes, and opens it to the public', async () => {
    t.clock.set('2029-02-01T00:00:00Z');
    try {
      const anon = await t.app.inject({ url: `/api/logbooks/${emb}` });
      expect(anon.json().state).toBe('frozen');
      const res = await t.post(emb, note('after release'), t.bearer(t.world.bl1Key));
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('logbook_frozen');
    } finally {
      t.clock.set('2026-06-01T00:00:00Z');
    }
  });

  it('asks anonymous writers to log in', async () => {
    const res = await t.post(pub, note('x'), {});
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthenticated');
    t.clock.set('2020-01-02T10:00:00Z');
    try {
      const outsider = await t.post(pub, note('x'), { cookie: t.cookies.eve });
      expect(outsider.statusCode).toBe(404); // during the embargo eve cannot see PUB at all
    } finally {
      t.clock.set('2026-06-01T00:00:00Z');
    }
  });

  it('keeps instrument logbooks to staff and that instrument software', async () => {
    const staff = await t.app.inject({
      url: '/api/instruments/BL1/logbook',
      headers: { cookie: t.cookies.sam },
    });
    expect(staff.statusCode).toBe(200);
    const id = staff.json().id;
    expect((await t.post(id, note('vacuum ok'), t.bearer(t.world.bl1Key))).statusCode).toBe(201);
    expect((await t.post(id, note('x'), t.bearer(t.world.bl2Key))).statusCode).toBe(404);
    expect(
      (await t.app.inject({ url: '/api/instruments/BL1/logbook', headers: { cookie: t.cookies.ada } }))
        .statusCode,
    ).toBe(403);
    expect(
      (await t.app.inject({ url: `/api/logbooks/${id}/events`, headers: { cookie: t.cookies.ada } }))
        .statusCode,
    ).toBe(404);
  });

  it('lets staff broadcast in the facility logbook, which everyone reads', async () => {
    const lb = (await t.app.inject({ url: '/api/facilities/TF/logbook' })).json();
    expect(lb).toMatchObject({ scope: 'facility', state: 'open', canWrite: false });
    const b = await t.post(lb.id, note('beam back at 14:00'), { cookie: t.cookies.sam });
    expect(b.statusCode).toBe(201);
    expect(b.json().kind).toBe('broadcast');
    const denied = await t.post(lb.id, note('x'), { cookie: t.cookies.ada });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('forbidden');
    const read = await t.app.inject({ url: `/api/logbooks/${lb.id}/events` });
    expect(read.json().items.map((e: { content: { text: string } }) => e.content.text)).toContain(
      'beam back at 14:00',
    );
  });
});
