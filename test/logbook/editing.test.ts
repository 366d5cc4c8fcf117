import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

const md = (text: string) => ({ content: { format: 'markdown', text } });

describe.each(dialects)('editing logbook events on %s', (dialect) => {
  let t: LogbookTestApp;
  let emb: string;
  const patch = (id: string, body: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: 'PATCH', url: `/api/events/${id}`, payload: body as object, headers });
  const comment = async (text: string, who: 'bob' | 'ada' = 'bob') => {
    const n = (await t.post(emb, note('detector saturated'), t.bearer(t.world.bl1Key))).json();
    return (await t.post(emb, { parentId: n.id, ...md(text) }, { cookie: t.cookies[who] })).json() as {
      id: string;
      revision: number;
      parentId: string;
    };
  };
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    emb = await t.logbookOf('EMB');
  });
  afterAll(() => t.close());

  it('lets the author edit with If-Match and answers with the new revision as ETag', async () => {
    const c = await comment('reduce the exposure');
    const res = await patch(c.id, md('reduce the exposure to 0.1 s'), {
      cookie: t.cookies.bob,
      'if-match': '"1"',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      revision: 2,
      editedBy: 'bob',
      content: { text: 'reduce the exposure to 0.1 s' },
    });
    expect(res.headers.etag).toBe('"2"');
    const got = await t.app.inject({ url: `/api/events/${c.id}`, headers: { cookie: t.cookies.ada } });
    expect(got.headers.etag).toBe('"2"');
  });

  it('refuses an edit without If-Match (428) or with a malformed one (400)', async () => {
    const c = await comment('x');
    const none = await patch(c.id, md('y'), { cookie: t.cookies.bob });
    expect(none.statusCode).toBe(428);
    expect(none.json().code).toBe('if_match_required');
    const bad = await patch(c.id, md('y'), { cookie: t.cookies.bob, 'if-match': 'yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_if_match');
    const empty = await patch(c.id, {}, { cookie: t.cookies.bob, 'if-match': '"1"' });
    expect(empty.statusCode).toBe(400);
  });

  it('answers a stale If-Match with 412 and the current event', async () => {
    const c = await comment('first');
    await patch(c.id, md('second'), { cookie: t.cookies.bob, 'if-match': '"1"' });
    const stale = await patch(c.id, md('third'), { cookie: t.cookies.bob, 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('revision_mismatch');
    expect(stale.json().details.current).toMatchObject({
      id: c.id,
      revision: 2,
      content: { text: 'second' },
    });
  });

  it('lets exactly one of two concurrent editors with the same If-Match win', async () => {
    const c = await comment('shared text');
    const [a, b] = await Promise.all([
      patch(c.id, md('version A'), { cookie: t.cookies.bob, 'if-match': '"1"' }),
      patch(c.id, md('version B'), { cookie: t.cookies.sam, 'if-match': '"1"' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 412]);
    const winner = a.statusCode === 200 ? a : b;
    const loser = a.statusCode === 200 ? b : a;
    expect(loser.json().details.current.content.text).toBe(winner.json().content.text);
    const revisions = (
      await t.app.inject({ url: `/api/events/${c.id}/revisions`, headers: { cookie: t.cookies.bob } })
    ).json().items;
    expect(revisions.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);
  });

  it('lets only the author or staff edit', async () => {
    const c = await comment('bob wrote this');
    const ada = await patch(c.id, md('ada rewrote it'), { cookie: t.cookies.ada, 'if-match': '"1"' });
    expect(ada.statusCode).toBe(403);
    expect(ada.json().code).toBe('not_event_author');
    const software = await patch(c.id, md('x'), { ...t.bearer(t.world.bl1Key), 'if-match': '"1"' });
    expect(software.statusCode).toBe(403);
    const sam = await patch(c.id, md('staff fixed a typo'), { cookie: t.cookies.sam, 'if-match': '"1"' });
    expect(sam.statusCode).toBe(200);
    expect(sam.json().editedBy).toBe('sam');
    expect(sam.json().author).toBe('bob');
  });

  it('keeps notifications from software immutable (409 event_immutable)', async () => {
    const n = (await t.post(emb, note('temperature 300 K'), t.bearer(t.world.bl1Key))).json();
    for (const headers of [t.bearer(t.world.bl1Key), { cookie: t.cookies.sam }]) {
      const res = await patch(n.id, note('temperature 3 K'), { ...headers, 'if-match': '"1"' });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('event_immutable');
      const del = await t.app.inject({
        method: 'DELETE',
        url: `/api/events/${n.id}`,
        headers: { ...headers, 'if-match': '"1"' },
      });
      expect(del.json().code).toBe('event_immutable');
    }
  });

  it('lists every revision, the first included, and diffs any two word by word', async () => {
    const c = await comment('the beam is stable');
    await patch(c.id, md('the beam is very stable'), { cookie: t.cookies.bob, 'if-match': '"1"' });
    await patch(
      c.id,
      { ...md('the beam was very stable'), tags: ['beam'] },
      { cookie: t.cookies.bob, 'if-match': '"2"' },
    );
    const revisions = (
      await t.app.inject({ url: `/api/events/${c.id}/revisions`, headers: { cookie: t.cookies.ada } })
    ).json().items;
    expect(
      revisions.map((r: { revision: number; content: { text: string } }) => [r.revision, r.content.text]),
    ).toEqual([
      [1, 'the beam is stable'],
      [2, 'the beam is very stable'],
      [3, 'the beam was very stable'],
    ]);
    expect(revisions[2].tags).toEqual(['beam']);
    const diff = await t.app.inject({
      url: `/api/events/${c.id}/diff?from=1&to=3`,
      headers: { cookie: t.cookies.ada },
    });
    expect(diff.statusCode).toBe(200);
    const parts = diff.json().parts as { value: string; added: boolean; removed: boolean }[];
    expect(parts.filter((p) => p.removed).map((p) => p.value.trim())).toEqual(['is']);
    expect(parts.filter((p) => p.added).map((p) => p.value.trim())).toEqual(['was very']);
    const missing = await t.app.inject({
      url: `/api/events/${c.id}/diff?from=1&to=9`,
      headers: { cookie: t.cookies.ada },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('revision_not_found');
  });

  it('soft-deletes with If-Match as a new revision, hidden from the timeline', async () => {
    const c = await comment('to be withdrawn');
    const stale = await t.app.inject({
      method: 'DELETE',
      url: `/api/events/${c.id}`,
      headers: { cookie: t.cookies.bob, 'if-match': '"7"' },
    });
    expect(stale.statusCode).toBe(412);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/events/${c.id}`,
      headers: { cookie: t.cookies.bob, 'if-match': '"1"' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ revision: 2, deletedAt: expect.any(String) });
    const list = await t.app.inject({
      url: `/api/logbooks/${emb}/events?parent=${c.parentId}`,
      headers: { cookie: t.cookies.ada },
    });
    expect(list.json().items).toEqual([]);
    const withDeleted = await t.app.inject({
      url: `/api/logbooks/${emb}/events?parent=${c.parentId}&includeDeleted=true`,
      headers: { cookie: t.cookies.ada },
    });
    expect(withDeleted.json().items.map((e: { id: string }) => e.id)).toEqual([c.id]);
    const revisions = (
      await t.app.inject({ url: `/api/events/${c.id}/revisions`, headers: { cookie: t.cookies.bob } })
    ).json().items;
    expect(revisions.map((r: { deleted: boolean }) => r.deleted)).toEqual([false, true]);
    const again = await patch(c.id, md('resurrect'), { cookie: t.cookies.bob, 'if-match': '"2"' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('event_deleted');
  });

  // The history is the stored earlier revisions plus the event as it is now: read apart, an edit
  // committed between the two reads showed one revision twice (or missed one).
  it('lists revisions 1..n once each, in order, while the event is being edited', async () => {
    const e = (await t.post(emb, note('first words'), { cookie: t.cookies.bob })).json() as { id: string };
    const EDITS = 25;
    let editing = true;
    const statuses: number[] = [];
    const edits = (async () => {
      try {
        for (let r = 1; r <= EDITS; r++) {
          const res = await t.app.inject({
            method: 'PATCH',
            url: `/api/events/${e.id}`,
            payload: { content: { format: 'plainText', text: `words ${r}` } },
            headers: { cookie: t.cookies.bob, 'if-match': `"${r}"` },
          });
          statuses.push(res.statusCode);
        }
      } finally {
        editing = false;
      }
    })();
    const seen: number[][] = [];
    while (editing && seen.length < 2000) {
      await new Promise((r) => setImmediate(r));
      const res = await t.app.inject({
        url: `/api/events/${e.id}/revisions`,
        headers: { cookie: t.cookies.ada },
      });
      seen.push((res.json().items as { revision: number }[]).map((v) => v.revision));
    }
    await edits;
    expect(statuses).toEqual(Array(EDITS).fill(200));
    const wrong = seen.filter((list) => list.some((rev, i) => rev !== i + 1));
    expect(wrong).toEqual([]);
    // The reads overlapped the edits: they saw the history at more than one length.
    expect(new Set(seen.map((list) => list.length)).size).toBeGreaterThan(1);
  });
});
