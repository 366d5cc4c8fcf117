import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

describe.each(dialects)('posting logbook events on %s', (dialect) => {
  let t: LogbookTestApp;
  let emb: string;
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    emb = await t.logbookOf('EMB');
  });
  afterAll(() => t.close());

  it('gives a session its logbook with state and counts', async () => {
    const res = await t.app.inject({ url: '/api/sessions/EMB/logbook', headers: { cookie: t.cookies.ada } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: emb,
      scope: 'session',
      sessionId: 'EMB',
      state: 'open',
      canWrite: true,
    });
    expect(res.json().counts).toMatchObject({ events: expect.any(Number), annotation: expect.any(Number) });
  });

  it('lets the instrument software post a notification with seq, revision and ETag', async () => {
    const res = await t.post(
      emb,
      note('shutter opened', { category: 'info', tags: ['shutter'], author: 'spec' }),
      t.bearer(t.world.bl1Key),
    );
    expect(res.statusCode).toBe(201);
    const e = res.json();
    expect(e).toMatchObject({
      kind: 'notification',
      category: 'info',
      source: 'bl1-software',
      author: 'spec',
      revision: 1,
      editable: false,
      tags: ['shutter'],
    });
    expect(e.seq).toBeGreaterThan(0);
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(res.headers.etag).toBe('"1"');
    expect(e.content.html).toBe('<p>shutter opened</p>');
  });

  it('numbers events of a logbook gap-free in posting order', async () => {
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++)
      seqs.push((await t.post(emb, note(`step ${i}`), t.bearer(t.world.bl1Key))).json().seq);
    expect(seqs).toEqual([0, 1, 2, 3, 4].map((i) => seqs[0]! + i));
  });

  it('posts a batch in one go, in order', async () => {
    const events = Array.from({ length: 20 }, (_, i) => note(`batch ${i}`));
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${emb}/events:batch`,
      payload: { events },
      headers: t.bearer(t.world.bl1Key),
    });
    expect(res.statusCode).toBe(201);
    const seqs = res.json().events.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => seqs[0] + i));
    expect(res.json().events[19].content.text).toBe('batch 19');
  });

  it('refuses a batch of more than 1000 events with 413', async () => {
    const events = Array.from({ length: 1001 }, () => note('x'));
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${emb}/events:batch`,
      payload: { events },
      headers: t.bearer(t.world.bl1Key),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('batch_too_large');
  });

  it('returns the original response to a retry with the same Idempotency-Key', async () => {
    const key = randomUUID();
    const headers = { ...t.bearer(t.world.bl1Key), 'idempotency-key': key };
    const first = await t.post(emb, note('scan 17 started'), headers);
    const again = await t.post(emb, note('scan 17 started'), headers);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const found = await t.app.inject({
      url: `/api/logbooks/${emb}/events?q=${encodeURIComponent('"scan 17 started"')}`,
      headers: t.bearer(t.world.bl1Key),
    });
    expect(found.json().items).toHaveLength(1);
  });

  it('refuses a different body under a used Idempotency-Key with 409', async () => {
    const headers = { ...t.bearer(t.world.bl1Key), 'idempotency-key': randomUUID() };
    expect((await t.post(emb, note('one'), headers)).statusCode).toBe(201);
    const res = await t.post(emb, note('two'), headers);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('idempotency_key_reused');
  });

  it('deduplicates by clientId, and refuses a different event under a used clientId', async () => {
    const clientId = randomUUID();
    const first = await t.post(emb, note('motor moved', { clientId }), t.bearer(t.world.bl1Key));
    const again = await t.post(emb, note('motor moved', { clientId }), t.bearer(t.world.bl1Key));
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(again.json().seq).toBe(first.json().seq);
    const other = await t.post(emb, note('motor stopped', { clientId }), t.bearer(t.world.bl1Key));
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('client_id_reused');
  });

  it('stores one event for N concurrent identical posts with one Idempotency-Key', async () => {
    const before = (
      await t.app.inject({ url: `/api/logbooks/${emb}`, headers: t.bearer(t.world.bl1Key) })
    ).json().lastSeq;
    const headers = { ...t.bearer(t.world.bl1Key), 'idempotency-key': randomUUID() };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.post(emb, note('concurrent retry'), headers)),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    const after = (
      await t.app.inject({ url: `/api/logbooks/${emb}`, headers: t.bearer(t.world.bl1Key) })
    ).json().lastSeq;
    expect(after).toBe(before + 1);
  });

  it('stores one event for N concurrent identical posts with one clientId', async () => {
    const clientId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.post(emb, note('clientId race', { clientId }), t.bearer(t.world.bl1Key)),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.json().seq)).size).toBe(1);
  });

  it('keeps seq gap-free under concurrent posters', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => t.post(emb, note(`parallel ${i}`), t.bearer(t.world.bl1Key))),
    );
    const seqs = results.map((r) => r.json().seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });

  it('lets members write annotations and comment on a notification', async () => {
    const n = (await t.post(emb, note('sample mounted'), t.bearer(t.world.bl1Key))).json();
    const c = await t.post(
      emb,
      { parentId: n.id, content: { format: 'markdown', text: 'looks **tilted**' } },
      { cookie: t.cookies.bob },
    );
    expect(c.statusCode).toBe(201);
    expect(c.json()).toMatchObject({
      kind: 'annotation',
      category: 'comment',
      parentId: n.id,
      author: 'bob',
      source: 'bob',
      editable: true,
    });
    expect(c.json().content.html).toContain('<strong>tilted</strong>');
    const thread = await t.app.inject({
      url: `/api/logbooks/${emb}/events?parent=${n.id}`,
      headers: { cookie: t.cookies.ada },
    });
    expect(thread.json().items.map((e: { id: string }) => e.id)).toEqual([c.json().id]);
  });

  it('refuses a comment on an event of another logbook', async () => {
    const pub = await t.logbookOf('PUB');
    const foreign = (
      await t.app.inject({ url: `/api/logbooks/${pub}/events?limit=1`, headers: { cookie: t.cookies.sam } })
    ).json().items[0];
    const res = await t.post(
      emb,
      { parentId: foreign?.id ?? randomUUID(), content: { format: 'plainText', text: 'x' } },
      { cookie: t.cookies.ada },
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('parent_not_found');
  });

  it('checks the kind against the sender', async () => {
    const software = await t.post(emb, note('x', { kind: 'annotation' }), t.bearer(t.world.bl1Key));
    expect(software.statusCode).toBe(422);
    expect(software.json().code).toBe('invalid_kind');
    const person = await t.post(emb, note('x', { kind: 'notification' }), { cookie: t.cookies.ada });
    expect(person.json().code).toBe('invalid_kind');
    const broadcast = await t.post(emb, note('x', { kind: 'broadcast' }), { cookie: t.cookies.sam });
    expect(broadcast.json().code).toBe('invalid_kind');
  });

  it('refuses oversized content with 413 and bad input with stable 400 codes', async () => {
    const big = await t.post(emb, note('x'.repeat(64 * 1024 + 1)), { cookie: t.cookies.ada });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('content_too_large');
    const bad = await t.post(emb, { content: { format: 'rtf', text: 'x' } }, { cookie: t.cookies.ada });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
    const extra = await t.post(emb, { ...note('x'), secret: 1 }, { cookie: t.cookies.ada });
    expect(extra.statusCode).toBe(400);
    const json = await t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${emb}/events`,
      payload: '{"content":',
      headers: { cookie: t.cookies.ada, 'content-type': 'application/json' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().code).toBe('invalid_json');
    const noLogbook = await t.post('not-a-uuid', note('x'), { cookie: t.cookies.ada });
    expect(noLogbook.statusCode).toBe(404);
    expect(noLogbook.json().code).toBe('logbook_not_found');
  });

  it('finds the logbook of the session running on an instrument', async () => {
    t.clock.set('2026-01-03T12:00:00Z');
    try {
      const res = await t.app.inject({
        url: '/api/instruments/BL1/logbook/current',
        headers: t.bearer(t.world.bl1Key),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: emb, sessionId: 'EMB' });
      const none = await t.app.inject({
        url: '/api/instruments/BL2/logbook/current',
        headers: t.bearer(t.world.bl2Key),
      });
      expect(none.statusCode).toBe(404);
      expect(none.json().code).toBe('no_running_session');
    } finally {
      t.clock.set('2026-06-01T00:00:00Z');
    }
  });
});
