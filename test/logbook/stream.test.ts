import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';
import { SseClient } from './sse.ts';

describe.each(dialects)('following a logbook live (SSE) on %s', (dialect) => {
  let t: LogbookTestApp;
  let lb: string;
  let base: string;
  const clients: SseClient[] = [];
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const c = await SseClient.open(`${base}/api/logbooks/${lb}/stream${query}`, {
      cookie: t.cookies.ada,
      ...headers,
    });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    lb = await t.logbookOf('EMB');
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    // Streams still open: closing the app must end them rather than wait for the clients.
    await t.close();
    clients.forEach((c) => c.close());
  });

  it('delivers new events as they are posted, each with id: <seq>', async () => {
    const stream = await open();
    expect(stream.status).toBe(200);
    const posted = (await t.post(lb, note('live one'), t.bearer(t.world.bl1Key))).json();
    const msg = await stream.next();
    expect(msg.event).toBe('event');
    expect(msg.id).toBe(String(posted.seq));
    expect(JSON.parse(msg.data)).toMatchObject({ id: posted.id, content: { text: 'live one' } });
    const batch = Array.from({ length: 3 }, (_, i) => note(`batch ${i}`));
    await t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${lb}/events:batch`,
      payload: { events: batch },
      headers: t.bearer(t.world.bl1Key),
    });
    const ids = [(await stream.next()).id, (await stream.next()).id, (await stream.next()).id];
    expect(ids).toEqual([posted.seq + 1, posted.seq + 2, posted.seq + 3].map(String));
  });

  it('replays what was missed after Last-Event-ID, then continues live', async () => {
    const first = (await t.post(lb, note('before the gap'), t.bearer(t.world.bl1Key))).json();
    const missed = [];
    for (let i = 0; i < 3; i++)
      missed.push((await t.post(lb, note(`missed ${i}`), t.bearer(t.world.bl1Key))).json().seq);
    const stream = await open('', { 'last-event-id': String(first.seq) });
    const replayed = [(await stream.next()).id, (await stream.next()).id, (await stream.next()).id];
    expect(replayed).toEqual(missed.map(String));
    const live = (await t.post(lb, note('after reconnect'), t.bearer(t.world.bl1Key))).json();
    expect((await stream.next()).id).toBe(String(live.seq));
  });

  it('sends edits as update messages', async () => {
    const stream = await open();
    const c = (await t.post(lb, note('first words'), { cookie: t.cookies.bob })).json();
    expect((await stream.next()).id).toBe(String(c.seq));
    await t.app.inject({
      method: 'PATCH',
      url: `/api/events/${c.id}`,
      payload: note('better words'),
      headers: { cookie: t.cookies.bob, 'if-match': '"1"' },
    });
    const update = await stream.next();
    expect(update.event).toBe('update');
    expect(JSON.parse(update.data)).toMatchObject({
      id: c.id,
      revision: 2,
      content: { text: 'better words' },
    });
  });

  it('filters the stream by category', async () => {
    const stream = await open('?category=error');
    await t.post(lb, note('all good'), t.bearer(t.world.bl1Key));
    const error = (
      await t.post(lb, note('motor fault', { category: 'error' }), t.bearer(t.world.bl1Key))
    ).json();
    const msg = await stream.next();
    expect(JSON.parse(msg.data).id).toBe(error.id);
  });

  it('sends updates only for events the stream selects, deletions included', async () => {
    const stream = await open('?tag=keep');
    const patch = (id: string, ifMatch: string, text: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/events/${id}`,
        payload: note(text),
        headers: { cookie: t.cookies.bob, 'if-match': ifMatch },
      });
    const kept = (await t.post(lb, note('kept words', { tags: ['keep'] }), { cookie: t.cookies.bob })).json();
    const other = (await t.post(lb, note('other words'), { cookie: t.cookies.bob })).json();
    expect((await stream.next()).id).toBe(String(kept.seq));
    expect((await patch(other.id, '"1"', 'other words, edited')).statusCode).toBe(200);
    expect((await patch(kept.id, '"1"', 'kept words, edited')).statusCode).toBe(200);
    const update = await stream.next();
    expect(update.event).toBe('update');
    expect(JSON.parse(update.data)).toMatchObject({ id: kept.id, revision: 2 });
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/events/${kept.id}`,
      headers: { cookie: t.cookies.bob, 'if-match': '"2"' },
    });
    expect(del.statusCode).toBe(200);
    const deleted = await stream.next();
    expect(deleted.event).toBe('update');
    expect(JSON.parse(deleted.data)).toMatchObject({ id: kept.id, revision: 3 });
    expect(JSON.parse(deleted.data).deletedAt).not.toBeNull();
  });

  it('refuses outsiders before streaming anything', async () => {
    const stream = await open('', { cookie: t.cookies.eve });
    expect(stream.status).toBe(404);
  });

  // Positions beyond any seq (and beyond bigint) come from clients: they must not reach SQL after the
  // stream's 200 has gone out, where the only answer left is a dropped connection (which EventSource
  // retries for ever with the same Last-Event-ID).
  it('ignores a Last-Event-ID beyond any seq, as it ignores other ids it did not send', async () => {
    const stream = await SseClient.open(`${base}/api/logbooks/${lb}/stream`, {
      cookie: t.cookies.ada,
      'last-event-id': '99999999999999999999',
    });
    clients.push(stream);
    expect(stream.status).toBe(200);
    const posted = (await t.post(lb, note('after a bad Last-Event-ID'), t.bearer(t.world.bl1Key))).json();
    const msg = await stream.next();
    expect([msg.event, msg.id]).toEqual(['event', String(posted.seq)]);
  });

  it('answers 400 with a code to ?after= beyond any seq', async () => {
    const res = await fetch(`${base}/api/logbooks/${lb}/stream?after=99999999999999999999`, {
      headers: { cookie: t.cookies.ada, accept: 'text/event-stream' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('validation_failed');
  });
});
